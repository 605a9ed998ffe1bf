//! index.d.ts cannot drift from the Rust models: every key a model sends to JavaScript must be a
//! field of the interface of the same name. Each model is built with a struct literal, so a field
//! added in Rust does not compile here until it is listed, and then fails until index.d.ts has it.
#![cfg(not(target_arch = "wasm32"))]

use apolo_apps::core::models::{
    App, AppConfigurationRevision, AppEvent, AppEventResource, AppTemplate, AppUpgrades, AppValue,
    Timestamp,
};
use chrono::{TimeZone, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

const DTS: &str = include_str!("../pkg-template/index.d.ts");

/// The field names of `export interface {name} { … }` (nested braces skipped).
fn interface_fields(name: &str) -> BTreeSet<String> {
    let start = DTS
        .find(&format!("export interface {name} "))
        .unwrap_or_else(|| panic!("index.d.ts has no interface {name}"));
    let body = &DTS[start..];
    let open = body.find('{').expect("interface body") + 1;
    let mut depth = 1;
    let mut fields = BTreeSet::new();
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
                    if let Some((key, _)) = t.split_once(':') {
                        let key = key
                            .trim_end_matches('?')
                            .trim_start_matches("readonly ")
                            .trim();
                        if !key.is_empty()
                            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        {
                            fields.insert(key.to_string());
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

fn keys<T: Serialize>(model: &T) -> BTreeSet<String> {
    match serde_json::to_value(model).unwrap() {
        Value::Object(m) => m.keys().cloned().collect(),
        v => panic!("not an object: {v}"),
    }
}

fn check<T: Serialize>(name: &str, model: &T) {
    let missing: Vec<_> = keys(model)
        .difference(&interface_fields(name))
        .cloned()
        .collect();
    assert!(
        missing.is_empty(),
        "index.d.ts interface {name} lacks {missing:?}"
    );
}

fn t() -> Timestamp {
    Timestamp(Utc.timestamp_opt(0, 0).unwrap())
}

fn s() -> String {
    "x".into()
}

#[test]
fn every_model_field_is_typed() {
    check(
        "App",
        &App {
            id: s(),
            name: s(),
            display_name: Some(s()),
            template_name: s(),
            template_version: s(),
            project_name: s(),
            org_name: s(),
            cluster_name: s(),
            namespace: s(),
            state: s(),
            creator: s(),
            created_at: t(),
            updated_at: t(),
            endpoints: vec![],
            extra: Map::new(),
        },
    );
    check(
        "AppUpgrades",
        &AppUpgrades {
            id: s(),
            template_name: s(),
            template_version: s(),
            available_versions: vec![],
            extra: Map::new(),
        },
    );
    check(
        "AppTemplate",
        &AppTemplate {
            name: s(),
            title: s(),
            version: s(),
            short_description: s(),
            tags: vec![],
            input: Some(Value::Null),
            description: s(),
            extra: Map::new(),
        },
    );
    check(
        "AppValue",
        &AppValue {
            instance_id: Some(s()),
            type_: s(),
            path: s(),
            value: Value::Null,
            extra: Map::new(),
        },
    );
    let resource = AppEventResource {
        kind: Some(s()),
        name: Some(s()),
        uid: Some(s()),
        health_status: Some(s()),
        health_message: Some(s()),
        extra: Map::new(),
    };
    check("AppEventResource", &resource);
    check(
        "AppEvent",
        &AppEvent {
            created_at: t(),
            state: s(),
            reason: Some(s()),
            message: Some(s()),
            resources: vec![resource],
            extra: Map::new(),
        },
    );
    check(
        "AppConfigurationRevision",
        &AppConfigurationRevision {
            revision_number: 1,
            creator: s(),
            comment: Some(s()),
            created_at: t(),
            end_at: Some(t()),
            extra: Map::new(),
        },
    );
}

#[test]
fn the_check_sees_a_missing_field() {
    // The parser must find fields, or the test above would pass on nothing.
    let app = interface_fields("App");
    assert!(
        app.contains("template_version") && app.contains("created_at"),
        "{app:?}"
    );
    assert!(!app.contains("no_such_field"));
}
