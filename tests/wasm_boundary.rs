//! The wasm boundary (`src/wasm`) in Node and in headless Chromium: JS values in, the core's
//! decisions out, converted as the JS layer expects. The boundary does no I/O; HTTP and
//! WebSockets are tested through the package (tests/node, tests/browser). Run by tests/wasm/run.sh.
#![cfg(target_arch = "wasm32")]

use apolo_apps::wasm::{
    client_info, client_new, error_of, handshake_error, op_answer, op_drop, op_failed, op_start,
    redacted, step_head, tables, use_token, wasm_memory,
};
use js_sys::{Array, Date, Float64Array, Object, Reflect, Set, Uint8Array, WebAssembly};
use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

const ID: &str = "704285b2-aab1-4b0a-b8ff-bfbeb37f89e4";
const TOKEN: &str = "tok.secret-part";

fn js(v: serde_json::Value) -> JsValue {
    js_sys::JSON::parse(&v.to_string()).unwrap()
}

/// The text at `at` = byte offset + length × 2³² in the instance's memory.
fn text_at(at: f64) -> String {
    let memory: WebAssembly::Memory = wasm_memory().unchecked_into();
    let (offset, len) = (at % 4_294_967_296.0, (at / 4_294_967_296.0).floor());
    let bytes =
        Uint8Array::new_with_byte_offset_and_length(&memory.buffer(), offset as u32, len as u32);
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A step as the JS layer reads it (`readStep` in lib/api.js): JSON text at `at`, or for a
/// negative `at` a short step, whose fields are three numbers at `stepHead()`.
fn parse(at: f64) -> JsValue {
    if at >= 0.0 {
        return js_sys::JSON::parse(&text_at(at)).unwrap();
    }
    let memory: WebAssembly::Memory = wasm_memory().unchecked_into();
    let h = Float64Array::new_with_byte_offset_and_length(&memory.buffer(), step_head() as u32, 3)
        .to_vec();
    if at == -1.0 {
        let text = text_at(h[2]);
        let (method, url) = text.split_once(' ').unwrap();
        let mut v = json!({"method": method, "url": url});
        if h[0] >= 0.0 {
            v["op"] = json!(h[0]);
            v["timeoutMs"] = json!(h[1]);
        }
        return js(v);
    }
    assert_eq!(at, -2.0, "a short step is SEND (-1) or VALUE (-2)");
    let dates = Array::from(&Array::from(&table("shapeDates")).get(h[0] as u32));
    let dates: Vec<String> = dates.iter().filter_map(|d| d.as_string()).collect();
    js(json!({"done": true, "answer": {"to": "value", "dates": dates}, "times": [h[1], h[2]]}))
}

/// One of the tables the JS layer reads once (`tables()`: app states, calls, models' date keys).
fn table(name: &str) -> JsValue {
    let at = ["appStates", "calls", "shapeDates"]
        .iter()
        .position(|n| *n == name)
        .unwrap();
    tables().get(at as u32)
}

/// Starts call `name` as the JS layer does: by its index in the calls of `tables()`.
fn start(client: u32, name: &str, a: JsValue, b: JsValue, opts: JsValue) -> Result<f64, JsValue> {
    let call = Array::from(&table("calls"))
        .iter()
        .position(|n| n == name)
        .unwrap();
    op_start(client, call as u32, a, b, opts)
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

fn text(v: &JsValue, key: &str) -> String {
    get(v, key).as_string().unwrap_or_default()
}

/// A step's timestamps, read as the JS layer reads them: `times` is their place in the
/// instance's memory, `[byte offset, count]`.
fn times(step: &JsValue) -> Vec<f64> {
    let at = Array::from(&get(step, "times"));
    let memory: WebAssembly::Memory = wasm_memory().unchecked_into();
    let (offset, count) = (at.get(0).as_f64().unwrap(), at.get(1).as_f64().unwrap());
    Float64Array::new_with_byte_offset_and_length(&memory.buffer(), offset as u32, count as u32)
        .to_vec()
}

/// The answer to an op's first attempt, with no headers and no token provider.
fn reply(op: u32, status: u16, body: &[u8]) -> Result<f64, JsValue> {
    op_answer(op, 1, status, &Object::new(), body, false, 0.0, 0.0)
}

fn client() -> u32 {
    client_new(js(json!({
        "apiUrl": "http://h/api/v1", "token": TOKEN,
        "cluster": "default", "org": "superorg", "project": "alpha",
    })))
    .unwrap()
}

fn app_json() -> String {
    json!({
        "id": ID, "name": "sd", "display_name": "SD", "template_name": "shell",
        "template_version": "1", "project_name": "alpha", "org_name": "superorg",
        "cluster_name": "default", "namespace": "ns", "state": "healthy", "creator": "u",
        "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-02 03:04:05.5+01:00",
        "endpoints": [],
    })
    .to_string()
}

#[wasm_bindgen_test]
fn bad_options_are_typed_errors() {
    for (options, needle) in [
        (json!({"token": "t"}), "apiUrl"),
        (json!({"apiUrl": "http://h/api/v1"}), "token"),
        (
            json!({"apiUrl": "http://h/api/v1", "token": "a b"}),
            "visible ASCII",
        ),
        (
            json!({"apiUrl": "http://h/api/v1", "token": "t", "timeoutMs": -1}),
            "timeoutMs",
        ),
        (
            json!({"apiUrl": "http://h/api/v1", "token": "t", "maxRetries": 1.5}),
            "maxRetries",
        ),
        (
            json!({"apiUrl": "http://h/api/v1", "token": "t", "onRetry": 3}),
            "onRetry",
        ),
        (
            json!({"apiUrl": "http://h/api/v1", "token": "t", "logLevel": "loud"}),
            "logLevel",
        ),
    ] {
        let e = client_new(js(options)).unwrap_err();
        assert_eq!(text(&e, "apoloError"), "IllegalArgumentError");
        assert!(
            text(&e, "message").contains(needle),
            "{}",
            text(&e, "message")
        );
    }
    // A provider function is taken as is; it is called (and checked) per request.
    let f = js_sys::Function::new_no_args("return 't'");
    let o = js(json!({"apiUrl": "http://h/api/v1"}));
    Reflect::set(&o, &"token".into(), &f).unwrap();
    assert!(client_new(o).is_ok());
}

#[wasm_bindgen_test]
fn a_call_is_one_request_then_one_decoded_value() {
    let c = client();
    let first = start(c, "get", ID.into(), JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
    assert_eq!(first, -1.0, "a get's request is a short SEND step");
    let step = parse(first);
    assert_eq!(text(&step, "method"), "GET");
    assert_eq!(
        text(&step, "url"),
        format!("http://h/apis/apps/v2/instances/{ID}")
    );
    assert_eq!(get(&step, "timeoutMs").as_f64(), Some(60_000.0));
    let op = get(&step, "op").as_f64().unwrap() as u32;
    let answer = reply(op, 200, app_json().as_bytes()).unwrap();
    assert_eq!(answer, -2.0, "its value is a short VALUE step");
    let done = parse(answer);
    assert_eq!(get(&done, "done"), JsValue::TRUE);
    // The value is the body itself (JS parses it); timestamps cross as epoch milliseconds, with
    // the keys the JS layer makes Dates of.
    let answer = get(&done, "answer");
    assert_eq!(text(&answer, "to"), "value");
    assert_eq!(text(&answer, "at"), "");
    let updated = Date::new(&times(&done)[1].into());
    assert_eq!(updated.to_iso_string(), "2025-01-02T02:04:05.500Z");
    let dates: Vec<String> = Array::from(&get(&answer, "dates"))
        .iter()
        .filter_map(|k| k.as_string())
        .collect();
    assert_eq!(dates, ["created_at", "updated_at"]);
    // The op is finished: it is gone.
    assert!(reply(op, 200, app_json().as_bytes()).is_err());
}

#[wasm_bindgen_test]
fn bodies_and_iterables() {
    let c = client();
    let data = js(json!({"template_name": "shell", "template_version": "latest", "input": {}}));
    let step = parse(start(c, "install", data, JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap());
    assert_eq!(text(&step, "method"), "POST");
    assert_eq!(text(&step, "contentType"), "application/json");
    assert_eq!(
        text(&step, "body"),
        r#"{"template_name":"shell","template_version":"latest","input":{}}"#
    );
    op_drop(get(&step, "op").as_f64().unwrap() as u32);
    // Any iterable of ids, but not a string.
    let ids = Set::new(&JsValue::UNDEFINED);
    ids.add(&"a".into());
    ids.add(&"b".into());
    let step = parse(
        start(
            c,
            "getUpgrades",
            ids.into(),
            JsValue::UNDEFINED,
            JsValue::UNDEFINED,
        )
        .unwrap(),
    );
    assert!(
        text(&step, "url").ends_with("/upgrades?id=a&id=b"),
        "{}",
        text(&step, "url")
    );
    let e = start(
        c,
        "getUpgrades",
        "ab".into(),
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    )
    .unwrap_err();
    assert_eq!(text(&e, "apoloError"), "IllegalArgumentError");
}

#[wasm_bindgen_test]
fn every_call_name_is_a_call() {
    let c = client();
    let names: Vec<String> = Array::from(&table("calls"))
        .iter()
        .filter_map(|n| n.as_string())
        .collect();
    assert_eq!(names.len(), 17);
    for (i, name) in names.iter().enumerate() {
        // Each call starts, or refuses these arguments as its own; none is unknown.
        match op_start(c, i as u32, 7.into(), 7.into(), JsValue::UNDEFINED) {
            Ok(at) => op_drop(get(&parse(at), "op").as_f64().unwrap_or(0.0) as u32),
            Err(e) => assert!(!text(&e, "message").contains("unknown call"), "{name}"),
        }
    }
    let e = op_start(
        c,
        17,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    );
    assert!(text(&e.unwrap_err(), "message").contains("unknown call"));
}

#[wasm_bindgen_test]
fn revision_numbers_start_at_one() {
    let c = client();
    for n in [0.0, -1.0, 1.5] {
        let e = start(c, "rollback", ID.into(), n.into(), JsValue::UNDEFINED).unwrap_err();
        assert_eq!(text(&e, "apoloError"), "IllegalArgumentError", "{n}");
    }
}

#[wasm_bindgen_test]
fn logs_since_takes_a_date() {
    let c = client_new(js(json!({
        "apiUrl": "http://h/api/v1", "token": TOKEN, "cluster": "default",
        "monitoringUrl": "http://m/api/v1/jobs",
    })))
    .unwrap();
    let opts = Object::new();
    Reflect::set(&opts, &"since".into(), &Date::new(&JsValue::from_f64(0.0))).unwrap();
    let step = parse(start(c, "logs", ID.into(), JsValue::UNDEFINED, opts.into()).unwrap());
    let url = text(&step, "value");
    assert!(url.starts_with("ws://m/"), "{url}");
    assert!(
        url.ends_with("/log_ws?since=1970-01-01T00:00:00.000Z"),
        "{url}"
    );
    let bad = Object::new();
    Reflect::set(
        &bad,
        &"since".into(),
        &Date::new(&JsValue::from_f64(f64::NAN)),
    )
    .unwrap();
    assert!(start(c, "logs", ID.into(), JsValue::UNDEFINED, bad.into()).is_err());
}

#[wasm_bindgen_test]
fn errors_name_the_request_without_the_token() {
    let c = client();
    let step = parse(start(c, "get", ID.into(), JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap());
    let op = get(&step, "op").as_f64().unwrap() as u32;
    let body = format!(r#"{{"error":"token {TOKEN} expired"}}"#);
    let e = reply(op, 401, body.as_bytes()).unwrap_err();
    assert_eq!(text(&e, "apoloError"), "AuthenticationError");
    assert_eq!(get(&e, "status").as_f64(), Some(401.0));
    assert_eq!(text(&e, "method"), "GET");
    let all = js_sys::JSON::stringify(&e).unwrap().as_string().unwrap();
    assert!(!all.contains(TOKEN), "{all}");
    // A status-0 answer is no HTTP answer: retried as a network failure, then a ConnectionError.
    let step = parse(start(c, "get", ID.into(), JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap());
    let op = get(&step, "op").as_f64().unwrap() as u32;
    let again = parse(reply(op, 0, b"").unwrap());
    assert_eq!(text(&again, "reason"), "connection error");
    let last = op_answer(op, 3, 0, &Object::new(), b"", false, 0.0, 0.0);
    assert_eq!(text(&last.unwrap_err(), "apoloError"), "ConnectionError");
    assert!(!redacted(c, &format!("x {TOKEN} y")).contains(TOKEN));
    let e = error_of(
        c,
        "ConnectionError",
        &format!("closed: {TOKEN}"),
        None,
        None,
    );
    assert!(!text(&e, "message").contains(TOKEN));
    assert_eq!(
        text(&handshake_error(c, 403, "ws://m/x"), "apoloError"),
        "AuthorizationError"
    );
}

#[wasm_bindgen_test]
fn retry_decisions_come_from_the_core() {
    // The core's answer for attempt `n` of a fresh `call` that ended with `status` (0: a network
    // error `code`): the retry decision, or None when it went on to the call's result or error.
    fn decide(
        call: &str,
        n: u32,
        status: u16,
        code: Option<&str>,
        retry_after: Option<&str>,
        refresh: bool,
    ) -> Option<JsValue> {
        let c = client();
        let a = if call == "install" {
            js(json!({"template_name": "shell", "template_version": "1", "input": {}}))
        } else {
            ID.into()
        };
        let step = parse(start(c, call, a, JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap());
        let op = get(&step, "op").as_f64().unwrap() as u32;
        // Headers as the JS layer passes them: anything with get(name).
        let body = format!(
            "return name === 'retry-after' ? {} : null",
            retry_after.map_or("null".into(), |r| format!("'{r}'"))
        );
        let headers = Object::new();
        let get_fn = js_sys::Function::new_with_args("name", &body);
        Reflect::set(&headers, &"get".into(), &get_fn).unwrap();
        let out = if status > 0 {
            op_answer(op, n, status, &headers, b"{}", refresh, 0.0, 0.0)
        } else {
            op_failed(op, n, code.map(String::from), "failed", refresh, 0.0, 0.0)
        };
        let v = parse(out.ok()?);
        let decided =
            !get(&v, "delayMs").is_undefined() || get(&v, "refreshToken") == JsValue::TRUE;
        decided.then_some(v)
    }
    let d = decide("get", 1, 503, None, Some("1"), false).unwrap();
    assert_eq!(get(&d, "delayMs").as_f64(), Some(1000.0));
    assert_eq!(text(&d, "reason"), "status 503");
    assert!(decide("get", 1, 200, None, None, false).is_none());
    assert!(decide("get", 3, 503, None, None, false).is_none());
    let d = decide("get", 1, 401, None, None, true).unwrap();
    assert_eq!(get(&d, "refreshToken"), JsValue::TRUE);
    // The request got no answer for good: a ConnectionError or TimeoutError naming it.
    let c = client();
    let step = parse(start(c, "get", ID.into(), JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap());
    let op = get(&step, "op").as_f64().unwrap() as u32;
    let e = op_failed(op, 3, Some("timeout".into()), "", false, 0.0, 0.0).unwrap_err();
    assert_eq!(text(&e, "apoloError"), "TimeoutError");
    assert!(text(&e, "url").contains(ID));
    // An install is repeated only when the server provably did nothing.
    assert!(decide("install", 1, 503, None, None, false).is_none());
    assert!(decide("install", 1, 0, Some("ECONNRESET"), None, false).is_none());
    assert!(decide("install", 1, 0, Some("ECONNREFUSED"), None, false).is_some());
    assert!(decide("install", 1, 429, None, None, false).is_some());
}

#[wasm_bindgen_test]
fn pages_then_the_end() {
    let c = client();
    let step = parse(
        start(
            c,
            "list",
            JsValue::UNDEFINED,
            JsValue::UNDEFINED,
            JsValue::UNDEFINED,
        )
        .unwrap(),
    );
    let op = get(&step, "op").as_f64().unwrap() as u32;
    let page = format!(r#"{{"items":[{}],"pages":2}}"#, app_json());
    let next = parse(reply(op, 200, page.as_bytes()).unwrap());
    let answer = get(&next, "answer");
    assert_eq!(
        (text(&answer, "at"), text(&answer, "to")),
        ("items".into(), "items".into())
    );
    assert_eq!(times(&next).len(), 2);
    assert!(text(&next, "url").contains("page=2"));
    let last = parse(reply(op, 200, page.as_bytes()).unwrap());
    assert_eq!(get(&last, "done"), JsValue::TRUE);
}

#[wasm_bindgen_test]
fn tokens_and_the_client() {
    let c = client();
    let auth = use_token(c, "new.token".into(), true).unwrap();
    assert_eq!(text(&auth, "authorization"), "Bearer new.token");
    let p = Array::from(&get(&auth, "protocols"));
    assert_eq!(p.get(1).as_string().unwrap(), "bearer.apolo.us-new.token");
    let e = use_token(c, JsValue::from_f64(3.0), true).unwrap_err();
    assert_eq!(text(&e, "apoloError"), "AuthenticationError");
    assert_eq!(text(&client_info(c).unwrap(), "project"), "alpha");
    assert_eq!(get(&table("appStates"), "length").as_f64(), Some(7.0));
}
