//! AWS event-stream framing (`application/vnd.amazon.eventstream`), as SubscribeToShard streams
//! its records: each message is a prelude (total length, headers length, CRC32 of both), headers
//! (`:message-type`, `:event-type`, `:content-type`, ...), the payload, and a CRC32 of the whole.
//! Framing is done by `aws-smithy-eventstream`, the crate the AWS SDKs themselves decode with.

use aws_smithy_eventstream::frame::{read_message_from, write_message_to};
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bytes::Bytes;

fn frame(headers: Vec<(&'static str, String)>, payload: &[u8]) -> Bytes {
    let headers = headers.into_iter().map(|(k, v)| Header::new(k, HeaderValue::String(v.into()))).collect();
    let message = Message::new_from_parts(headers, Bytes::copy_from_slice(payload));
    let mut out = Vec::with_capacity(payload.len() + 128);
    // Writing to a Vec only fails for headers or payloads over the format's limits, which the
    // callers' sizes stay far below.
    let _ = write_message_to(&message, &mut out);
    Bytes::from(out)
}

/// An event (`:message-type` `event`) carrying `payload` of `content_type`.
pub fn event(event_type: &str, content_type: &str, payload: &[u8]) -> Bytes {
    frame(
        vec![
            (":message-type", "event".into()),
            (":event-type", event_type.into()),
            (":content-type", content_type.into()),
        ],
        payload,
    )
}

/// A modeled exception inside the stream (`:message-type` `exception`).
pub fn exception(exception_type: &str, content_type: &str, payload: &[u8]) -> Bytes {
    frame(
        vec![
            (":message-type", "exception".into()),
            (":exception-type", exception_type.into()),
            (":content-type", content_type.into()),
        ],
        payload,
    )
}

/// A decoded message: its string headers and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub headers: Vec<(String, String)>,
    pub payload: Bytes,
}

impl Frame {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Splits a byte stream into messages, checking both CRCs.
///
/// Errors: a truncated message or a CRC mismatch.
pub fn decode_all(mut bytes: &[u8]) -> Result<Vec<Frame>, String> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 4 {
            return Err("truncated prelude".into());
        }
        let total = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
        if total > bytes.len() {
            return Err("truncated message".into());
        }
        let m = read_message_from(&bytes[..total]).map_err(|e| e.to_string())?;
        let headers = m
            .headers()
            .iter()
            .filter_map(|h| match h.value() {
                HeaderValue::String(s) => Some((h.name().as_str().to_string(), s.as_str().to_string())),
                _ => None,
            })
            .collect();
        out.push(Frame { headers, payload: m.payload().clone() });
        bytes = &bytes[total..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CRC-32 (IEEE), bit by bit: an independent check of the frame's checksums.
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for b in data {
            crc ^= *b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn frames_are_byte_exact() {
        let f = event("Rec", "application/json", b"{}");
        let b = &f[..];
        let total = u32::from_be_bytes(b[0..4].try_into().unwrap()) as usize;
        let headers_len = u32::from_be_bytes(b[4..8].try_into().unwrap()) as usize;
        assert_eq!(total, b.len());
        assert_eq!(u32::from_be_bytes(b[8..12].try_into().unwrap()), crc32(&b[0..8]), "prelude CRC");
        assert_eq!(u32::from_be_bytes(b[total - 4..].try_into().unwrap()), crc32(&b[..total - 4]), "message CRC");
        // Headers: name length (1 byte), name, type 7 (string), value length (2 bytes), value.
        let mut want = Vec::new();
        for (k, v) in [(":message-type", "event"), (":event-type", "Rec"), (":content-type", "application/json")] {
            want.push(k.len() as u8);
            want.extend_from_slice(k.as_bytes());
            want.push(7);
            want.extend_from_slice(&(v.len() as u16).to_be_bytes());
            want.extend_from_slice(v.as_bytes());
        }
        assert_eq!(headers_len, want.len());
        assert_eq!(&b[12..12 + headers_len], &want[..]);
        assert_eq!(&b[12 + headers_len..total - 4], b"{}");
        assert_eq!(total, 12 + headers_len + 2 + 4);
    }

    #[test]
    fn round_trip_and_corruption() {
        let mut stream = event("A", "application/json", b"{\"x\":1}").to_vec();
        stream.extend_from_slice(&exception("ResourceNotFoundException", "application/json", b"{}"));
        let frames = decode_all(&stream).unwrap();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].header(":event-type"), Some("A"));
        assert_eq!(&frames[0].payload[..], b"{\"x\":1}");
        assert_eq!(frames[1].header(":exception-type"), Some("ResourceNotFoundException"));
        let mut bad = stream.clone();
        let last = bad.len() - 6;
        bad[last] ^= 0xFF;
        assert!(decode_all(&bad).is_err());
        assert!(decode_all(&stream[..10]).is_err());
    }
}
