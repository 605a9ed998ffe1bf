//! Conversions between JS values and the core's types: options, models, rejections.

use crate::core::error::{ApiError, Result};
use js_sys::{Array, Date, Function, Object, Reflect};
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

/// The rejection object of docs/architecture.md: `{ apoloError, status?, message, payload?, method?, url? }`.
pub fn error_object(e: &ApiError) -> JsValue {
    let obj = Object::new();
    let set = |k: &str, v: JsValue| {
        // Setting a data property on a fresh plain object cannot fail.
        let _ = Reflect::set(&obj, &JsValue::from_str(k), &v);
    };
    set("apoloError", JsValue::from_str(e.kind.name()));
    if let Some(s) = e.status {
        set("status", JsValue::from_f64(f64::from(s)));
    }
    set("message", JsValue::from_str(&e.message));
    if let Some(p) = &e.payload {
        if let Ok(v) = plain_to_js(p) {
            set("payload", v);
        }
    }
    if let Some(m) = &e.method {
        set("method", JsValue::from_str(m));
    }
    if let Some(u) = &e.url {
        set("url", JsValue::from_str(u));
    }
    obj.into()
}

/// Any serializable value as the JS value `JSON.parse` gives for its JSON text: one string
/// across the boundary and the engine's own parser, instead of one crossing per key and value.
pub fn plain_to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue> {
    let text = serde_json::to_string(v)
        .map_err(|e| ApiError::bad_response(200, format!("cannot convert to JS: {e}")))?;
    js_sys::JSON::parse(&text).map_err(|_| ApiError::bad_response(200, "cannot convert to JS"))
}

fn is_plain_object(v: &JsValue) -> bool {
    v.is_object() && !Array::is_array(v) && !v.is_function()
}

/// A JSON object from a JS object argument such as `appData`.
pub fn js_to_object(v: &JsValue, what: &str) -> Result<serde_json::Map<String, Value>> {
    if !is_plain_object(v) {
        return Err(ApiError::illegal_argument(format!(
            "{what} must be an object"
        )));
    }
    // Through JSON.stringify, as fetch users expect: toJSON (Dates) applies, undefined
    // properties are dropped, and a cycle or a BigInt is an error instead of a stack overflow.
    let text = js_sys::JSON::stringify(v)
        .ok()
        .and_then(|t| JsValue::from(t).as_string())
        .ok_or_else(|| ApiError::illegal_argument(format!("{what} must be JSON-serializable")))?;
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::illegal_argument(format!(
            "{what} must be an object"
        ))),
        Err(e) => Err(ApiError::illegal_argument(format!(
            "{what} cannot be sent as JSON: {e}"
        ))),
    }
}

/// A required string argument.
pub fn string_arg(v: &JsValue, what: &str) -> Result<String> {
    v.as_string()
        .ok_or_else(|| ApiError::illegal_argument(format!("{what} must be a string")))
}

/// `x` when `v` is an AbortSignal (by shape, so any realm's signal works), None for undefined/null.
pub fn signal_arg(v: &JsValue) -> Result<Option<AbortSignal>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let looks_right = v.is_object()
        && Reflect::get(v, &JsValue::from_str("aborted")).is_ok_and(|a| a.as_bool().is_some())
        && Reflect::get(v, &JsValue::from_str("addEventListener")).is_ok_and(|f| f.is_function());
    if looks_right {
        Ok(Some(v.clone().unchecked_into()))
    } else {
        Err(ApiError::illegal_argument("signal must be an AbortSignal"))
    }
}

/// An options object (`undefined`/`null` = none given: nothing to read, no call into JS);
/// unknown keys are ignored.
pub struct Opts(Option<JsValue>);

impl Opts {
    pub fn new(v: &JsValue, what: &str) -> Result<Opts> {
        if v.is_undefined() || v.is_null() {
            Ok(Opts(None))
        } else if is_plain_object(v) {
            Ok(Opts(Some(v.clone())))
        } else {
            Err(ApiError::illegal_argument(format!(
                "{what} must be an object"
            )))
        }
    }

    /// The property, with undefined and null both meaning "not given".
    pub fn get(&self, key: &str) -> Result<Option<JsValue>> {
        let Some(o) = &self.0 else { return Ok(None) };
        let v = Reflect::get(o, &JsValue::from_str(key))
            .map_err(|_| ApiError::illegal_argument(format!("cannot read option `{key}`")))?;
        Ok(if v.is_undefined() || v.is_null() {
            None
        } else {
            Some(v)
        })
    }

    /// The property converted by `convert`; a value it refuses is "`key` must be {what}".
    fn typed<T>(
        &self,
        key: &str,
        what: &str,
        convert: impl FnOnce(JsValue) -> Option<T>,
    ) -> Result<Option<T>> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) => convert(v)
                .map(Some)
                .ok_or_else(|| ApiError::illegal_argument(format!("`{key}` must be {what}"))),
        }
    }

    pub fn string(&self, key: &str) -> Result<Option<String>> {
        self.typed(key, "a string", |v| v.as_string())
    }

    pub fn bool(&self, key: &str) -> Result<bool> {
        Ok(self
            .typed(key, "a boolean", |v| v.as_bool())?
            .unwrap_or(false))
    }

    /// A safe integer (revision numbers).
    pub fn integer(&self, key: &str) -> Result<Option<i64>> {
        self.typed(key, "an integer", |v| safe_integer(&v))
    }

    pub fn number(&self, key: &str) -> Result<Option<f64>> {
        self.typed(key, "a number", |v| v.as_f64())
    }

    pub fn function(&self, key: &str) -> Result<Option<Function>> {
        self.typed(key, "a function", |v| {
            v.is_function().then(|| v.unchecked_into())
        })
    }

    pub fn strings(&self, key: &str) -> Result<Option<Vec<String>>> {
        self.typed(key, "an array of strings", |v| string_list(&v, "").ok())
    }

    /// A `Date` (as its ISO 8601 text) or a string.
    pub fn date_or_string(&self, key: &str) -> Result<Option<String>> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) if v.is_string() => Ok(v.as_string()),
            Some(v) => match v.dyn_into::<Date>() {
                Ok(d) if d.get_time().is_nan() => Err(ApiError::illegal_argument(format!(
                    "`{key}` is an invalid Date"
                ))),
                Ok(d) => Ok(d.to_iso_string().as_string()),
                Err(_) => Err(ApiError::illegal_argument(format!(
                    "`{key}` must be a Date or an ISO 8601 string"
                ))),
            },
        }
    }

    pub fn signal(&self) -> Result<Option<AbortSignal>> {
        signal_arg(&self.get("signal")?.unwrap_or(JsValue::UNDEFINED))
    }
}

fn safe_integer(v: &JsValue) -> Option<i64> {
    v.as_f64()
        .filter(|n| n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0)
        .map(|n| n as i64)
}

pub fn integer_arg(v: &JsValue, what: &str) -> Result<i64> {
    safe_integer(v).ok_or_else(|| ApiError::illegal_argument(format!("{what} must be an integer")))
}

/// An array, or any other iterable but a string, of strings.
pub fn string_list(v: &JsValue, what: &str) -> Result<Vec<String>> {
    let bad = || ApiError::illegal_argument(format!("{what} must be an array of strings"));
    if v.is_string() {
        return Err(bad());
    }
    let iter = js_sys::try_iter(v).ok().flatten().ok_or_else(bad)?;
    iter.map(|item| item.ok().and_then(|i| i.as_string()).ok_or_else(bad))
        .collect()
}
