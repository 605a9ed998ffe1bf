//! The data types, decoded with the SDK's required/optional rules; unknown keys are kept.

use super::error::{ApiError, Result};
use super::time::{parse_timestamp, to_millis};
use chrono::{DateTime, Utc};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// A wire timestamp, parsed leniently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    pub fn millis(&self) -> f64 {
        to_millis(&self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_timestamp(&s)
            .map(Timestamp)
            .ok_or_else(|| D::Error::custom(format!("invalid timestamp {s:?}")))
    }
}

/// Epoch milliseconds: the boundary replaces the field with a `Date` built from them, and a
/// number avoids chrono's formatting code in the .wasm.
impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_f64(self.millis())
    }
}

/// The timestamp fields of a model, for the boundary to turn into `Date`s.
pub trait HasDates {
    /// The timestamp fields, which reach JS as `Date`s.
    const DATE_KEYS: &'static [&'static str];
    fn dates(&self) -> Vec<(&'static str, Option<f64>)>;
}

/// A key that must be present but may be null (the SDK indexes it directly).
fn required_nullable<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

/// A string read with `.get(key, "")`: absent or null gives "".
fn string_or_empty<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

fn list_or_empty<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct App {
    pub id: String,
    pub name: String,
    #[serde(deserialize_with = "required_nullable")]
    pub display_name: Option<String>,
    pub template_name: String,
    pub template_version: String,
    pub project_name: String,
    pub org_name: String,
    pub cluster_name: String,
    pub namespace: String,
    pub state: String,
    pub creator: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub endpoints: Vec<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl HasDates for App {
    const DATE_KEYS: &'static [&'static str] = &["created_at", "updated_at"];
    fn dates(&self) -> Vec<(&'static str, Option<f64>)> {
        vec![
            ("created_at", Some(self.created_at.millis())),
            ("updated_at", Some(self.updated_at.millis())),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppUpgrades {
    pub id: String,
    pub template_name: String,
    pub template_version: String,
    pub available_versions: Vec<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppTemplate {
    #[serde(default, deserialize_with = "string_or_empty")]
    pub name: String,
    #[serde(default, deserialize_with = "string_or_empty")]
    pub title: String,
    #[serde(default, deserialize_with = "string_or_empty")]
    pub version: String,
    #[serde(default, deserialize_with = "string_or_empty")]
    pub short_description: String,
    #[serde(default, deserialize_with = "list_or_empty")]
    pub tags: Vec<Value>,
    #[serde(default)]
    pub input: Option<Value>,
    #[serde(default, deserialize_with = "string_or_empty")]
    pub description: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Deserialize)]
struct RawAppValue {
    #[serde(default)]
    instance_id: Option<String>,
    #[serde(default)]
    app_instance_id: Option<String>,
    #[serde(rename = "type")]
    type_: String,
    path: String,
    #[serde(default)]
    value: Value,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "RawAppValue")]
pub struct AppValue {
    pub instance_id: Option<String>,
    #[serde(rename = "type")]
    pub type_: String,
    pub path: String,
    pub value: Value,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl From<RawAppValue> for AppValue {
    fn from(r: RawAppValue) -> AppValue {
        AppValue {
            // The values API renamed app_instance_id → instance_id; accept both.
            instance_id: r.instance_id.or(r.app_instance_id),
            type_: r.type_,
            path: r.path,
            value: r.value,
            extra: r.extra,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppEventResource {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub uid: Option<String>,
    #[serde(default)]
    pub health_status: Option<String>,
    #[serde(default)]
    pub health_message: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppEvent {
    pub created_at: Timestamp,
    pub state: String,
    #[serde(deserialize_with = "required_nullable")]
    pub reason: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "list_or_empty")]
    pub resources: Vec<AppEventResource>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl HasDates for AppEvent {
    const DATE_KEYS: &'static [&'static str] = &["created_at"];
    fn dates(&self) -> Vec<(&'static str, Option<f64>)> {
        vec![("created_at", Some(self.created_at.millis()))]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppConfigurationRevision {
    pub revision_number: i64,
    pub creator: String,
    #[serde(deserialize_with = "required_nullable")]
    pub comment: Option<String>,
    pub created_at: Timestamp,
    #[serde(deserialize_with = "required_nullable")]
    pub end_at: Option<Timestamp>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl HasDates for AppConfigurationRevision {
    const DATE_KEYS: &'static [&'static str] = &["created_at", "end_at"];
    fn dates(&self) -> Vec<(&'static str, Option<f64>)> {
        vec![
            ("created_at", Some(self.created_at.millis())),
            ("end_at", self.end_at.map(|t| t.millis())),
        ]
    }
}

/// A successful answer's body as JSON (an empty body is `null`).
pub fn parse_body(status: u16, body: &str) -> Result<Value> {
    if body.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(body)
        .map_err(|e| ApiError::bad_response(status, format!("not JSON ({e})")))
}

/// Decodes one model from a JSON value; a mismatch is a BadGateway "unexpected response".
pub fn decode<T: DeserializeOwned>(status: u16, value: Value) -> Result<T> {
    serde_json::from_value(value).map_err(|e| ApiError::bad_response(status, e))
}

/// A bare JSON array of models.
pub fn decode_list<T: DeserializeOwned>(status: u16, value: Value) -> Result<Vec<T>> {
    match value {
        Value::Array(items) => items.into_iter().map(|i| decode(status, i)).collect(),
        other => Err(ApiError::bad_response(
            status,
            format!("expected a JSON array, got {}", kind_of(&other)),
        )),
    }
}

/// `body["items"]` as a list of models; `required` follows the SDK (`data["items"]` vs
/// `data.get("items", [])`).
pub fn decode_items<T: DeserializeOwned>(
    status: u16,
    mut body: Value,
    required: bool,
) -> Result<Vec<T>> {
    let is_object = body.is_object();
    // Taken, not cloned: a page's items are decoded once.
    match body.get_mut("items").map(Value::take) {
        Some(items @ Value::Array(_)) => decode_list(status, items),
        None | Some(Value::Null) if !required && is_object => Ok(Vec::new()),
        _ => Err(ApiError::bad_response(
            status,
            "no \"items\" list in the answer",
        )),
    }
}

/// The templates of `GET …/templates` and `…/templates/{name}`: `input` and `description`
/// are not part of a summary (the SDK sets None and ""); the versions list takes its name
/// from the path.
pub fn decode_template_summaries(
    status: u16,
    body: Value,
    name: Option<&str>,
) -> Result<Vec<AppTemplate>> {
    let mut list: Vec<AppTemplate> = decode_list(status, body)?;
    for t in &mut list {
        t.input = None;
        t.description = String::new();
        if let Some(n) = name {
            t.name = n.to_string();
        }
    }
    Ok(list)
}

/// `GET …/templates/{name}/{version}`: JSON null means "no such template".
pub fn decode_template_detail(status: u16, body: Value, name: &str) -> Result<Option<AppTemplate>> {
    if body.is_null() {
        return Ok(None);
    }
    let has_name = matches!(body.get("name"), Some(Value::String(_)));
    let mut t: AppTemplate = decode(status, body)?;
    if !has_name {
        t.name = name.to_string();
    }
    Ok(Some(t))
}

pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn app_json() -> Value {
        json!({"id":"704285b2-aab1-4b0a-b8ff-bfbeb37f89e4","name":"superorg-test3-sd-704285b2",
            "display_name":"Stable Diffusion","template_name":"stable-diffusion","template_version":"master",
            "project_name":"test3","org_name":"superorg","cluster_name":"default","namespace":"apolo-test3",
            "state":"healthy","creator":"test-user","created_at":"2025-05-07T11:00:00Z",
            "updated_at":"2025-05-07 12:00:00.5+00:00","endpoints":["https://app.example.com"],
            "future_field": {"x": 1}})
    }

    #[test]
    fn app_decodes_and_keeps_extras() {
        let app: App = decode(200, app_json()).unwrap();
        assert_eq!(app.state, "healthy");
        assert_eq!(app.extra["future_field"], json!({"x": 1}));
        assert_eq!(
            app.dates(),
            vec![
                ("created_at", Some(1_746_615_600_000.0)),
                ("updated_at", Some(1_746_619_200_500.0))
            ]
        );
        let back = serde_json::to_value(&app).unwrap();
        assert_eq!(back["future_field"], json!({"x": 1}));
        assert_eq!(back["created_at"], 1_746_615_600_000.0);
        assert_eq!(back["endpoints"], json!(["https://app.example.com"]));
    }

    #[test]
    fn app_requires_every_sdk_key() {
        for key in [
            "id",
            "name",
            "display_name",
            "namespace",
            "created_at",
            "endpoints",
            "state",
        ] {
            let mut v = app_json();
            v.as_object_mut().unwrap().remove(key);
            let e = decode::<App>(200, v).unwrap_err();
            assert_eq!(e.kind.name(), "BadGateway", "{key}");
            assert!(e.message.contains(key), "{}", e.message);
        }
        let mut v = app_json();
        v["display_name"] = Value::Null;
        assert_eq!(decode::<App>(200, v).unwrap().display_name, None);
        let mut v = app_json();
        v["created_at"] = json!("yesterday");
        assert!(decode::<App>(200, v).is_err());
    }

    #[test]
    fn value_reads_legacy_instance_id() {
        let body = json!({"items":[
            {"app_instance_id":"old","type":"RestAPI","path":"$.a","value":{"host":"h"}},
            {"instance_id":"new","type":"dict","path":"$.b"}]});
        let values: Vec<AppValue> = decode_items(200, body, true).unwrap();
        assert_eq!(values[0].instance_id.as_deref(), Some("old"));
        assert_eq!(values[1].instance_id.as_deref(), Some("new"));
        assert_eq!(values[1].value, Value::Null);
        let out = serde_json::to_value(&values[0]).unwrap();
        assert_eq!(
            out,
            json!({"instance_id":"old","type":"RestAPI","path":"$.a","value":{"host":"h"}})
        );
        assert!(decode_items::<AppValue>(200, json!({}), true).is_err());
    }

    #[test]
    fn event_rules() {
        let ev: AppEvent = decode(
            200,
            json!({"created_at":"2025-11-27T12:23:47.555539Z","state":"healthy",
            "reason":null,"resources":[{"kind":"Deployment","health_status":"Healthy"}]}),
        )
        .unwrap();
        assert_eq!(ev.reason, None);
        assert_eq!(ev.message, None);
        assert_eq!(ev.resources[0].kind.as_deref(), Some("Deployment"));
        assert_eq!(ev.resources[0].uid, None);
        // reason is a required key
        assert!(decode::<AppEvent>(
            200,
            json!({"created_at":"2025-11-27T12:23:47Z","state":"x"})
        )
        .is_err());
        let ev: AppEvent = decode(
            200,
            json!({"created_at":"2025-11-27T12:23:47Z","state":"x","reason":"r","resources":null}),
        )
        .unwrap();
        assert!(ev.resources.is_empty());
        assert!(decode_items::<AppEvent>(200, json!({"total": 0}), false)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn revision_rules() {
        let r: AppConfigurationRevision = decode(
            200,
            json!({"revision_number":3,"creator":"u","comment":null,
            "created_at":"2025-11-27T14:00:00+00:00","end_at":null}),
        )
        .unwrap();
        assert_eq!(
            r.dates(),
            vec![("created_at", Some(1_764_252_000_000.0)), ("end_at", None)]
        );
        assert!(decode::<AppConfigurationRevision>(
            200,
            json!({"revision_number":3,"creator":"u","comment":null,
            "created_at":"2025-11-27T14:00:00+00:00"})
        )
        .is_err());
    }

    #[test]
    fn templates() {
        let list = decode_template_summaries(
            200,
            json!([{"name":"jupyter","version":"v1","title":"J",
            "tags":["a"],"input":{"type":"object"},"description":"d","x":1}]),
            None,
        )
        .unwrap();
        assert_eq!(list[0].input, None);
        assert_eq!(list[0].description, "");
        assert_eq!(list[0].short_description, "");
        assert_eq!(list[0].extra["x"], 1);
        let versions =
            decode_template_summaries(200, json!([{"version":"master","title":null}]), Some("sd"))
                .unwrap();
        assert_eq!(versions[0].name, "sd");
        assert_eq!(versions[0].title, "");
        assert!(decode_template_detail(200, Value::Null, "x")
            .unwrap()
            .is_none());
        let t = decode_template_detail(
            200,
            json!({"version":"master","input":{"type":"object"}}),
            "sd",
        )
        .unwrap()
        .unwrap();
        assert_eq!(t.name, "sd");
        assert_eq!(t.input, Some(json!({"type":"object"})));
        assert!(decode_template_summaries(200, json!({"items":[]}), None).is_err());
    }

    #[test]
    fn upgrades() {
        let u: Vec<AppUpgrades> = decode_list(
            200,
            json!([{"id":"a","template_name":"t","template_version":"v1",
            "available_versions":["v3","v2"]}]),
        )
        .unwrap();
        assert_eq!(u[0].available_versions, vec!["v3", "v2"]);
    }

    #[test]
    fn bodies() {
        assert_eq!(parse_body(204, "").unwrap(), Value::Null);
        assert_eq!(parse_body(200, "null").unwrap(), Value::Null);
        assert_eq!(
            parse_body(200, "<html>").unwrap_err().kind.name(),
            "BadGateway"
        );
    }
}
