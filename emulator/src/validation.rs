//! Request bodies of the Apps API checked as FastAPI/pydantic check them, before the store sees them.
//! No HTTP here: a refusal is a `BodyError`, which the API layer answers with 422.

use serde_json::{Map, Value};

/// A body FastAPI would refuse with a 422 `{"detail": [...]}`.
#[derive(Clone, Debug, PartialEq)]
pub enum BodyError {
    /// One `detail` item: where, pydantic's error type, its message and the offending input.
    Field {
        loc: Vec<&'static str>,
        kind: &'static str,
        msg: &'static str,
        /// Boxed, so that the error (returned by every check) stays small.
        input: Box<Value>,
    },
    /// Not JSON: the column the decoder stopped at and its message.
    Json { column: usize, error: String },
}

impl BodyError {
    fn field(loc: Vec<&'static str>, kind: &'static str, msg: &'static str, input: Value) -> Self {
        BodyError::Field {
            loc,
            kind,
            msg,
            input: Box::new(input),
        }
    }
}

/// A field checked up front whose error the store reports only when it reaches that field, so a
/// request that is wrong in several ways gets the same answer as before the checks moved here.
pub type Checked<T> = Result<T, BodyError>;

/// The request body as JSON; an empty body is a missing one.
pub fn parse_json(body: &[u8]) -> Result<Value, BodyError> {
    if body.is_empty() {
        return Err(BodyError::field(
            vec!["body"],
            "missing",
            "Field required",
            Value::Null,
        ));
    }
    serde_json::from_slice(body).map_err(|e| BodyError::Json {
        column: e.column(),
        error: e.to_string(),
    })
}

/// Like `parse_json`, but an empty body is `{}` (routes whose body is optional).
pub fn parse_json_or_empty(body: &[u8]) -> Result<Value, BodyError> {
    if body.is_empty() {
        Ok(Value::Object(Map::new()))
    } else {
        parse_json(body)
    }
}

/// The body as a JSON object, or FastAPI's 422 for any other JSON value.
fn object(body: &Value) -> Result<&Map<String, Value>, BodyError> {
    body.as_object().ok_or_else(|| {
        BodyError::field(
            vec!["body"],
            "model_attributes_type",
            "Input should be a valid dictionary or object to extract fields from",
            body.clone(),
        )
    })
}

/// FastAPI's 422 for a `body.<key>` that is not a string.
fn not_a_string(key: &'static str, input: &Value) -> BodyError {
    BodyError::field(
        vec!["body", key],
        "string_type",
        "Input should be a valid string",
        input.clone(),
    )
}

/// FastAPI's 422 for a `body.<key>` that is not an object.
fn not_a_dict(key: &'static str, input: &Value) -> BodyError {
    BodyError::field(
        vec!["body", key],
        "dict_type",
        "Input should be a valid dictionary",
        input.clone(),
    )
}

/// FastAPI's 422 for a missing `body.<key>`; `input` is the whole body, as pydantic reports it.
fn missing(key: &'static str, body: &Value) -> BodyError {
    BodyError::field(vec!["body", key], "missing", "Field required", body.clone())
}

fn required_str(obj: &Map<String, Value>, key: &'static str) -> Result<String, BodyError> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        None => Err(missing(key, &Value::Object(obj.clone()))),
        Some(other) => Err(not_a_string(key, other)),
    }
}

/// An optional string field of the body: absent and `null` are `None`, any other non-string is a 422.
pub fn optional_str(body: &Value, key: &'static str) -> Result<Option<String>, BodyError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(not_a_string(key, other)),
    }
}

/// An optional object field: absent and `null` are `None`, any other non-object is a 422.
fn optional_dict(body: &Value, key: &'static str) -> Result<Option<Value>, BodyError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v.clone())),
        Some(other) => Err(not_a_dict(key, other)),
    }
}

/// `POST {v1}/instances`.
#[derive(Clone, Debug, PartialEq)]
pub struct InstallRequest {
    pub template_name: String,
    pub template_version: String,
    pub display_name: Option<String>,
    /// `{}` when absent; `null` is refused like any other non-object.
    pub input: Value,
}

impl InstallRequest {
    pub fn from_body(body: &Value) -> Result<Self, BodyError> {
        let obj = object(body)?;
        let template_name = required_str(obj, "template_name")?;
        let template_version = required_str(obj, "template_version")?;
        let display_name = optional_str(body, "display_name")?;
        let input = match obj.get("input") {
            None => Value::Object(Map::new()),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(other) => return Err(not_a_dict("input", other)),
        };
        Ok(InstallRequest {
            template_name,
            template_version,
            display_name,
            input,
        })
    }
}

/// `PUT {v1}/instances/{id}`: every field optional (`None` keeps the current value).
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigureRequest {
    pub template_version: Checked<Option<String>>,
    pub input: Checked<Option<Value>>,
    pub comment: Checked<Option<String>>,
    pub display_name: Checked<Option<String>>,
}

impl ConfigureRequest {
    /// Only a body that is not an object is refused here; field errors wait in `Checked`.
    pub fn from_body(body: &Value) -> Result<Self, BodyError> {
        object(body)?;
        Ok(ConfigureRequest {
            template_version: optional_str(body, "template_version"),
            input: optional_dict(body, "input"),
            comment: optional_str(body, "comment"),
            display_name: optional_str(body, "display_name"),
        })
    }
}

/// `POST {v1}/instances/{id}/output`: the required `output` object.
pub fn output_field(body: &Value) -> Result<Value, BodyError> {
    match body.get("output") {
        Some(o @ Value::Object(_)) => Ok(o.clone()),
        Some(other) => Err(not_a_dict("output", other)),
        None => Err(missing("output", body)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn loc_and_kind(e: BodyError) -> (Vec<&'static str>, &'static str) {
        match e {
            BodyError::Field { loc, kind, .. } => (loc, kind),
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn parse_json_refuses_empty_and_broken_bodies() {
        assert_eq!(
            loc_and_kind(parse_json(b"").unwrap_err()),
            (vec!["body"], "missing")
        );
        assert!(matches!(
            parse_json(b"{x").unwrap_err(),
            BodyError::Json { column: 2, .. }
        ));
        assert_eq!(parse_json(b"[1]").unwrap(), json!([1]));
        assert_eq!(parse_json_or_empty(b"").unwrap(), json!({}));
        assert!(parse_json_or_empty(b"{x").is_err());
    }

    #[test]
    fn install_request_checks_in_fastapi_order() {
        let ok = InstallRequest::from_body(&json!({"template_name": "a", "template_version": "b"}));
        assert_eq!(ok.unwrap().input, json!({}));
        let cases = [
            (json!([1]), vec!["body"], "model_attributes_type"),
            (
                json!({"template_version": "b"}),
                vec!["body", "template_name"],
                "missing",
            ),
            (
                json!({"template_name": 1}),
                vec!["body", "template_name"],
                "string_type",
            ),
            (
                json!({"template_name": "a", "template_version": "b", "display_name": 2}),
                vec!["body", "display_name"],
                "string_type",
            ),
            (
                json!({"template_name": "a", "template_version": "b", "input": null}),
                vec!["body", "input"],
                "dict_type",
            ),
        ];
        for (body, loc, kind) in cases {
            let e = InstallRequest::from_body(&body).unwrap_err();
            assert_eq!(loc_and_kind(e), (loc, kind), "{body}");
        }
    }

    #[test]
    fn configure_request_keeps_field_errors_for_later() {
        assert!(ConfigureRequest::from_body(&json!("x")).is_err());
        let r = ConfigureRequest::from_body(&json!({"input": 1, "comment": null})).unwrap();
        assert_eq!(r.template_version, Ok(None));
        assert_eq!(loc_and_kind(r.input.unwrap_err()).1, "dict_type");
        assert_eq!(r.comment, Ok(None));
        assert_eq!(output_field(&json!({"output": {}})), Ok(json!({})));
        assert_eq!(
            loc_and_kind(output_field(&json!({})).unwrap_err()),
            (vec!["body", "output"], "missing")
        );
    }
}
