//! MQTT 3.1 and 3.1.1 control packets on the wire: a fixed header (type, flags, a remaining
//! length of 1-4 bytes), a variable header and a payload. The decoder works on whatever
//! bytes have arrived (a packet may be split anywhere) and refuses packets over its limit
//! before reading them.

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// One packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    Connect(Connect),
    ConnAck { session_present: bool, code: u8 },
    Publish(Publish),
    PubAck(u16),
    PubRec(u16),
    PubRel(u16),
    PubComp(u16),
    Subscribe { id: u16, filters: Vec<(String, u8)> },
    SubAck { id: u16, codes: Vec<u8> },
    Unsubscribe { id: u16, filters: Vec<String> },
    UnsubAck(u16),
    PingReq,
    PingResp,
    Disconnect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    /// 3 (MQTT 3.1, `MQIsdp`) or 4 (3.1.1, `MQTT`).
    pub level: u8,
    pub client_id: String,
    pub clean_session: bool,
    pub keep_alive: u16,
    pub will: Option<Will>,
    pub username: Option<String>,
    pub password: Option<Bytes>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Will {
    pub topic: String,
    pub payload: Bytes,
    pub qos: u8,
    pub retain: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    pub dup: bool,
    pub qos: u8,
    pub retain: bool,
    pub topic: String,
    /// Present for QoS 1 and 2.
    pub id: Option<u16>,
    pub payload: Bytes,
}

/// A packet that breaks the protocol; the connection closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketError(pub String);

fn err<T>(m: impl Into<String>) -> Result<T, PacketError> {
    Err(PacketError(m.into()))
}

/// The next packet in `buf`, consuming it; `None` until a whole one has arrived.
///
/// Errors: a malformed packet, or one longer than `max` bytes.
pub fn decode(buf: &mut BytesMut, max: usize) -> Result<Option<Packet>, PacketError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let mut len: usize = 0;
    let mut shift = 0;
    let mut i = 1;
    loop {
        let Some(&b) = buf.get(i) else { return Ok(None) };
        len |= usize::from(b & 0x7f) << shift;
        i += 1;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
        if i > 4 {
            return err("malformed remaining length");
        }
    }
    if len > max {
        return err(format!("packet of {len} bytes is over the limit of {max}"));
    }
    if buf.len() < i + len {
        buf.reserve(i + len - buf.len());
        return Ok(None);
    }
    let first = buf[0];
    buf.advance(i);
    let body = buf.split_to(len).freeze();
    parse(first, body).map(Some)
}

struct Reader {
    b: Bytes,
}

impl Reader {
    fn u8(&mut self) -> Result<u8, PacketError> {
        if self.b.is_empty() {
            return err("packet too short");
        }
        Ok(self.b.get_u8())
    }

    fn u16(&mut self) -> Result<u16, PacketError> {
        if self.b.len() < 2 {
            return err("packet too short");
        }
        Ok(self.b.get_u16())
    }

    fn bytes(&mut self) -> Result<Bytes, PacketError> {
        let n = usize::from(self.u16()?);
        if self.b.len() < n {
            return err("packet too short");
        }
        Ok(self.b.split_to(n))
    }

    fn string(&mut self) -> Result<String, PacketError> {
        let b = self.bytes()?;
        let s = String::from_utf8(b.to_vec()).map_err(|_| PacketError("a string is not UTF-8".into()))?;
        if s.contains('\0') {
            return err("a string holds U+0000");
        }
        Ok(s)
    }
}

fn parse(first: u8, body: Bytes) -> Result<Packet, PacketError> {
    let kind = first >> 4;
    let flags = first & 0x0f;
    let mut r = Reader { b: body };
    let fixed_flags =
        |want: u8| if flags == want { Ok(()) } else { err(format!("reserved flags {flags:#x} on packet type {kind}")) };
    let packet = match kind {
        1 => {
            fixed_flags(0)?;
            let name = r.string()?;
            let level = r.u8()?;
            let ok = matches!((name.as_str(), level), ("MQIsdp", 3) | ("MQTT", 4));
            if !ok {
                // Answered CONNACK 1 by the connection (it reads the level from here).
                return Ok(Packet::Connect(Connect {
                    level: if name == "MQTT" || name == "MQIsdp" { level } else { 0 },
                    client_id: String::new(),
                    clean_session: true,
                    keep_alive: 0,
                    will: None,
                    username: None,
                    password: None,
                }));
            }
            let cf = r.u8()?;
            if cf & 1 != 0 {
                return err("reserved connect flag set");
            }
            let keep_alive = r.u16()?;
            let client_id = r.string()?;
            let will = if cf & 0x04 != 0 {
                let topic = r.string()?;
                let payload = r.bytes()?;
                let qos = (cf >> 3) & 3;
                if qos > 2 {
                    return err("will QoS 3");
                }
                Some(Will { topic, payload, qos, retain: cf & 0x20 != 0 })
            } else {
                if cf & 0x38 != 0 {
                    return err("will QoS or retain without a will");
                }
                None
            };
            let username = if cf & 0x80 != 0 { Some(r.string()?) } else { None };
            let password = if cf & 0x40 != 0 { Some(r.bytes()?) } else { None };
            Packet::Connect(Connect {
                level,
                client_id,
                clean_session: cf & 2 != 0,
                keep_alive,
                will,
                username,
                password,
            })
        }
        2 => {
            let sp = r.u8()?;
            Packet::ConnAck { session_present: sp & 1 != 0, code: r.u8()? }
        }
        3 => {
            let qos = (flags >> 1) & 3;
            if qos == 3 {
                return err("PUBLISH with QoS 3");
            }
            let topic = r.string()?;
            let id = if qos > 0 { Some(r.u16()?) } else { None };
            if id == Some(0) {
                return err("packet identifier 0");
            }
            Packet::Publish(Publish {
                dup: flags & 8 != 0,
                qos,
                retain: flags & 1 != 0,
                topic,
                id,
                payload: r.b.clone(),
            })
        }
        4 => Packet::PubAck(r.u16()?),
        5 => Packet::PubRec(r.u16()?),
        6 => {
            fixed_flags(2)?;
            Packet::PubRel(r.u16()?)
        }
        7 => Packet::PubComp(r.u16()?),
        8 => {
            fixed_flags(2)?;
            let id = r.u16()?;
            let mut filters = Vec::new();
            while !r.b.is_empty() {
                let f = r.string()?;
                let q = r.u8()?;
                if q > 2 {
                    return err("subscription QoS over 2");
                }
                filters.push((f, q));
            }
            if filters.is_empty() {
                return err("SUBSCRIBE without a topic filter");
            }
            Packet::Subscribe { id, filters }
        }
        9 => {
            let id = r.u16()?;
            Packet::SubAck { id, codes: r.b.to_vec() }
        }
        10 => {
            fixed_flags(2)?;
            let id = r.u16()?;
            let mut filters = Vec::new();
            while !r.b.is_empty() {
                filters.push(r.string()?);
            }
            if filters.is_empty() {
                return err("UNSUBSCRIBE without a topic filter");
            }
            Packet::Unsubscribe { id, filters }
        }
        11 => Packet::UnsubAck(r.u16()?),
        12 => Packet::PingReq,
        13 => Packet::PingResp,
        14 => Packet::Disconnect,
        other => return err(format!("unknown packet type {other}")),
    };
    Ok(packet)
}

fn put_len(out: &mut BytesMut, mut n: usize) {
    loop {
        let mut b = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            b |= 0x80;
        }
        out.put_u8(b);
        if n == 0 {
            break;
        }
    }
}

fn put_str(out: &mut BytesMut, s: &[u8]) {
    out.put_u16(s.len() as u16);
    out.put_slice(s);
}

/// Writes a packet.
pub fn encode(p: &Packet, out: &mut BytesMut) {
    let mut body = BytesMut::new();
    let first: u8 = match p {
        Packet::Connect(c) => {
            put_str(&mut body, if c.level == 3 { b"MQIsdp" } else { b"MQTT" });
            body.put_u8(c.level);
            let mut f = 0u8;
            if c.clean_session {
                f |= 2;
            }
            if let Some(w) = &c.will {
                f |= 4 | (w.qos << 3) | if w.retain { 0x20 } else { 0 };
            }
            if c.password.is_some() {
                f |= 0x40;
            }
            if c.username.is_some() {
                f |= 0x80;
            }
            body.put_u8(f);
            body.put_u16(c.keep_alive);
            put_str(&mut body, c.client_id.as_bytes());
            if let Some(w) = &c.will {
                put_str(&mut body, w.topic.as_bytes());
                put_str(&mut body, &w.payload);
            }
            if let Some(u) = &c.username {
                put_str(&mut body, u.as_bytes());
            }
            if let Some(pw) = &c.password {
                put_str(&mut body, pw);
            }
            0x10
        }
        Packet::ConnAck { session_present, code } => {
            body.put_u8(u8::from(*session_present));
            body.put_u8(*code);
            0x20
        }
        Packet::Publish(p) => {
            put_str(&mut body, p.topic.as_bytes());
            if let Some(id) = p.id {
                body.put_u16(id);
            }
            body.put_slice(&p.payload);
            0x30 | if p.dup { 8 } else { 0 } | (p.qos << 1) | u8::from(p.retain)
        }
        Packet::PubAck(id) => {
            body.put_u16(*id);
            0x40
        }
        Packet::PubRec(id) => {
            body.put_u16(*id);
            0x50
        }
        Packet::PubRel(id) => {
            body.put_u16(*id);
            0x62
        }
        Packet::PubComp(id) => {
            body.put_u16(*id);
            0x70
        }
        Packet::Subscribe { id, filters } => {
            body.put_u16(*id);
            for (f, q) in filters {
                put_str(&mut body, f.as_bytes());
                body.put_u8(*q);
            }
            0x82
        }
        Packet::SubAck { id, codes } => {
            body.put_u16(*id);
            body.put_slice(codes);
            0x90
        }
        Packet::Unsubscribe { id, filters } => {
            body.put_u16(*id);
            for f in filters {
                put_str(&mut body, f.as_bytes());
            }
            0xa2
        }
        Packet::UnsubAck(id) => {
            body.put_u16(*id);
            0xb0
        }
        Packet::PingReq => 0xc0,
        Packet::PingResp => 0xd0,
        Packet::Disconnect => 0xe0,
    };
    out.put_u8(first);
    put_len(out, body.len());
    out.put_slice(&body);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<Packet> {
        vec![
            Packet::Connect(Connect {
                level: 4,
                client_id: "c1".into(),
                clean_session: false,
                keep_alive: 30,
                will: Some(Will { topic: "w/t".into(), payload: Bytes::from_static(b"bye"), qos: 1, retain: true }),
                username: Some("admin".into()),
                password: Some(Bytes::from_static(b"pw")),
            }),
            Packet::ConnAck { session_present: true, code: 0 },
            Packet::Publish(Publish {
                dup: true,
                qos: 2,
                retain: true,
                topic: "a/b".into(),
                id: Some(7),
                payload: Bytes::from(vec![0u8; 300]),
            }),
            Packet::Publish(Publish {
                dup: false,
                qos: 0,
                retain: false,
                topic: "x".into(),
                id: None,
                payload: Bytes::new(),
            }),
            Packet::PubAck(1),
            Packet::PubRec(2),
            Packet::PubRel(3),
            Packet::PubComp(4),
            Packet::Subscribe { id: 5, filters: vec![("a/+".into(), 1), ("#".into(), 2)] },
            Packet::SubAck { id: 5, codes: vec![1, 0x80] },
            Packet::Unsubscribe { id: 6, filters: vec!["a/+".into()] },
            Packet::UnsubAck(6),
            Packet::PingReq,
            Packet::PingResp,
            Packet::Disconnect,
        ]
    }

    #[test]
    fn every_packet_round_trips_split_at_every_byte() {
        let mut wire = BytesMut::new();
        for p in samples() {
            encode(&p, &mut wire);
        }
        for split in 0..wire.len() {
            let mut buf = BytesMut::from(&wire[..split]);
            let mut got = Vec::new();
            while let Some(p) = decode(&mut buf, 1 << 20).unwrap() {
                got.push(p);
            }
            buf.extend_from_slice(&wire[split..]);
            while let Some(p) = decode(&mut buf, 1 << 20).unwrap() {
                got.push(p);
            }
            assert_eq!(got, samples(), "split at {split}");
        }
    }

    #[test]
    fn remaining_lengths_are_varints() {
        let mut out = BytesMut::new();
        put_len(&mut out, 321);
        assert_eq!(&out[..], [0xc1, 0x02]);
        // The spec's example bytes: PINGREQ is two bytes.
        let mut b = BytesMut::new();
        encode(&Packet::PingReq, &mut b);
        assert_eq!(&b[..], [0xc0, 0x00]);
    }

    #[test]
    fn malformed_packets_are_refused() {
        let e = |bytes: &[u8]| decode(&mut BytesMut::from(bytes), 1024).unwrap_err().0;
        assert!(e(&[0x30, 0xff, 0xff, 0xff, 0xff, 0x01]).contains("remaining length"));
        assert!(e(&[0x30, 0x80, 0x10]).contains("over the limit"), "refused from its length alone");
        assert!(e(&[0x36, 0x03, 0x00, 0x01, b'a']).contains("QoS 3"));
        assert!(e(&[0x80, 0x02, 0x00, 0x01]).contains("reserved flags"));
        assert!(e(&[0x82, 0x02, 0x00, 0x01]).contains("without a topic filter"));
        assert!(e(&[0xf0, 0x00]).contains("unknown packet type"));
        assert!(e(&[0x32, 0x05, 0x00, 0x01, b'a', 0x00, 0x00]).contains("identifier 0"));
        assert!(e(&[0x30, 0x03, 0x00, 0x05, b'a']).contains("too short"));
        assert!(e(&[0x30, 0x04, 0x00, 0x02, 0xff, 0xfe]).contains("UTF-8"));
    }
}
