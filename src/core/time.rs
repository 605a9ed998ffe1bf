//! Lenient ISO 8601 timestamps as the API sends them.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

/// Parses `YYYY-MM-DD[T| ]HH:MM[:SS[.f{0,9}]][Z|±HH:MM|±HHMM|±HH]`; no offset means UTC.
/// Read byte by byte: every list page has two per app, and this runs in the .wasm.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let edge = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii_whitespace() || b >= 0x80);
    let s = if edge(text.as_bytes().first()) || edge(text.as_bytes().last()) {
        text.trim()
    } else {
        text
    }
    .as_bytes();
    if s.len() < 16 || s[4] != b'-' || s[7] != b'-' || !matches!(s[10], b'T' | b't' | b' ') {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        digits(&s[..4])? as i32,
        digits(&s[5..7])?,
        digits(&s[8..10])?,
    )?;
    if s[13] != b':' {
        return None;
    }
    let (h, m) = (digits(&s[11..13])?, digits(&s[14..16])?);
    let mut i = 16;
    let mut sec = 0;
    let mut nanos = 0;
    if s.get(i) == Some(&b':') {
        sec = digits(s.get(i + 1..i + 3)?)?;
        i += 3;
        if s.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while i < s.len() && s[i].is_ascii_digit() {
                i += 1;
            }
            let frac = &s[start..i];
            if frac.len() > 9 {
                return None;
            }
            nanos =
                if frac.is_empty() { 0 } else { digits(frac)? } * 10u32.pow(9 - frac.len() as u32);
        }
    }
    let offset = offset_seconds(&s[i..])?;
    let local = date.and_hms_nano_opt(h, m, sec, nanos)?;
    // Most timestamps are UTC already; chrono's checked subtraction is a fifth of the parse.
    let utc = if offset == 0 {
        local
    } else {
        local.checked_sub_signed(TimeDelta::try_seconds(offset)?)?
    };
    Some(utc.and_utc())
}

/// A run of ASCII digits (at most 9) as a number.
fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    b.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// `` (UTC), `Z`, `±HH`, `±HHMM` or `±HH:MM`, as seconds east of UTC.
fn offset_seconds(o: &[u8]) -> Option<i64> {
    let (sign, body) = match o.split_first() {
        None => return Some(0),
        Some((b'Z' | b'z', [])) => return Some(0),
        Some((b'+', rest)) => (1, rest),
        Some((b'-', rest)) => (-1, rest),
        _ => return None,
    };
    let (h, m) = match body.len() {
        2 => (digits(body)?, 0),
        4 => (digits(&body[..2])?, digits(&body[2..])?),
        5 if body[2] == b':' => (digits(&body[..2])?, digits(&body[3..])?),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * i64::from(h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        parse_timestamp(s)
            .unwrap_or_else(|| panic!("{s}"))
            .timestamp_millis()
    }

    #[test]
    fn accepted_forms() {
        let base = 1_746_615_600_000; // 2025-05-07T11:00:00Z
        assert_eq!(ms("2025-05-07T11:00:00Z"), base);
        assert_eq!(ms("2025-05-07 11:00:00+00:00"), base);
        assert_eq!(ms("2025-05-07T11:00:00+00:00"), base);
        assert_eq!(ms("2025-05-07T11:00:00"), base);
        assert_eq!(ms("2025-05-07T11:00"), base);
        assert_eq!(ms("2025-05-07T13:00:00+02:00"), base);
        assert_eq!(ms("2025-05-07T06:30:00-04:30"), base);
        assert_eq!(ms("2025-05-07T13:00:00+0200"), base);
        assert_eq!(ms("2025-05-07T11:00:00.5Z"), base + 500);
        assert_eq!(ms("2025-05-07T11:00:00.555539Z"), base + 555);
        assert_eq!(ms("2025-05-07T11:00:00.123456789Z"), base + 123);
        assert_eq!(ms("2025-05-07T11:00:00.Z"), base);
        assert_eq!(ms("2025-05-07t11:00:00z"), base);
    }

    #[test]
    fn sub_millisecond_digits_are_kept_in_the_value() {
        let t = parse_timestamp("2025-05-07T11:00:00.123456789Z").unwrap();
        assert_eq!(t.timestamp_subsec_nanos(), 123_456_789);
    }

    #[test]
    fn rejected_forms() {
        for bad in [
            "",
            "2025-05-07",
            "2025-13-07T11:00:00Z",
            "2025-05-07X11:00:00Z",
            "2025-05-07T25:00:00Z",
            "2025-05-07T11:00:00.1234567890Z",
            "2025-05-07T11:00:00+2:00",
            "2025-05-07T11:00:00+24:00",
            "2025-05-07T11:00:00ZZ",
            "2025-05-07T11:00:00.12a",
            "2025-05-07T11:0:00",
            "2025-05-07T11:00:00:00",
            "é025-05-07T11:00:00",
            "2025-05-07Té1:00:00",
            "2025-05-07T11:00:00+1é1",
            "not a date at all",
        ] {
            assert!(parse_timestamp(bad).is_none(), "{bad}");
        }
    }
}
