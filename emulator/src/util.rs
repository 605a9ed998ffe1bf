//! Small shared pieces without HTTP: timestamps, typed output values, JSONPath.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde_json::Value;

pub fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn ts_nanos(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// ISO 8601 as the platform's `iso8601` parser takes it: `T` or space, optional fraction,
/// `Z`/offset or none (= UTC), or a bare date.
pub fn parse_iso(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let spaced = s.replacen(' ', "T", 1);
    if let Ok(t) = DateTime::parse_from_rfc3339(&spaced) {
        return Some(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(&spaced, f) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&spaced, f) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Every nested object carrying `__type__`, with its JSONPath (`$.a.b[1]`), root excluded.
pub fn typed_values(output: &Value) -> Vec<(String, String, Value)> {
    fn walk(v: &Value, path: &str, out: &mut Vec<(String, String, Value)>, root: bool) {
        match v {
            Value::Object(m) => {
                if !root {
                    if let Some(t) = m.get("__type__").and_then(Value::as_str) {
                        out.push((path.to_string(), t.to_string(), v.clone()));
                    }
                }
                for (k, child) in m {
                    if k != "__type__" {
                        walk(child, &format!("{path}.{k}"), out, false);
                    }
                }
            }
            Value::Array(a) => {
                for (i, child) in a.iter().enumerate() {
                    walk(child, &format!("{path}[{i}]"), out, false);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(output, "$", &mut out, true);
    out
}

/// A tiny JSONPath subset: `$`, `.key`, `[index]`, `['key']`.
pub fn json_path<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let rest = path.strip_prefix('$')?;
    let mut cur = root;
    let bytes: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            '.' => {
                let start = i + 1;
                let mut j = start;
                while j < bytes.len() && bytes[j] != '.' && bytes[j] != '[' {
                    j += 1;
                }
                let key: String = bytes[start..j].iter().collect();
                if key.is_empty() {
                    return None;
                }
                cur = cur.get(key.as_str())?;
                i = j;
            }
            '[' => {
                let close = bytes[i..].iter().position(|c| *c == ']')? + i;
                let inner: String = bytes[i + 1..close].iter().collect();
                let inner = inner.trim();
                if let Ok(n) = inner.parse::<usize>() {
                    cur = cur.get(n)?;
                } else {
                    let key = inner.trim_matches(|c| c == '\'' || c == '"');
                    cur = cur.get(key)?;
                }
                i = close + 1;
            }
            _ => return None,
        }
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_are_micro_z() {
        let t = parse_iso("2025-05-07T11:00:00+00:00").unwrap();
        assert_eq!(ts(&t), "2025-05-07T11:00:00.000000Z");
        assert_eq!(ts_nanos(&t), "2025-05-07T11:00:00.000000000Z");
    }

    #[test]
    fn lenient_iso_parsing() {
        let want = parse_iso("2025-05-07T11:00:00Z").unwrap();
        for s in [
            "2025-05-07 11:00:00+00:00",
            "2025-05-07T11:00:00",
            "2025-05-07T13:00:00+02:00",
            "2025-05-07T11:00:00.000Z",
        ] {
            assert_eq!(parse_iso(s), Some(want), "{s}");
        }
        assert_eq!(
            parse_iso("2025-05-07").map(|t| ts(&t)).as_deref(),
            Some("2025-05-07T00:00:00.000000Z")
        );
        assert_eq!(parse_iso("yesterday"), None);
        assert_eq!(parse_iso(""), None);
    }

    #[test]
    fn typed_values_walk_nested_objects_and_lists() {
        let out = json!({
            "app_url": {"internal_url": {"host": "a", "__type__": "WebApp"}, "__type__": "ServiceAPI[WebApp]"},
            "users": {"users": [{"u": 1, "__type__": "User"}, {"u": 2, "__type__": "User"}], "__type__": "Users"},
            "plain": {"x": 1},
            "__type__": "RootIgnored"
        });
        let vals = typed_values(&out);
        let paths: Vec<(&str, &str)> = vals
            .iter()
            .map(|(p, t, _)| (p.as_str(), t.as_str()))
            .collect();
        assert!(paths.contains(&("$.app_url", "ServiceAPI[WebApp]")));
        assert!(paths.contains(&("$.app_url.internal_url", "WebApp")));
        assert!(paths.contains(&("$.users.users[1]", "User")));
        assert!(!paths.iter().any(|(_, t)| *t == "RootIgnored"));
        assert_eq!(vals.len(), 5);
        assert_eq!(json_path(&out, "$.users.users[1].u"), Some(&json!(2)));
        assert_eq!(json_path(&out, "$['plain'].x"), Some(&json!(1)));
        assert_eq!(json_path(&out, "$.nope"), None);
        assert_eq!(json_path(&out, "users"), None);
        assert_eq!(json_path(&out, "$"), Some(&out));
    }
}
