//! configure's client-side steps, as SDK 26.9.0 does them.

use super::error::{ApiError, Result};
use super::models::App;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

const APP_INSTANCE_REF: &str = "app-instance-ref";
/// How deep the input is checked (the SDK's bound): deeper keys are not reported.
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
        other => serde_json::to_string(other).unwrap_or_default(),
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

/// The guard walks a schema the server sent, so its work is bounded; past a bound the guard is
/// skipped (no undefined fields reported), as the SDK skips it when the template cannot be
/// fetched. The server still validates the input either way.
///
/// `$ref`/`anyOf`/`oneOf`/`allOf` nested in one another while flattening one schema node
/// (real templates nest a handful; a `$ref` chain of any length must not grow the stack).
const MAX_NESTING: usize = 64;
/// All the work of one guard: schema nodes and variants visited, properties and input entries
/// looked at, one more per 64 bytes of a long name or `$ref`. A typical input takes under a
/// hundred, a list of 1,000 objects about 16,000; 40 `$defs` that each `anyOf` two `$ref`s to
/// the next would take 2^40.
const MAX_STEPS: usize = 100_000;

/// A bound was reached: the guard is skipped.
struct TooBig;

type Bounded<T> = std::result::Result<T, TooBig>;

/// Steps a name or `$ref` costs: comparing, hashing and copying it is linear in its length.
fn cost(s: &str) -> usize {
    1 + s.len() / 64
}

/// One guard's walk over `root` (the template's input schema) and its step count.
struct Walk<'a> {
    root: &'a Value,
    steps: usize,
}

impl<'a> Walk<'a> {
    fn charge(&mut self, n: usize) -> Bounded<()> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > MAX_STEPS {
            Err(TooBig)
        } else {
            Ok(())
        }
    }

    /// `$ref` / `anyOf` / `oneOf` / `allOf` flattened into the object variants they allow,
    /// depth first with an explicit stack; a `$ref` already being expanded yields nothing.
    fn resolve(&mut self, schema: &'a Value) -> Bounded<Vec<&'a Map<String, Value>>> {
        enum Task<'v> {
            Visit(&'v Value, usize),
            LeaveRef,
        }
        let mut out = Vec::new();
        let mut seen: Vec<&'a str> = Vec::new();
        let mut stack = vec![Task::Visit(schema, 0)];
        while let Some(task) = stack.pop() {
            let (node, nesting) = match task {
                Task::LeaveRef => {
                    seen.pop();
                    continue;
                }
                Task::Visit(node, nesting) => (node, nesting),
            };
            if nesting > MAX_NESTING {
                return Err(TooBig);
            }
            self.charge(1)?;
            let Some(obj) = node.as_object() else {
                continue;
            };
            if let Some(Value::String(r)) = obj.get("$ref") {
                self.charge(cost(r))?;
                if !r.starts_with("#/") || seen.contains(&r.as_str()) {
                    continue;
                }
                let target = r[2..].split('/').try_fold(self.root, |t, part| t.get(part));
                if let Some(target) = target.filter(|t| !t.is_null()) {
                    seen.push(r);
                    stack.push(Task::LeaveRef);
                    stack.push(Task::Visit(target, nesting + 1));
                }
                continue;
            }
            let variants = ["anyOf", "oneOf", "allOf"]
                .iter()
                .find_map(|kw| match obj.get(*kw) {
                    Some(Value::Array(variants)) => Some(variants),
                    _ => None,
                });
            match variants {
                Some(variants) => {
                    self.charge(variants.len())?;
                    stack.extend(variants.iter().rev().map(|v| Task::Visit(v, nesting + 1)));
                }
                None => out.push(obj),
            }
        }
        Ok(out)
    }

    /// The input keys under `prefix` that `schema` has no place for. Recursion follows the
    /// input, at most MAX_DEPTH levels.
    fn walk(
        &mut self,
        schema: &'a Value,
        value: &Value,
        prefix: &str,
        depth: usize,
    ) -> Bounded<Vec<String>> {
        self.charge(1)?;
        if depth > MAX_DEPTH {
            return Ok(Vec::new());
        }
        let join = |name: &str| {
            if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}.{name}")
            }
        };
        let variants = self.resolve(schema)?;

        if let Value::Array(items) = value {
            let mut per_variant = Vec::new();
            for item_schema in variants
                .iter()
                .filter_map(|v| v.get("items").filter(|i| i.is_object()))
            {
                let mut found = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    found.extend(self.walk(item_schema, item, &join(&i.to_string()), depth + 1)?);
                }
                per_variant.push(found);
            }
            return Ok(common(per_variant));
        }
        let Value::Object(obj) = value else {
            return Ok(Vec::new());
        };
        if obj.get("type").and_then(Value::as_str) == Some(APP_INSTANCE_REF) {
            return Ok(Vec::new());
        }
        let mut known: HashMap<&str, Vec<&'a Value>> = HashMap::new();
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
                    self.charge(cost(name))?;
                    known.entry(name.as_str()).or_default().push(def);
                }
            }
        }
        if known.is_empty() {
            return Ok(Vec::new());
        }
        let mut undefined = Vec::new();
        for (name, nested) in obj {
            let path = join(name);
            self.charge(cost(&path))?;
            match known.get(name.as_str()) {
                None => {
                    if !accepts_anything {
                        undefined.push(path);
                    }
                }
                Some(defs) => {
                    let mut per_def = Vec::with_capacity(defs.len());
                    for d in defs {
                        per_def.push(self.walk(d, nested, &path, depth + 1)?);
                    }
                    undefined.extend(common(per_def));
                }
            }
        }
        // Equal keys ("01" and "1") in text order: a total order, so the unstable sort (the
        // .wasm's only sort) gives one answer.
        undefined.sort_unstable_by(|a, b| sortable(a).cmp(&sortable(b)).then_with(|| a.cmp(b)));
        Ok(undefined)
    }
}

/// Paths of the same set present in every variant's result (the SDK's `_common`).
pub fn common(per_variant: Vec<Vec<String>>) -> Vec<String> {
    let mut iter = per_variant.into_iter();
    let Some(first) = iter.next() else {
        return Vec::new();
    };
    // Deduplicated, as the SDK's set, in first-seen order (the SDK's is its set's); objects sort
    // their paths. A Vec, not a BTreeSet: the .wasm has no other B-tree, whose code was ~9 KB raw.
    let mut seen = HashSet::with_capacity(first.len());
    let mut acc: Vec<String> = first
        .into_iter()
        .filter(|p| seen.insert(p.clone()))
        .collect();
    for other in iter {
        let other: HashSet<String> = other.into_iter().collect();
        acc.retain(|p| other.contains(p));
    }
    acc
}

/// Sort key: numeric parts as numbers after names, as the SDK's `_sortable`.
pub fn sortable(path: &str) -> Vec<(u8, String, u128)> {
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

/// The input keys (dotted paths) that `schema` has no place for; none when the schema is too
/// big or too tangled to check within the bounds above.
pub fn undefined_input_fields(schema: &Value, value: &Value) -> Vec<String> {
    Walk {
        root: schema,
        steps: 0,
    }
    .walk(schema, value, "", 0)
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn app(version: &str) -> App {
        App::decode(
            200,
            &json!({"id":"i","name":"n","display_name":"d","template_name":"shell",
            "template_version":version,"project_name":"p","org_name":"o","cluster_name":"c",
            "namespace":"ns","state":"healthy","creator":"u","created_at":"2025-01-01T00:00:00Z",
            "updated_at":"2025-01-01T00:00:00Z","endpoints":[]})
            .to_string(),
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
        // Keys that sort alike come in text order, whatever order the input has them in.
        let schema = json!({"type":"object","properties":{"x":{}}});
        for input in [json!({"1":0,"01":0,"b":0}), json!({"b":0,"01":0,"1":0})] {
            assert_eq!(undefined_input_fields(&schema, &input), ["b", "01", "1"]);
        }
        assert_eq!(
            common(vec![
                sortable_paths(&["b", "a", "b"]),
                sortable_paths(&["a", "b"])
            ]),
            ["b", "a"]
        );
        let names: Vec<String> = (0..12).map(|i| format!("f{i:02}")).collect();
        let e = undefined_error(&app("v1"), None, &names);
        assert_eq!(e.message, "Cannot update app: shell v1 has no f00, f01, f02, f03, f04, f05, f06, f07, f08, f09 and 2 more. Remove them from the config, or reinstall the app on a version that has them.");
        let e = undefined_error(&app("v1"), Some("v2"), &names[..1]);
        assert_eq!(
            e.message,
            "Cannot upgrade app: shell v2 has no f00. Remove it from the config."
        );
    }

    /// The guard's result and the steps it took.
    fn guarded(schema: &Value, value: &Value) -> (Option<Vec<String>>, usize) {
        let mut w = Walk {
            root: schema,
            steps: 0,
        };
        let found = w.walk(schema, value, "", 0).ok();
        (found, w.steps)
    }

    #[test]
    fn anyof_fan_out_is_skipped_within_the_step_bound() {
        // 40 $defs, each anyOf two refs to the next: 2^40 variants unbounded.
        let mut defs = Map::new();
        for i in 0..40 {
            let next = json!({"$ref": format!("#/$defs/D{}", i + 1)});
            defs.insert(format!("D{i}"), json!({"anyOf": [next.clone(), next]}));
        }
        defs.insert("D40".into(), json!({"type":"object","properties":{"a":{}}}));
        let schema = json!({"$ref": "#/$defs/D0", "$defs": defs});
        let (found, steps) = guarded(&schema, &json!({"b": 1}));
        assert_eq!(found, None);
        assert!(steps <= MAX_STEPS + 64, "{steps}");
        assert!(undefined_input_fields(&schema, &json!({"b": 1})).is_empty());
        // The same chain without fan-out (and within MAX_NESTING: a $ref and an anyOf per
        // link) is checked as before.
        let mut defs = Map::new();
        for i in 0..30 {
            defs.insert(
                format!("D{i}"),
                json!({"anyOf": [{"$ref": format!("#/$defs/D{}", i + 1)}]}),
            );
        }
        defs.insert("D30".into(), json!({"type":"object","properties":{"a":{}}}));
        let schema = json!({"allOf": [{"$ref": "#/$defs/D0"}], "$defs": defs});
        assert_eq!(undefined_input_fields(&schema, &json!({"b": 1})), vec!["b"]);
    }

    #[test]
    fn long_ref_chain_is_skipped_without_growing_the_stack() {
        // As a server would send it: JSON text, parsed.
        let n = 200_000;
        let mut text = String::from(
            r##"{"type":"object","properties":{"x":{"$ref":"#/$defs/D0"}},"$defs":{"##,
        );
        for i in 0..n {
            text.push_str(&format!(r##""D{i}":{{"$ref":"#/$defs/D{}"}},"##, i + 1));
        }
        text.push_str(&format!(
            r#""D{n}":{{"type":"object","properties":{{"a":{{}}}}}}}}}}"#
        ));
        let schema: Value = serde_json::from_str(&text).unwrap();
        let (found, steps) = guarded(&schema, &json!({"x": {"b": 1}}));
        assert_eq!(found, None);
        assert!(steps < 1_000, "{steps}");
        // Keys beside the chain are not reported either: the whole guard is skipped.
        assert!(undefined_input_fields(&schema, &json!({"x": {"b": 1}, "y": 2})).is_empty());
        // A chain within MAX_NESTING still resolves.
        let mut defs = Map::new();
        for i in 0..MAX_NESTING - 1 {
            defs.insert(
                format!("D{i}"),
                json!({"$ref": format!("#/$defs/D{}", i + 1)}),
            );
        }
        defs.insert(
            format!("D{}", MAX_NESTING - 1),
            json!({"type":"object","properties":{"a":{}}}),
        );
        let schema =
            json!({"type":"object","properties":{"x":{"$ref":"#/$defs/D0"}},"$defs": defs});
        assert_eq!(
            undefined_input_fields(&schema, &json!({"x": {"b": 1}})),
            vec!["x.b"]
        );
    }

    #[test]
    fn deep_schemas_and_inputs_finish() {
        // As deep as serde_json lets a server send (its limit is 128 levels).
        let mut props = json!({"type":"object","properties":{"leaf":{}}});
        let mut items = json!({"type":"object","properties":{"leaf":{}}});
        let mut any = json!({"type":"object","properties":{"leaf":{}}});
        let mut input = json!({"zzz": 1});
        for _ in 0..40 {
            props = json!({"type":"object","properties":{"n": props}});
            items = json!({"type":"array","items": items});
            any = json!({"anyOf": [any]});
            input = json!({"n": input});
        }
        let text = serde_json::to_string(&props).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), props);
        // Input below MAX_DEPTH is not checked (the SDK's rule), so nothing is reported.
        assert!(undefined_input_fields(&props, &input).is_empty());
        let mut list = json!([{"zzz": 1}]);
        for _ in 0..40 {
            list = json!([list]);
        }
        assert!(undefined_input_fields(&items, &list).is_empty());
        // anyOf nested deeper than MAX_NESTING: skipped.
        assert_eq!(
            guarded(&any, &json!({"zzz": 1})).0,
            Some(vec!["zzz".to_string()])
        );
        for _ in 0..MAX_NESTING {
            any = json!({"anyOf": [any]});
        }
        assert_eq!(guarded(&any, &json!({"zzz": 1})).0, None);
    }

    #[test]
    fn wide_inputs_and_schemas_are_bounded() {
        // Many variants times a wide input: bounded by the step count, not by their product.
        let variant =
            json!({"type":"object","properties":{"a":{"type":"object","properties":{"k":{}}}}});
        let schema = json!({"anyOf": vec![variant; 2_000]});
        let wide: Map<String, Value> = (0..2_000).map(|i| (format!("k{i}"), json!(i))).collect();
        let (found, steps) = guarded(&schema, &json!({"a": wide}));
        assert_eq!(found, None);
        assert!(steps <= MAX_STEPS + 4_096, "{steps}");
        // A long $ref is paid per 64 bytes.
        let long = format!("#/{}", "x".repeat(1 << 20));
        let schema = json!({"anyOf": vec![json!({"$ref": long}); 8]});
        assert_eq!(guarded(&schema, &json!({"b": 1})).0, None);
    }

    #[test]
    fn a_big_but_real_input_is_still_checked() {
        let schema = json!({"type":"object","properties":{"env":{"type":"array","items":{"$ref":"#/$defs/Env"}}},
            "$defs":{"Env":{"type":"object","properties":{"name":{"anyOf":[{"type":"string"},{"type":"null"}]},"value":{}}}}});
        let mut env: Vec<Value> = (0..1_000)
            .map(|i| json!({"name": format!("N{i}"), "value": "v"}))
            .collect();
        env[999] = json!({"name": "x", "secret": true});
        let (found, steps) = guarded(&schema, &json!({"env": env}));
        assert_eq!(found, Some(vec!["env.999.secret".to_string()]));
        assert!(steps < MAX_STEPS / 4, "{steps}");
    }

    fn sortable_paths(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }
}
