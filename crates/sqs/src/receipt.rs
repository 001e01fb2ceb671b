//! Receipt handles: opaque to clients, they name the queue, the message and the receive
//! (a random nonce), so a handle from another queue, a forged one or a stale one is told apart.

use base64::Engine;

const PREFIX: &str = "QS1";

/// Encodes a handle.
pub fn encode(queue_id: i64, message: i64, nonce: u32) -> String {
    let raw = format!("{PREFIX}:{queue_id}:{message}:{nonce}");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// Decodes a handle into (queue id, message id, nonce); `None` if it is not one of ours.
pub fn decode(handle: &str) -> Option<(i64, i64, u32)> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(handle.trim()).ok()?;
    let s = String::from_utf8(raw).ok()?;
    let mut p = s.split(':');
    if p.next()? != PREFIX {
        return None;
    }
    let q = p.next()?.parse().ok()?;
    let m = p.next()?.parse().ok()?;
    let n: u32 = p.next()?.parse().ok()?;
    if p.next().is_some() || n == 0 {
        return None;
    }
    Some((q, m, n))
}

/// A fresh non-zero nonce.
pub fn nonce() -> u32 {
    let b = uuid::Uuid::new_v4();
    let n = u32::from_le_bytes([b.as_bytes()[0], b.as_bytes()[1], b.as_bytes()[2], b.as_bytes()[3]]);
    n.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let h = encode(3, 99, 12345);
        assert_eq!(decode(&h), Some((3, 99, 12345)));
        assert_eq!(decode("garbage"), None);
        assert_eq!(decode(&encode(3, 99, 0)), None);
        assert!(nonce() > 0);
    }
}
