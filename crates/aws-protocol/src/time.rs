//! Timestamps as AWS's protocols write them: epoch seconds (JSON), epoch milliseconds (CBOR's
//! tag 1 as the SDKs send it), ISO 8601 (query and XML).

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian (year, month, day) of a day counted from 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// `2024-01-02T03:04:05.678Z` for epoch milliseconds.
pub fn iso8601_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let frac = ms.rem_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{frac:03}Z", s / 3600, s / 60 % 60, s % 60)
}

/// `Thu Jan 22 01:22:02 UTC 2015` for epoch milliseconds: Java's `Date.toString()` in UTC, as
/// some AWS messages (Kinesis's expired iterators) write times.
pub fn java_utc(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    let s = secs.rem_euclid(86_400);
    format!(
        "{} {} {d:02} {:02}:{:02}:{:02} UTC {y}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(mo - 1) as usize],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Parses an ISO 8601 date-time (`2024-01-02T03:04:05Z`, fractions and `+hh:mm` offsets
/// allowed) or epoch seconds (`1704164645.5`) into epoch milliseconds.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<f64>() {
        return secs.is_finite().then(|| (secs * 1000.0).round() as i64);
    }
    let b = t.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, s) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut rest = &t[19..];
    let mut ms = 0;
    if let Some(f) = rest.strip_prefix('.') {
        let digits: String = f.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            return None;
        }
        ms = format!("{:0<3}", &digits[..digits.len().min(3)]).parse::<i64>().ok()?;
        rest = &f[digits.len()..];
    }
    // Bytes, not string slices: the text is the caller's and may hold any character.
    let two = |d: &[u8]| match d {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some(i64::from(a - b'0') * 10 + i64::from(b - b'0')),
        _ => None,
    };
    let offset_s = match rest.as_bytes() {
        b"" | b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h @ .., b':', m1, m2] if h.len() == 2 => {
            let v = two(h)? * 3600 + two(&[*m1, *m2])? * 60;
            if *sign == b'-' {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset_s;
    Some(secs * 1000 + ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_dates_name_the_day_and_month() {
        // 2015-01-22T01:22:02Z, a Thursday (kinesalite's recorded example).
        assert_eq!(java_utc(1_421_889_722_000), "Thu Jan 22 01:22:02 UTC 2015");
        assert_eq!(java_utc(0), "Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(java_utc(1_700_000_000_000), "Tue Nov 14 22:13:20 UTC 2023");
    }

    #[test]
    fn round_trips() {
        assert_eq!(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601_ms(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(parse_timestamp("2023-11-14T22:13:20.123Z"), Some(1_700_000_000_123));
        assert_eq!(parse_timestamp("2023-11-14T23:13:20+01:00"), Some(1_700_000_000_000));
        assert_eq!(parse_timestamp("1700000000.5"), Some(1_700_000_000_500));
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("2023-11-14T23:13:20-01:30"), Some(1_700_000_000_000 + 9_000_000));
        // Input is any text: a non-ASCII character where a digit belongs is refused, not sliced.
        for bad in [
            "2024-01-02T03:04:05+1é00",
            "2024-01-02T03:04:05+é:00",
            "2024-01-02T03:04:05+01:é",
            "2024-01-02T03:04:0é",
            "2024-é1-02T03:04:05Z",
            "2024-01-02T03:04:05.é",
            "2024-01-02T03:04:05.1é",
            "€€€€€€€€€€€€€€€€€€€€",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        assert_eq!(parse_timestamp("2024-02-29T00:00:00Z").map(iso8601_ms).unwrap(), "2024-02-29T00:00:00.000Z");
    }
}
