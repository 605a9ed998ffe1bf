//! configure's client-side steps, as SDK 26.9.0 does them.

use super::error::{ApiError, Result};
use super::models::App;
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashSet};

const APP_INSTANCE_REF: &str = "app-instance-ref";
const MAX_DEPTH: usize = 16;
const MAX_NAMED: usize = 10;

/// Python truthiness, for the SDK's `if not target_version`.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

/// What configure will do after `GET v2/instances/{id}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigurePlan {
    /// `Some(v)` when upgrading to `v`.
    pub target_version: Option<String>,
    /// The template version whose schema the input is checked against, if any.
    pub check_version: Option<String>,
}

/// Steps 2–4 before any template fetch: template-name mismatch, upgrade needs a version,
/// and whether (and against which version) to run the schema guard.
pub fn plan(existing: &App, app_data: &Map<String, Value>, upgrade: bool) -> Result<ConfigurePlan> {
    if let Some(t) = app_data.get("template_name").filter(|v| !v.is_null()) {
        if t.as_str() != Some(existing.template_name.as_str()) {
            return Err(ApiError::illegal_argument(format!(
                "Cannot update app: it was installed from '{}' and the config is for {}",
                existing.template_name,
                show(t)
            )));
        }
    }
    let target_version = if upgrade {
        match app_data.get("template_version") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(v) if truthy(v) => {
                return Err(ApiError::illegal_argument(
                    "Cannot upgrade app: template_version must be a string",
                ))
            }
            _ => {
                return Err(ApiError::illegal_argument(
                    "Cannot upgrade app: the config has no template_version to upgrade to",
                ))
            }
        }
    } else {
        None
    };
    let check_version = match &target_version {
        Some(v) => Some(v.clone()),
        None if app_data.get("template_version").and_then(Value::as_str)
            == Some(existing.template_version.as_str()) =>
        {
            None
        }
        None => Some(existing.template_version.clone()),
    };
    Ok(ConfigurePlan {
        target_version,
        check_version,
    })
}

/// The error naming the undefined input fields (at most ten), worded as the SDK's.
pub fn undefined_error(
    existing: &App,
    target_version: Option<&str>,
    undefined: &[String],
) -> Box<ApiError> {
    let mut shown = undefined
        .iter()
        .take(MAX_NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if undefined.len() > MAX_NAMED {
        shown.push_str(&format!(" and {} more", undefined.len() - MAX_NAMED));
    }
    let them = if undefined.len() > 1 { "them" } else { "it" };
    let message = match target_version {
        Some(v) => format!(
            "Cannot upgrade app: {} {v} has no {shown}. Remove {them} from the config.",
            existing.template_name
        ),
        None => format!(
            "Cannot update app: {} {} has no {shown}. Remove {them} from the config, or reinstall the app on a version that has {them}.",
            existing.template_name, existing.template_version
        ),
    };
    ApiError::illegal_argument(message)
}

/// The PUT body: only display_name (when the key exists), input, comment, template_version.
pub fn body(
    app_data: &Map<String, Value>,
    comment: Option<&str>,
    target_version: Option<&str>,
) -> Value {
    let mut out = Map::new();
    if let Some(d) = app_data.get("display_name") {
        out.insert("display_name".into(), d.clone());
    }
    if let Some(i) = app_data.get("input") {
        out.insert("input".into(), i.clone());
    }
    if let Some(c) = comment {
        out.insert("comment".into(), Value::String(c.to_string()));
    }
    if let Some(v) = target_version {
        out.insert("template_version".into(), Value::String(v.to_string()));
    }
    Value::Object(out)
}

/// `$ref` / `anyOf` / `oneOf` / `allOf` flattened into the object variants they allow.
fn resolve<'a>(
    schema: &'a Value,
    root: &'a Value,
    seen: &mut Vec<String>,
) -> Vec<&'a Map<String, Value>> {
    let Some(obj) = schema.as_object() else {
        return Vec::new();
    };
    if let Some(Value::String(r)) = obj.get("$ref") {
        if !r.starts_with("#/") || seen.contains(r) {
            return Vec::new();
        }
        let mut target = root;
        for part in r[2..].split('/') {
            target = target.get(part).unwrap_or(&Value::Null);
        }
        if target.is_null() {
            return Vec::new();
        }
        seen.push(r.clone());
        let out = resolve(target, root, seen);
        seen.pop();
        return out;
    }
    for kw in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(variants)) = obj.get(kw) {
            return variants
                .iter()
                .flat_map(|v| resolve(v, root, seen))
                .collect();
        }
    }
    vec![obj]
}

/// Paths of the same set present in every variant's result (the SDK's `_common`).
fn common(per_variant: Vec<Vec<String>>) -> Vec<String> {
    let mut iter = per_variant.into_iter();
    let Some(first) = iter.next() else {
        return Vec::new();
    };
    let mut acc: BTreeSet<String> = first.into_iter().collect();
    for other in iter {
        let other: HashSet<String> = other.into_iter().collect();
        acc.retain(|p| other.contains(p));
    }
    acc.into_iter().collect()
}

/// Sort key: numeric parts as numbers after names, as the SDK's `_sortable`.
fn sortable(path: &str) -> Vec<(u8, String, u128)> {
    path.split('.')
        .map(|p| {
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                (1, String::new(), p.parse::<u128>().unwrap_or(u128::MAX))
            } else {
                (0, p.to_string(), 0)
            }
        })
        .collect()
}

/// The input keys (dotted paths) that `schema` has no place for.
pub fn undefined_input_fields(schema: &Value, value: &Value) -> Vec<String> {
    walk(schema, value, schema, "", 0)
}

fn walk(schema: &Value, value: &Value, root: &Value, prefix: &str, depth: usize) -> Vec<String> {
    if depth > MAX_DEPTH {
        return Vec::new();
    }
    let join = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        }
    };
    let variants = resolve(schema, root, &mut Vec::new());

    if let Value::Array(items) = value {
        let per_variant = variants
            .iter()
            .filter_map(|v| v.get("items").filter(|i| i.is_object()))
            .map(|item_schema| {
                items
                    .iter()
                    .enumerate()
                    .flat_map(|(i, item)| {
                        walk(item_schema, item, root, &join(&i.to_string()), depth + 1)
                    })
                    .collect()
            })
            .collect();
        return common(per_variant);
    }
    let Value::Object(obj) = value else {
        return Vec::new();
    };
    if obj.get("type").and_then(Value::as_str) == Some(APP_INSTANCE_REF) {
        return Vec::new();
    }
    let mut known: Vec<(&str, Vec<&Value>)> = Vec::new();
    let mut accepts_anything = false;
    for v in &variants {
        if !matches!(
            v.get("additionalProperties"),
            None | Some(Value::Null) | Some(Value::Bool(false))
        ) {
            accepts_anything = true;
        }
        if let Some(Value::Object(props)) = v.get("properties") {
            for (name, def) in props {
                match known.iter_mut().find(|(n, _)| n == name) {
                    Some((_, defs)) => defs.push(def),
                    None => known.push((name, vec![def])),
                }
            }
        }
    }
    if known.is_empty() {
        return Vec::new();
    }
    let mut undefined = Vec::new();
    for (name, nested) in obj {
        let path = join(name);
        match known.iter().find(|(n, _)| n == name) {
            None => {
                if !accepts_anything {
                    undefined.push(path);
                }
            }
            Some((_, defs)) => undefined.extend(common(
                defs.iter()
                    .map(|d| walk(d, nested, root, &path, depth + 1))
                    .collect(),
            )),
        }
    }
    undefined.sort_by_key(|p| sortable(p));
    undefined
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::models::decode;
    use serde_json::json;

    fn app(version: &str) -> App {
        decode(
            200,
            json!({"id":"i","name":"n","display_name":"d","template_name":"shell",
            "template_version":version,"project_name":"p","org_name":"o","cluster_name":"c",
            "namespace":"ns","state":"healthy","creator":"u","created_at":"2025-01-01T00:00:00Z",
            "updated_at":"2025-01-01T00:00:00Z","endpoints":[]}),
        )
        .unwrap()
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn template_name_mismatch() {
        let e = plan(&app("v1"), &obj(json!({"template_name":"vscode"})), false).unwrap_err();
        assert_eq!(e.kind.name(), "IllegalArgumentError");
        assert_eq!(
            e.message,
            "Cannot update app: it was installed from 'shell' and the config is for 'vscode'"
        );
        assert!(plan(&app("v1"), &obj(json!({"template_name":null})), false).is_ok());
        assert!(plan(&app("v1"), &obj(json!({"template_name":"shell"})), false).is_ok());
    }

    #[test]
    fn upgrade_needs_a_version() {
        for data in [
            json!({}),
            json!({"template_version":""}),
            json!({"template_version":null}),
        ] {
            let e = plan(&app("v1"), &obj(data), true).unwrap_err();
            assert!(e.message.contains("no template_version"), "{}", e.message);
        }
        let p = plan(&app("v1"), &obj(json!({"template_version":"latest"})), true).unwrap();
        assert_eq!(p.target_version.as_deref(), Some("latest"));
        assert_eq!(p.check_version.as_deref(), Some("latest"));
    }

    #[test]
    fn check_only_when_versions_differ() {
        let p = plan(&app("v1"), &obj(json!({"template_version":"v1"})), false).unwrap();
        assert_eq!(
            p,
            ConfigurePlan {
                target_version: None,
                check_version: None
            }
        );
        let p = plan(&app("v1"), &obj(json!({"template_version":"v2"})), false).unwrap();
        assert_eq!(p.check_version.as_deref(), Some("v1"));
        let p = plan(&app("v1"), &obj(json!({})), false).unwrap();
        assert_eq!(p.check_version.as_deref(), Some("v1"));
    }

    #[test]
    fn put_body() {
        let data = obj(
            json!({"template_name":"shell","template_version":"v2","display_name":null,
            "input":{"preset":{"name":"cpu"}}}),
        );
        assert_eq!(
            body(&data, Some("c"), None),
            json!({"display_name":null,"input":{"preset":{"name":"cpu"}},"comment":"c"})
        );
        assert_eq!(
            body(&obj(json!({"input":{}})), None, Some("v25.6.0")),
            json!({"input":{},"template_version":"v25.6.0"})
        );
        assert_eq!(
            serde_json::to_string(&body(
                &obj(json!({"input":{},"display_name":"x"})),
                Some("c"),
                None
            ))
            .unwrap(),
            r#"{"display_name":"x","input":{},"comment":"c"}"#
        );
    }

    #[test]
    fn schema_guard() {
        let schema = json!({
            "type":"object",
            "properties":{
                "preset":{"$ref":"#/$defs/Preset"},
                "tags":{"type":"array","items":{"type":"object","properties":{"k":{"type":"string"}}}},
                "net":{"anyOf":[{"type":"object","properties":{"a":{}}},{"type":"object","properties":{"b":{}}}]},
                "free":{"type":"object","properties":{"x":{}},"additionalProperties":true},
                "llm":{"type":"object","properties":{"model":{}}},
                "plain":{"type":"string"}
            },
            "$defs":{"Preset":{"type":"object","properties":{"name":{"type":"string"}}}}
        });
        let input = json!({
            "preset":{"name":"cpu","gpu":1},
            "tags":[{"k":"v"},{"k":"v","bad":1}],
            "net":{"a":1,"b":2,"c":3},
            "free":{"anything":1},
            "llm":{"type":"app-instance-ref","instance_id":"x","path":"$.a"},
            "plain":{"whatever":1},
            "extra":true
        });
        assert_eq!(
            undefined_input_fields(&schema, &input),
            vec!["extra", "net.c", "preset.gpu", "tags.1.bad"]
        );
        assert!(undefined_input_fields(&Value::Null, &input).is_empty());
        assert!(undefined_input_fields(&schema, &json!({"preset":{"name":"x"}})).is_empty());
    }

    #[test]
    fn ref_cycles_and_bad_refs_terminate() {
        let schema = json!({"$ref":"#/$defs/A","$defs":{"A":{"$ref":"#/$defs/A"},"B":{}}});
        assert!(undefined_input_fields(&schema, &json!({"x":1})).is_empty());
        let schema = json!({"type":"object","properties":{"n":{"$ref":"#/$defs/Node"}},
            "$defs":{"Node":{"type":"object","properties":{"n":{"$ref":"#/$defs/Node"}}}}});
        let mut deep = json!({"zzz":1});
        for _ in 0..40 {
            deep = json!({"n": deep});
        }
        // deeper than MAX_DEPTH: no report, no stack overflow
        assert!(undefined_input_fields(&schema, &deep).is_empty());
        let schema = json!({"properties":{"a":{"$ref":"http://x/y"}}});
        assert!(undefined_input_fields(&schema, &json!({"a":{"b":1}})).is_empty());
    }

    #[test]
    fn numeric_sort_and_error_text() {
        let schema = json!({"type":"object","properties":{"l":{"type":"array","items":{"type":"object","properties":{}}}}});
        // `properties: {}` is "known nothing": the SDK reports nothing for such items.
        assert!(undefined_input_fields(&schema, &json!({"l":[{"a":1}]})).is_empty());
        let mut v = sortable_paths(&["a.10", "a.9", "b", "a.x"]);
        v.sort_by_key(|p| sortable(p));
        assert_eq!(v, vec!["a.x", "a.9", "a.10", "b"]);
        let names: Vec<String> = (0..12).map(|i| format!("f{i:02}")).collect();
        let e = undefined_error(&app("v1"), None, &names);
        assert_eq!(e.message, "Cannot update app: shell v1 has no f00, f01, f02, f03, f04, f05, f06, f07, f08, f09 and 2 more. Remove them from the config, or reinstall the app on a version that has them.");
        let e = undefined_error(&app("v1"), Some("v2"), &names[..1]);
        assert_eq!(
            e.message,
            "Cannot upgrade app: shell v2 has no f00. Remove it from the config."
        );
    }

    fn sortable_paths(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }
}
