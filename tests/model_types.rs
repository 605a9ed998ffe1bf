//! index.d.ts cannot drift from the Rust models: every field of every model table
//! (`models::SHAPES`, the same tables the decoder reads) must be a field of the interface of the
//! same name, with the TypeScript type its type and presence give. A field added to a table
//! fails here until index.d.ts has it.
#![cfg(not(target_arch = "wasm32"))]

use apolo_apps::core::models::{Need, Shape, Ty, SHAPES};
use apolo_apps::core::ops::APP_STATES;
use std::collections::BTreeMap;

const DTS: &str = include_str!("../pkg-template/index.d.ts");

/// The fields of `export interface {name} { … }` and their types (nested braces skipped).
fn interface_fields(name: &str) -> BTreeMap<String, String> {
    let start = DTS
        .find(&format!("export interface {name} "))
        .unwrap_or_else(|| panic!("index.d.ts has no interface {name}"));
    let body = &DTS[start..];
    let open = body.find('{').expect("interface body") + 1;
    let mut depth = 1;
    let mut fields = BTreeMap::new();
    let mut line = String::new();
    for c in body[open..].chars() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            '\n' => {
                let t = line.trim();
                if !t.starts_with("/") && !t.starts_with('*') {
                    if let Some((key, ty)) = t.split_once(':') {
                        let key = key
                            .trim_end_matches('?')
                            .trim_start_matches("readonly ")
                            .trim();
                        if !key.is_empty()
                            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        {
                            let ty = ty.trim().trim_end_matches(';').trim();
                            fields.insert(key.to_string(), ty.to_string());
                        }
                    }
                }
                line.clear();
                continue;
            }
            _ => {}
        }
        if depth == 1 {
            line.push(c);
        }
    }
    fields
}

/// Whether `ts` is the TypeScript type of a field of type `ty` with presence `need`, as JS
/// receives it.
fn fits(ty: Ty, need: Need, ts: &str) -> bool {
    let nullable = matches!(need, Need::Nullable | Need::Optional);
    let base = if nullable {
        match ts.strip_suffix(" | null") {
            Some(b) => b,
            None => return ty == Ty::Any && ts.contains("JsonValue"),
        }
    } else {
        ts
    };
    match ty {
        Ty::Str => base == "string" || base.starts_with("AppState |"),
        Ty::Int => base == "number",
        Ty::Time => base == "Date",
        Ty::Strings => base == "string[]",
        Ty::AnyList => base.ends_with("[]"),
        Ty::Any => base.starts_with("Json"),
        Ty::List(shape) => base == format!("{}[]", shape.name),
    }
}

fn check(shape: &Shape) -> Vec<String> {
    let ts = interface_fields(shape.name);
    shape
        .fields
        .iter()
        .filter_map(|f| match ts.get(f.key) {
            None => Some(format!("{}.{} is missing", shape.name, f.key)),
            Some(t) if !fits(f.ty, f.need, t) => Some(format!(
                "{}.{}: `{t}` is not {:?} {:?}",
                shape.name, f.key, f.need, f.ty
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn every_model_field_is_typed() {
    let wrong: Vec<String> = SHAPES.iter().flat_map(|s| check(s)).collect();
    assert!(
        wrong.is_empty(),
        "index.d.ts does not match the models: {wrong:?}"
    );
}

#[test]
fn the_check_sees_a_missing_or_mistyped_field() {
    // The parser must find fields, or the test above would pass on nothing.
    let app = interface_fields("App");
    assert_eq!(
        app.get("template_version").map(String::as_str),
        Some("string")
    );
    assert_eq!(app.get("created_at").map(String::as_str), Some("Date"));
    assert!(!app.contains_key("no_such_field"));
    const EXTRA: Shape = Shape::new(
        "App",
        &[
            apolo_apps::core::models::Field {
                key: "no_such_field",
                ty: Ty::Str,
                need: Need::Required,
            },
            apolo_apps::core::models::Field {
                key: "created_at",
                ty: Ty::Str,
                need: Need::Required,
            },
            apolo_apps::core::models::Field {
                key: "display_name",
                ty: Ty::Str,
                need: Need::Required,
            },
        ],
        &[],
    );
    assert_eq!(check(&EXTRA).len(), 3, "{:?}", check(&EXTRA));
}

#[test]
fn app_state_is_the_cores_list() {
    // `export declare const AppState: { readonly QUEUED: "queued"; … }`, in order.
    let start = DTS
        .find("export declare const AppState: {")
        .expect("index.d.ts declares AppState");
    let body = &DTS[start..DTS[start..].find("};").map_or(DTS.len(), |e| start + e)];
    let declared: Vec<(String, String)> = body
        .lines()
        .filter_map(|l| l.trim().strip_prefix("readonly "))
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| {
            (
                k.to_string(),
                v.trim_end_matches(';').trim_matches('"').to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = APP_STATES
        .iter()
        .map(|s| (s.to_uppercase(), s.to_string()))
        .collect();
    assert_eq!(declared, expected);
}
