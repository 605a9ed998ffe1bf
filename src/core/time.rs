//! Lenient ISO 8601 timestamps as the API sends them.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Parses `YYYY-MM-DD[T| ]HH:MM[:SS[.f{0,9}]][Z|±HH:MM|±HHMM|±HH]`; no offset means UTC.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let s = text.trim();
    if s.len() < 16 || !s.is_char_boundary(10) || !s.is_char_boundary(11) {
        return None;
    }
    let date = parse_date(&s[..10])?;
    let sep = s.as_bytes()[10];
    if !matches!(sep, b'T' | b't' | b' ') {
        return None;
    }
    let rest = &s[11..];
    // The offset starts at the first Z, + or - after the time.
    let (time_part, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let time = parse_time(time_part)?;
    let naive = NaiveDateTime::new(date, time);
    let offset = match offset {
        None | Some("Z") | Some("z") => FixedOffset::east_opt(0)?,
        Some(o) => parse_offset(o)?,
    };
    let local = offset.from_local_datetime(&naive).single()?;
    Some(local.with_timezone(&Utc))
}

/// `YYYY-MM-DD` by hand: chrono's strftime parser would add its whole format machinery to the .wasm.
fn parse_date(d: &str) -> Option<NaiveDate> {
    let b = d.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = d.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

fn parse_time(t: &str) -> Option<NaiveTime> {
    let (hms, frac) = match t.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (t, None),
    };
    let mut parts = hms.split(':');
    let h = two_digits(parts.next()?)?;
    let m = two_digits(parts.next()?)?;
    let s = match parts.next() {
        Some(p) => two_digits(p)?,
        None if frac.is_none() => 0,
        None => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    let nanos = match frac {
        None => 0,
        Some(f) if f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            let digits: u32 = if f.is_empty() { 0 } else { f.parse().ok()? };
            digits * 10u32.pow(9 - f.len() as u32)
        }
        Some(_) => return None,
    };
    NaiveTime::from_hms_nano_opt(h, m, s, nanos)
}

fn two_digits(p: &str) -> Option<u32> {
    if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) {
        p.parse().ok()
    } else {
        None
    }
}

fn parse_offset(o: &str) -> Option<FixedOffset> {
    let sign = match o.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = &o[1..];
    if !body.is_ascii() {
        return None;
    }
    let (h, m) = match body.len() {
        2 => (two_digits(body)?, 0),
        4 => (two_digits(&body[..2])?, two_digits(&body[2..])?),
        5 if body.as_bytes()[2] == b':' => (two_digits(&body[..2])?, two_digits(&body[3..])?),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h as i32 * 3600 + m as i32 * 60))
}

/// Milliseconds since the epoch, what a JS `Date` holds.
pub fn to_millis(t: &DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64
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
