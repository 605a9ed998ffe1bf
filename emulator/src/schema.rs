//! Template input schemas: the one place that walks them. Undefined keys, compiled validators and
//! their violations; `app-instance-ref` objects are skipped by the walk and resolved by the store.

use crate::catalog::{self, Template};
use serde_json::Value;
use std::sync::OnceLock;

/// A place in the input (`["input", "users", "0"]`) and what is wrong there.
pub type Violation = (Vec<String>, String);

pub fn is_instance_ref(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("app-instance-ref")
}

/// True when `input` has a key that `schema` has no place for (no `$ref` in our schemas).
pub fn has_undefined_keys(schema: &Value, input: &Value) -> bool {
    if is_instance_ref(input) {
        return false;
    }
    match input {
        Value::Object(m) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let extra = schema.get("additionalProperties");
            for (k, v) in m {
                match props.and_then(|p| p.get(k)) {
                    Some(sub) => {
                        if has_undefined_keys(sub, v) {
                            return true;
                        }
                    }
                    None => match extra {
                        Some(Value::Bool(true)) => {}
                        Some(sub @ Value::Object(_)) => {
                            if has_undefined_keys(sub, v) {
                                return true;
                            }
                        }
                        _ if props.is_none()
                            && schema.get("type").and_then(Value::as_str) != Some("object") => {}
                        _ => return true,
                    },
                }
            }
            false
        }
        Value::Array(a) => match schema.get("items") {
            Some(items) => a.iter().any(|v| has_undefined_keys(items, v)),
            None => false,
        },
        _ => false,
    }
}

/// The schema's validator, cached per (template, version) because building validators is not free.
pub fn validator(t: &'static Template, version: &str) -> Option<&'static jsonschema::Validator> {
    type Cache = Vec<(&'static str, &'static str, jsonschema::Validator)>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        let mut out = Vec::new();
        for t in catalog::templates() {
            for v in t.versions {
                if let Ok(val) = jsonschema::validator_for(&t.schema(v)) {
                    out.push((t.name, *v, val));
                }
            }
        }
        out
    });
    cache
        .iter()
        .find(|(n, v, _)| *n == t.name && *v == version)
        .map(|(_, _, val)| val)
}

/// JSON Schema violations of an input whose instance refs are already resolved, paths under `input`.
pub fn violations(t: &'static Template, version: &str, input: &Value) -> Vec<Violation> {
    let Some(validator) = validator(t, version) else {
        return Vec::new();
    };
    validator
        .iter_errors(input)
        .map(|e| {
            let mut path = vec!["input".to_string()];
            path.extend(
                e.instance_path()
                    .as_str()
                    .split('/')
                    .skip(1)
                    .map(|s| s.replace("~1", "/").replace("~0", "~")),
            );
            (path, e.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn undefined_keys_walker() {
        let schema = catalog::find("postgres").unwrap().schema("v25.6.0");
        assert!(!has_undefined_keys(
            &schema,
            &json!({"preset": {"name": "a"}, "users": [{"name": "x"}]})
        ));
        assert!(has_undefined_keys(
            &schema,
            &json!({"users": [{"name": "x", "extra": 1}]})
        ));
        assert!(!has_undefined_keys(
            &schema,
            &json!({"preset": {"type": "app-instance-ref", "instance_id": "x", "path": "$"}})
        ));
    }

    #[test]
    fn every_schema_compiles_and_shell_accepts_empty_input() {
        for t in catalog::templates() {
            for v in t.versions {
                assert!(validator(t, v).is_some(), "{} {}", t.name, v);
            }
        }
        let shell = catalog::find("shell").unwrap();
        assert!(validator(shell, "v25.7.0").unwrap().is_valid(&json!({})));
        let jup = catalog::find("jupyter").unwrap();
        assert!(!validator(jup, "master").unwrap().is_valid(&json!({})));
    }

    #[test]
    fn violations_are_placed_under_input() {
        let pg = catalog::find("postgres").unwrap();
        let v = violations(
            pg,
            "v25.6.0",
            &json!({"preset": {"name": "a"}, "users": [{}]}),
        );
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].0, vec!["input", "users", "0"]);
        assert!(violations(pg, "v25.6.0", &json!({"preset": {"name": "a"}})).is_empty());
    }
}
