//! The hash key space and sequence numbers.
//!
//! A record's hash key is MD5(partition key) read as a 128-bit big-endian integer (or its
//! ExplicitHashKey); a shard owns a contiguous range of the space. Sequence numbers are AWS's
//! version-2 numbers (see [`Seq`]).

use md5::{Digest, Md5};

/// MD5 of a partition key as a 128-bit integer.
pub fn hash_key(partition_key: &str) -> u128 {
    u128::from_be_bytes(Md5::digest(partition_key.as_bytes()).into())
}

/// `count` contiguous ranges covering the whole key space, the last one taking the remainder
/// (as AWS splits a new stream's space).
pub fn even_ranges(count: u32) -> Vec<(u128, u128)> {
    let count = u128::from(count.max(1));
    if count == 1 {
        return vec![(0, u128::MAX)];
    }
    // floor(2^128 / count), without 2^128.
    let width = u128::MAX / count + if u128::MAX % count == count - 1 { 1 } else { 0 };
    (0..count)
        .map(|i| {
            let start = width * i;
            let end = if i == count - 1 { u128::MAX } else { width * (i + 1) - 1 };
            (start, end)
        })
        .collect()
}

/// An explicit hash key as AWS accepts it: a decimal integer within the 128-bit space.
pub fn parse_hash_key(text: &str) -> Option<u128> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A sequence number's parts, as Quayside writes them: AWS's version-2 layout (recorded), 47
/// hex digits written in decimal (56 digits):
///
/// `2 · shard creation, epoch s (9 hex) · shard index, low nibble · counter (16 hex) · 00 ·
/// arrival, epoch s (9 hex) · shard index (8 hex) · 2`
///
/// The counter is the record's position in its shard. Positions are one stream-wide count
/// (consecutive puts to a stream differ by one, recorded), so a shard's positions have gaps where
/// other shards' records went; they grow strictly within a shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seq {
    /// The shard's creation, epoch ms (the number carries seconds).
    pub created_ms: u64,
    pub shard: u32,
    pub position: u64,
    /// The record's arrival, epoch ms (seconds in the number).
    pub ms: u64,
}

impl Seq {
    /// The sequence number of the record at `position` of a shard.
    pub fn record(created_ms: u64, ms: u64, shard: u32, position: u64) -> Seq {
        Seq { created_ms, shard, position, ms }
    }

    /// The point just before `position` (after every record below it): what a reader that is
    /// to go on at `position` continues from with AFTER_SEQUENCE_NUMBER.
    pub fn before(created_ms: u64, ms: u64, shard: u32, position: u64) -> Seq {
        Seq { created_ms, shard, position: position.saturating_sub(1), ms }
    }

    /// The position an AT_SEQUENCE_NUMBER reader starts at.
    pub fn at_position(self) -> u64 {
        self.position
    }

    /// The position an AFTER_SEQUENCE_NUMBER reader starts at.
    pub fn after_position(self) -> u64 {
        self.position + 1
    }

    pub fn to_wire(self) -> String {
        let hex = format!(
            "2{:09x}{:x}{:016x}00{:09x}{:08x}2",
            (self.created_ms / 1000) & 0xf_ffff_ffff,
            self.shard & 0xf,
            self.position,
            (self.ms / 1000) & 0xf_ffff_ffff,
            self.shard
        );
        Big::from_hex(&hex).map(|b| b.to_decimal()).unwrap_or_default()
    }

    /// Reads a version-2 sequence number of a shard of index 0 to 2^31 - 1; `None` for anything
    /// else ([`SeqNumber::parse`] reads every version).
    pub fn parse(text: &str) -> Option<Seq> {
        match SeqNumber::parse(text).ok()? {
            SeqNumber { version: 2, created_s, shard, counter, arrival_s: Some(arrival_s) } => Some(Seq {
                created_ms: created_s * 1000,
                shard: u32::try_from(shard).ok()?,
                position: counter,
                ms: arrival_s * 1000,
            }),
            _ => None,
        }
    }
}

/// A sequence number of any version AWS has written, read as AWS reads it (kinesalite recorded
/// the rules): below 2^124 it is version 0 after adding 2^124; a number of 47 hex digits
/// starting with 2 has its version in its last digit (1 or 2); anything else is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqNumber {
    pub version: u8,
    pub created_s: u64,
    /// The shard index it encodes (negative when the 8-hex field's top bit is set).
    pub shard: i64,
    /// Version 2's counter (version 1's 2-hex index).
    pub counter: u64,
    /// The arrival, epoch seconds (none in version 0).
    pub arrival_s: Option<u64>,
}

impl SeqNumber {
    /// Errors: `()` for a number AWS refuses as invalid.
    #[allow(clippy::result_unit_err)]
    pub fn parse(text: &str) -> Result<SeqNumber, ()> {
        let mut n = Big::from_decimal(text).ok_or(())?;
        let pow = |bits: u32| Big::power_of_two(bits);
        if n < pow(124) {
            n = n.add(&pow(124));
        }
        let hex = n.to_hex();
        let field = |from: usize, to: usize| u64::from_str_radix(hex.get(from..to).unwrap_or("x"), 16).map_err(|_| ());
        // Creation times at or past 16025175000 s are refused (AWS's own bound).
        let created = |secs: u64| if secs >= 16_025_175_000 { Err(()) } else { Ok(secs) };
        if n < pow(129) {
            // 32 hex digits: 1, creation (9), byte (2), random (16), shard index (4).
            return Ok(SeqNumber {
                version: 0,
                created_s: created(field(1, 10)?)?,
                shard: field(28, 32)? as i64,
                counter: 0,
                arrival_s: None,
            });
        }
        // Between 2^185 and 1.5 * 2^185: 47 hex digits starting with 2.
        if hex.len() != 47 || !hex.starts_with('2') {
            return Err(());
        }
        let signed_shard = |v: u64| if v >= 0x8000_0000 { -(v as i64) } else { v as i64 };
        match &hex[46..] {
            "2" => {
                if field(11, 12)? > 7 {
                    return Err(());
                }
                Ok(SeqNumber {
                    version: 2,
                    created_s: created(field(1, 10)?)?,
                    shard: signed_shard(field(38, 46)?),
                    counter: field(11, 27)?,
                    arrival_s: Some(field(29, 38)?),
                })
            }
            "1" => Ok(SeqNumber {
                version: 1,
                created_s: field(1, 10)?,
                shard: signed_shard(field(38, 46)?),
                counter: field(36, 38)?,
                arrival_s: Some(field(13, 22)?),
            }),
            _ => Err(()),
        }
    }
}

/// `shardId-000000000005`, and AWS's form for a negative index (`shardId--02147483648`).
pub fn shard_name(index: i64) -> String {
    if index < 0 {
        format!("shardId--{:011}", index.unsigned_abs())
    } else {
        format!("shardId-{index:012}")
    }
}

/// An unsigned integer of up to 192 bits (three 64-bit limbs, least significant first): enough
/// for any sequence number (188 bits); longer texts are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Big([u64; 3]);

/// By value: the most significant limb first.
impl Ord for Big {
    fn cmp(&self, other: &Big) -> std::cmp::Ordering {
        self.limbs_high_first().cmp(&other.limbs_high_first())
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, other: &Big) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Big {
    fn limbs_high_first(&self) -> [u64; 3] {
        [self.0[2], self.0[1], self.0[0]]
    }

    fn power_of_two(bits: u32) -> Big {
        let mut l = [0u64; 3];
        l[(bits / 64) as usize] = 1 << (bits % 64);
        Big(l)
    }

    fn add(&self, o: &Big) -> Big {
        let mut out = [0u64; 3];
        let mut carry = 0u128;
        for (i, slot) in out.iter_mut().enumerate() {
            let v = self.0[i] as u128 + o.0[i] as u128 + carry;
            *slot = v as u64;
            carry = v >> 64;
        }
        Big(out)
    }

    /// `self * m + a`, or `None` past 192 bits.
    fn mul_add(&self, m: u64, a: u64) -> Option<Big> {
        let mut out = [0u64; 3];
        let mut carry = a as u128;
        for (i, slot) in out.iter_mut().enumerate() {
            let v = self.0[i] as u128 * m as u128 + carry;
            *slot = v as u64;
            carry = v >> 64;
        }
        (carry == 0).then_some(Big(out))
    }

    fn from_decimal(text: &str) -> Option<Big> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.bytes().try_fold(Big([0; 3]), |n, d| n.mul_add(10, u64::from(d - b'0')))
    }

    fn from_hex(text: &str) -> Option<Big> {
        text.chars().try_fold(Big([0; 3]), |n, c| n.mul_add(16, u64::from(c.to_digit(16)?)))
    }

    fn to_hex(self) -> String {
        let [a, b, c] = self.limbs_high_first();
        let s = format!("{a:016x}{b:016x}{c:016x}");
        let t = s.trim_start_matches('0');
        if t.is_empty() {
            "0".into()
        } else {
            t.to_string()
        }
    }

    fn to_decimal(self) -> String {
        let mut n = self;
        let mut digits = Vec::new();
        loop {
            // Divide by 10^19 (the largest power of ten in a limb), most significant limb first.
            let mut rem = 0u128;
            for i in (0..3).rev() {
                let cur = (rem << 64) | n.0[i] as u128;
                n.0[i] = (cur / 10_000_000_000_000_000_000) as u64;
                rem = cur % 10_000_000_000_000_000_000;
            }
            digits.push(rem as u64);
            if n.0 == [0; 3] {
                break;
            }
        }
        let mut out = digits.pop().unwrap_or(0).to_string();
        for d in digits.iter().rev() {
            out.push_str(&format!("{d:019}"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known MD5 values (Python's hashlib): MD5("a") = 0cc175b9c0f1b6a831c399e269772661.
    #[test]
    fn partition_keys_hash_as_md5_integers() {
        assert_eq!(hash_key("a"), 0x0cc175b9c0f1b6a831c399e269772661);
        assert_eq!(hash_key(""), 0xd41d8cd98f00b204e9800998ecf8427e);
        assert_eq!(hash_key("partitionKey"), 193318062818912349798954611745638949166);
        assert_eq!(hash_key("user-42"), 157107139746365290205026809710278036035);
    }

    #[test]
    fn ranges_cover_the_space_as_aws_splits_it() {
        let r = even_ranges(1);
        assert_eq!(r, vec![(0, u128::MAX)]);
        let r = even_ranges(2);
        assert_eq!(r[0], (0, 170141183460469231731687303715884105727));
        assert_eq!(r[1], (170141183460469231731687303715884105728, u128::MAX));
        let r = even_ranges(3);
        assert_eq!(r[0].1 + 1, r[1].0);
        assert_eq!(r[1].1 + 1, r[2].0);
        assert_eq!(r[2].1, u128::MAX);
        assert_eq!(r[1].0, 113427455640312821154458202477256070485);
    }

    #[test]
    fn sequence_numbers_have_aws_layout_and_round_trip() {
        // AWS's public example decodes to the layout (recorded).
        let aws = SeqNumber::parse("49590338271490256608559692538361571095921575989136588898").unwrap();
        assert_eq!((aws.version, aws.shard, aws.counter), (2, 6, 0x67648a17));
        assert_eq!((aws.created_s, aws.arrival_s), (0x05bf4e5c2, Some(0x05c181eea)));
        let a = Seq { created_ms: 1_700_000_000_000, shard: 3, position: 7, ms: 1_700_000_123_456 };
        let w = a.to_wire();
        assert_eq!(w.len(), 56, "{w}");
        let hex = Big::from_decimal(&w).unwrap().to_hex();
        assert_eq!(hex, format!("2{:09x}3{:016x}00{:09x}{:08x}2", 1_700_000_000u64, 7, 1_700_000_123u64, 3));
        assert_eq!(Seq::parse(&w), Some(Seq { ms: 1_700_000_123_000, ..a }));
        let c = Seq { position: 8, ..a };
        assert!(a.to_wire() < c.to_wire(), "the counter orders a shard's records");
        assert_eq!(Seq::before(0, 0, 1, 5).after_position(), 5);
        assert_eq!(Seq::record(0, 0, 1, 5).at_position(), 5);
        // Every version AWS reads (recorded): all-zero fields of versions 2 and 1, and 0.
        let dec = |h: &str| Big::from_hex(h).unwrap().to_decimal();
        assert_eq!(SeqNumber::parse(&dec(&format!("2{}2", "0".repeat(45)))).unwrap().version, 2);
        assert_eq!(SeqNumber::parse(&dec(&format!("2{}1", "0".repeat(45)))).unwrap().version, 1);
        assert_eq!(SeqNumber::parse(&dec(&format!("2{}800000002", "0".repeat(37)))).unwrap().shard, -0x8000_0000);
        assert_eq!(shard_name(-0x8000_0000), "shardId--02147483648");
        let v0 = SeqNumber::parse("5").unwrap();
        assert_eq!((v0.version, v0.shard), (0, 5));
        assert_eq!(SeqNumber::parse("0").unwrap().version, 0);
        for bad in
            ["", "x", &"9".repeat(129), &dec(&format!("2{}3", "0".repeat(45))), &dec(&format!("3{}2", "0".repeat(45)))]
        {
            assert!(SeqNumber::parse(bad).is_err(), "{bad}");
        }
    }
}
