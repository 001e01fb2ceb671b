//! STOMP frames on the wire (1.0, 1.1 and 1.2): a command line, header lines, a blank line,
//! a body ended by NUL, or by `content-length` bytes and then NUL (so bodies may hold NULs).
//! Lines end in LF or CRLF; EOLs between frames are heart-beats. From 1.1 on, header names
//! and values escape `\\`, `\n`, `:` (`\c`) and, in 1.2, `\r`; CONNECT and CONNECTED frames
//! are never escaped. The decoder works on whatever bytes have arrived, so a frame may be
//! split anywhere; limits bound what one frame may hold (ActiveMQ's wording).

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub command: String,
    /// In the order received; a repeated header's first value wins (as the spec says).
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Frame {
    pub fn new(command: &str) -> Frame {
        Frame { command: command.to_string(), headers: Vec::new(), body: Bytes::new() }
    }

    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn with(mut self, name: &str, value: impl Into<String>) -> Frame {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn with_body(mut self, body: impl Into<Bytes>) -> Frame {
        self.body = body.into();
        self
    }
}

/// The protocol version of a connection (escaping differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    V1_0,
    V1_1,
    V1_2,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V1_0 => "1.0",
            Version::V1_1 => "1.1",
            Version::V1_2 => "1.2",
        }
    }

    /// The highest version both sides speak, from CONNECT's `accept-version` (none: 1.0).
    pub fn negotiate(accept: Option<&str>) -> Option<Version> {
        let Some(list) = accept else { return Some(Version::V1_0) };
        let offered: Vec<&str> = list.split(',').map(str::trim).collect();
        [Version::V1_2, Version::V1_1, Version::V1_0].into_iter().find(|v| offered.contains(&v.as_str()))
    }
}

/// What the decoder found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Frame(Frame),
    /// An EOL between frames.
    HeartBeat,
}

/// A frame that breaks the protocol or a limit; the connection answers ERROR and closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError(pub String);

/// Limits on one frame (ActiveMQ's `wireFormat.maxHeaderLength`, `maxHeaders`,
/// `maxDataLength`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_header_length: usize,
    pub max_headers: usize,
    pub max_data_length: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_header_length: 10 * 1024, max_headers: 1000, max_data_length: 16 * 1024 * 1024 }
    }
}

/// The decoder of one connection.
#[derive(Debug)]
pub struct Decoder {
    pub version: Version,
    pub limits: Limits,
}

impl Decoder {
    pub fn new(limits: Limits) -> Decoder {
        Decoder { version: Version::V1_0, limits }
    }

    /// The next item in `buf`, consuming it; `None` until a whole one has arrived.
    ///
    /// Errors: a malformed frame or one over the limits.
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<Item>, FrameError> {
        // Heart-beats: EOLs before a frame.
        match buf.first() {
            None => return Ok(None),
            Some(b'\n') => {
                buf.advance(1);
                return Ok(Some(Item::HeartBeat));
            }
            Some(b'\r') => {
                return match buf.get(1) {
                    None => Ok(None),
                    Some(b'\n') => {
                        buf.advance(2);
                        Ok(Some(Item::HeartBeat))
                    }
                    Some(_) => Err(FrameError("Unexpected carriage return before a frame.".into())),
                };
            }
            Some(_) => {}
        }
        // The head ends at the first empty line.
        let Some(head_end) = find_head_end(buf) else {
            if buf.len() > self.limits.max_header_length * (self.limits.max_headers + 1) {
                return Err(FrameError("The maximum header length was exceeded".into()));
            }
            return Ok(None);
        };
        let (head_len, sep_len) = head_end;
        let head = &buf[..head_len];
        let mut lines = head.split(|b| *b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let command_line = lines.next().unwrap_or_default();
        let command = std::str::from_utf8(command_line)
            .map_err(|_| FrameError("The command is not valid UTF-8.".into()))?
            .to_string();
        if command.is_empty() || command.len() > 1024 {
            return Err(FrameError("Invalid command line.".into()));
        }
        let escaped = self.version >= Version::V1_1 && command != "CONNECT" && command != "CONNECTED";
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.len() > self.limits.max_header_length {
                return Err(FrameError("The maximum header length was exceeded".into()));
            }
            if headers.len() >= self.limits.max_headers {
                return Err(FrameError("The maximum number of headers was exceeded".into()));
            }
            let line = std::str::from_utf8(line).map_err(|_| FrameError("A header is not valid UTF-8.".into()))?;
            let Some((k, v)) = line.split_once(':') else {
                return Err(FrameError(format!("Unable to parser header line [{line}]")));
            };
            let (k, v) =
                if escaped { (unescape(k, self.version)?, unescape(v, self.version)?) } else { (k.into(), v.into()) };
            headers.push((k, v));
        }
        let body_start = head_len + sep_len;
        let length = headers.iter().find(|(k, _)| k == "content-length").map(|(_, v)| v.trim());
        let (body_len, frame_len) = match length {
            Some(l) => {
                let n: usize = l
                    .parse()
                    .map_err(|_| FrameError(format!("Specified content-length is not a valid integer: {l}")))?;
                if n > self.limits.max_data_length {
                    return Err(FrameError("The maximum data length was exceeded".into()));
                }
                if buf.len() < body_start + n + 1 {
                    return Ok(None);
                }
                if buf[body_start + n] != 0 {
                    return Err(FrameError("Expected null terminator after content-length bytes.".into()));
                }
                (n, body_start + n + 1)
            }
            None => match memchr::memchr(0, &buf[body_start..]) {
                Some(n) => (n, body_start + n + 1),
                None => {
                    if buf.len() - body_start > self.limits.max_data_length {
                        return Err(FrameError("The maximum data length was exceeded".into()));
                    }
                    return Ok(None);
                }
            },
        };
        let mut whole = buf.split_to(frame_len);
        whole.advance(body_start);
        whole.truncate(body_len);
        Ok(Some(Item::Frame(Frame { command, headers, body: whole.freeze() })))
    }
}

/// Where the head ends: its length and the separator's (`\n\n`, `\r\n\r\n` and mixes).
fn find_head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'\n', &buf[from..]) {
        let nl = from + i;
        match buf.get(nl + 1) {
            Some(b'\n') => {
                return Some((
                    if nl > 0 && buf[nl - 1] == b'\r' { nl - 1 } else { nl },
                    2 + usize::from(nl > 0 && buf[nl - 1] == b'\r'),
                ))
            }
            Some(b'\r') if buf.get(nl + 2) == Some(&b'\n') => {
                let cr = nl > 0 && buf[nl - 1] == b'\r';
                return Some((if cr { nl - 1 } else { nl }, 3 + usize::from(cr)));
            }
            Some(_) => from = nl + 1,
            None => return None,
        }
    }
    None
}

fn unescape(s: &str, version: Version) -> Result<String, FrameError> {
    if !s.contains('\\') {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('c') => out.push(':'),
            Some('r') if version >= Version::V1_2 => out.push('\r'),
            other => {
                return Err(FrameError(format!(
                    "Invalid escape sequence \\{} in a header",
                    other.map(String::from).unwrap_or_default()
                )))
            }
        }
    }
    Ok(out)
}

fn escape(s: &str, version: Version, out: &mut BytesMut) {
    // Most headers need no escape: copied whole.
    if !s.bytes().any(|b| matches!(b, b'\\' | b'\n' | b':' | b'\r')) {
        out.put_slice(s.as_bytes());
        return;
    }
    for c in s.chars() {
        match c {
            '\\' => out.put_slice(b"\\\\"),
            '\n' => out.put_slice(b"\\n"),
            ':' => out.put_slice(b"\\c"),
            '\r' if version >= Version::V1_2 => out.put_slice(b"\\r"),
            c => {
                let mut b = [0u8; 4];
                out.put_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
}

/// Writes a frame for a connection of `version`.
pub fn encode(frame: &Frame, version: Version, out: &mut BytesMut) {
    out.reserve(frame.command.len() + 64 + frame.body.len());
    out.put_slice(frame.command.as_bytes());
    out.put_u8(b'\n');
    let escaped = version >= Version::V1_1 && frame.command != "CONNECTED" && frame.command != "CONNECT";
    for (k, v) in &frame.headers {
        if escaped {
            escape(k, version, out);
            out.put_u8(b':');
            escape(v, version, out);
        } else {
            // 1.0 has no escapes: a newline would end the header, so it is dropped.
            out.put_slice(k.replace('\n', "").as_bytes());
            out.put_u8(b':');
            out.put_slice(v.replace('\n', "").as_bytes());
        }
        out.put_u8(b'\n');
    }
    out.put_u8(b'\n');
    out.put_slice(&frame.body);
    out.put_u8(0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoder(v: Version) -> Decoder {
        Decoder { version: v, limits: Limits::default() }
    }

    fn all(d: &Decoder, bytes: &[u8]) -> Result<Vec<Item>, FrameError> {
        let mut buf = BytesMut::from(bytes);
        let mut out = Vec::new();
        while let Some(item) = d.decode(&mut buf)? {
            out.push(item);
        }
        assert!(buf.is_empty(), "left over: {buf:?}");
        Ok(out)
    }

    #[test]
    fn frames_heartbeats_bodies_with_nuls_and_crlf() {
        let d = decoder(Version::V1_2);
        let wire =
            b"\n\r\nSEND\r\ndestination:/queue/a\r\ncontent-length:3\r\n\r\na\0b\0\nMESSAGE\nx:1\nx:2\n\nhello\0";
        let items = all(&d, wire).unwrap();
        assert_eq!(items[0], Item::HeartBeat);
        assert_eq!(items[1], Item::HeartBeat);
        let Item::Frame(send) = &items[2] else { panic!() };
        assert_eq!((send.command.as_str(), send.header("destination")), ("SEND", Some("/queue/a")));
        assert_eq!(&send.body[..], b"a\0b");
        assert_eq!(items[3], Item::HeartBeat);
        let Item::Frame(m) = &items[4] else { panic!() };
        assert_eq!(m.header("x"), Some("1"), "the first of a repeated header wins");
        assert_eq!(&m.body[..], b"hello");
    }

    #[test]
    fn frames_split_at_every_byte_decode_the_same() {
        let mut wire = BytesMut::new();
        let f = Frame::new("SEND")
            .with("destination", "/queue/a:b\\c\nd")
            .with("content-length", "5")
            .with_body(&b"x\0y\0z"[..]);
        encode(&f, Version::V1_2, &mut wire);
        wire.put_slice(b"\r\n");
        encode(&Frame::new("DISCONNECT").with("receipt", "r1"), Version::V1_2, &mut wire);
        let d = decoder(Version::V1_2);
        let whole = all(&d, &wire).unwrap();
        assert_eq!(whole[0], Item::Frame(f.clone()));
        for split in 0..wire.len() {
            let mut buf = BytesMut::from(&wire[..split]);
            let mut got = Vec::new();
            while let Some(i) = d.decode(&mut buf).unwrap() {
                got.push(i);
            }
            buf.put_slice(&wire[split..]);
            while let Some(i) = d.decode(&mut buf).unwrap() {
                got.push(i);
            }
            assert_eq!(got, whole, "split at {split}");
        }
    }

    #[test]
    fn escapes_by_version() {
        let wire = b"MESSAGE\na\\cb:c\\nd\\\\e\n\n\0";
        let Item::Frame(f) = all(&decoder(Version::V1_1), wire).unwrap().remove(0) else { panic!() };
        assert_eq!(f.headers[0], ("a:b".to_string(), "c\nd\\e".to_string()));
        // 1.0 keeps them as they are.
        let Item::Frame(f) = all(&decoder(Version::V1_0), wire).unwrap().remove(0) else { panic!() };
        assert_eq!(f.headers[0], ("a\\cb".to_string(), "c\\nd\\\\e".to_string()));
        // CONNECT is never unescaped; \r only from 1.2; an unknown escape is an error.
        let Item::Frame(f) = all(&decoder(Version::V1_2), b"CONNECT\nlogin:a\\cb\n\n\0").unwrap().remove(0) else {
            panic!()
        };
        assert_eq!(f.header("login"), Some("a\\cb"));
        assert!(all(&decoder(Version::V1_1), b"SEND\na:\\r\n\n\0").is_err());
        assert!(all(&decoder(Version::V1_2), b"SEND\na:\\t\n\n\0").is_err());
        let mut out = BytesMut::new();
        encode(&Frame::new("MESSAGE").with("k", "a:b\r"), Version::V1_2, &mut out);
        assert_eq!(&out[..], b"MESSAGE\nk:a\\cb\\r\n\n\0");
    }

    #[test]
    fn limits_and_malformed_frames() {
        let small = Decoder {
            version: Version::V1_2,
            limits: Limits { max_header_length: 16, max_headers: 2, max_data_length: 8 },
        };
        let e = |b: &[u8]| all(&small, b).unwrap_err().0;
        assert_eq!(e(b"SEND\na:1\nb:2\nc:3\n\n\0"), "The maximum number of headers was exceeded");
        assert_eq!(e(b"SEND\naaaaaaaaaaaaaaaaaaaa:1\n\n\0"), "The maximum header length was exceeded");
        assert_eq!(e(b"SEND\ncontent-length:9\n\n123456789\0"), "The maximum data length was exceeded");
        assert_eq!(e(b"SEND\n\n123456789"), "The maximum data length was exceeded", "no NUL in sight");
        assert!(e(b"SEND\ncontent-length:x\n\n\0").contains("not a valid integer"));
        assert!(e(b"SEND\ncontent-length:1\n\nab\0").contains("null terminator"));
        assert!(e(b"SEND\nno-colon\n\n\0").contains("Unable to parser header line"));
        // A head that never ends is refused once it is longer than any allowed head.
        let mut endless = BytesMut::from(&b"SEND\n"[..]);
        endless.put_slice(&[b'a'; 64]);
        assert!(small.decode(&mut endless).is_err());
    }

    #[test]
    fn versions_negotiate() {
        assert_eq!(Version::negotiate(None), Some(Version::V1_0));
        assert_eq!(Version::negotiate(Some("1.0,1.1")), Some(Version::V1_1));
        assert_eq!(Version::negotiate(Some("1.2, 1.1")), Some(Version::V1_2));
        assert_eq!(Version::negotiate(Some("2.0")), None);
    }
}
