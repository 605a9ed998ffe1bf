//! The wasm boundary (`Core`, `PageCursor`) against a real emulator, in Node and in Chromium.
//! Run by tests/wasm/run.sh, which starts the emulator and passes its URL at compile time.
#![cfg(target_arch = "wasm32")]

use apolo_apps::{Core, PageCursor};
use gloo_net::http::Request;
use js_sys::{Array, Date, Function, Object, Promise, Reflect};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::AbortController;

const EMULATOR: Option<&str> = option_env!("APOLO_EMULATOR_URL");
/// "browser" when run.sh builds for Chromium: the logs WebSocket test must run there.
const RUNTIME: Option<&str> = option_env!("APOLO_WASM_TEST_RUNTIME");

const SD: &str = "704285b2-aab1-4b0a-b8ff-bfbeb37f89e4"; // stable-diffusion@v25.5.1, test3
const VSCODE: &str = "5a5fa379-4635-4418-959f-457b44280c21"; // vscode@v25.6.0, alpha, outputs
const SHELL_QUEUED: &str = "0f3c9a10-8d2e-4b6f-a1c3-5e7d9b2f4a60"; // shell@v25.5.1, alpha
const ERRORED: &str = "9d4a2e6b-1f7c-4e3a-8b5d-c0e2f4a6b8d1"; // shell@v25.6.0, stopped

fn emu() -> &'static str {
    EMULATOR.expect("APOLO_EMULATOR_URL was not set at compile time: run tests/wasm/run.sh")
}

fn api_url() -> String {
    format!("{}/api/v1", emu())
}

async fn control(method: &str, path: &str, body: Option<Value>) -> Value {
    let url = format!("{}{}", emu(), path);
    let builder = match method {
        "POST" => Request::post(&url),
        "PUT" => Request::put(&url),
        "DELETE" => Request::delete(&url),
        _ => Request::get(&url),
    };
    let resp = match body {
        Some(b) => builder.json(&b).unwrap().send().await,
        None => builder.send().await,
    }
    .expect("control API unreachable");
    assert!(resp.ok(), "{method} {path}: {}", resp.status());
    let text = resp.text().await.unwrap();
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    }
}

/// Fresh demo data, no faults, empty request log; a token for user "user".
async fn reset(seed: Value) -> String {
    control("POST", "/_emulator/reset", Some(seed)).await;
    control("PUT", "/_emulator/clock", Some(json!({"speed": 0}))).await;
    let t = control("POST", "/_emulator/token", Some(json!({"user": "user"}))).await;
    t["token"].as_str().unwrap().to_string()
}

async fn requests() -> Vec<Value> {
    control("GET", "/_emulator/requests", None)
        .await
        .as_array()
        .unwrap()
        .clone()
}

async fn fault(f: Value) {
    control("POST", "/_emulator/faults", Some(f)).await;
}

fn js(v: Value) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap()
}

use serde::Serialize;

fn options(token: &str, extra: Value) -> JsValue {
    let mut o = json!({"apiUrl": api_url(), "token": token});
    if let (Some(m), Value::Object(e)) = (o.as_object_mut(), extra) {
        m.extend(e);
    }
    js(o)
}

/// A client with the demo defaults, as ApoloClient gets them without connect().
fn core(token: &str) -> Core {
    Core::new(options(
        token,
        json!({"cluster": "default", "org": "superorg", "project": "alpha"}),
    ))
    .unwrap_or_else(|e| panic!("Core::new failed: {e:?}"))
}

async fn ok(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => v,
        Err(e) => panic!("rejected: {}", describe(&e)),
    }
}

async fn err(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => panic!("resolved, expected a rejection: {}", describe(&v)),
        Err(e) => e,
    }
}

fn describe(v: &JsValue) -> String {
    js_sys::JSON::stringify(v)
        .map(String::from)
        .unwrap_or_else(|_| format!("{v:?}"))
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

fn s(v: &JsValue, key: &str) -> String {
    get(v, key)
        .as_string()
        .unwrap_or_else(|| panic!("{key} is not a string in {}", describe(v)))
}

fn kind(e: &JsValue) -> String {
    s(e, "apoloError")
}

fn to_json(v: &JsValue) -> Value {
    serde_json::from_str(&String::from(js_sys::JSON::stringify(v).unwrap())).unwrap()
}

fn none() -> JsValue {
    JsValue::UNDEFINED
}

/// The requests the emulator saw, as "METHOD path?query".
fn lines(reqs: &[Value]) -> Vec<String> {
    reqs.iter()
        .map(|r| {
            let q = r["query"].as_str().unwrap_or("");
            let p = r["path"].as_str().unwrap_or("");
            let m = r["method"].as_str().unwrap_or("");
            if q.is_empty() {
                format!("{m} {p}")
            } else {
                format!("{m} {p}?{q}")
            }
        })
        .collect()
}

async fn sleep(ms: i32) {
    let p = Promise::new(&mut |resolve, _| {
        let set_timeout: Function = Reflect::get(&js_sys::global(), &"setTimeout".into())
            .unwrap()
            .into();
        set_timeout
            .call2(&JsValue::UNDEFINED, &resolve, &ms.into())
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

const V1_ALPHA: &str = "/apis/apps/v1/cluster/default/org/superorg/project/alpha";

#[wasm_bindgen_test]
async fn connect_fills_defaults_from_config() {
    let token = reset(json!({"seed": "demo"})).await;
    let connected = Core::connect(options(&token, json!({})))
        .await
        .unwrap_or_else(|e| panic!("{}", describe(&e)));
    assert_eq!(connected.cluster().as_deref(), Some("default"));
    assert_eq!(connected.org().as_deref(), Some("superorg"));
    assert_eq!(connected.project().as_deref(), Some("alpha"));
    assert_eq!(
        connected.monitoring_url(),
        Some(format!("{}/api/v1/jobs", emu()))
    );
    assert_eq!(lines(&requests().await), vec!["GET /api/v1/config"]);
    let bad = Core::connect(options("not-a-jwt", json!({})))
        .await
        .err()
        .expect("connect with a bad token");
    assert_eq!(kind(&bad), "AuthenticationError");
    assert!(!describe(&bad).contains("not-a-jwt"));
}

#[wasm_bindgen_test]
async fn get_gives_a_plain_object_with_dates() {
    let token = reset(json!({"seed": "demo"})).await;
    let app = ok(core(&token).get(SD.into(), none())).await;
    assert_eq!(s(&app, "id"), SD);
    assert_eq!(s(&app, "template_name"), "stable-diffusion");
    assert_eq!(s(&app, "project_name"), "test3");
    let created = get(&app, "created_at");
    assert!(
        created.is_instance_of::<Date>(),
        "created_at is {}",
        describe(&created)
    );
    assert!(get(&app, "updated_at").is_instance_of::<Date>());
    assert!(Array::is_array(&get(&app, "endpoints")));
    let req = &requests().await[0];
    assert_eq!(req["path"], format!("/apis/apps/v2/instances/{SD}"));
    assert_eq!(req["headers"]["authorization"], format!("Bearer {token}"));
    assert!(
        req["headers"].get("content-type").is_none(),
        "no body, no content-type"
    );
}

#[wasm_bindgen_test]
async fn install_configure_rollback_uninstall_on_the_wire() {
    let token = reset(json!({"seed": "demo"})).await;
    let c = core(&token);
    let beta = js(json!({"project": "beta"}));
    let app = ok(c.install(
        js(json!({"template_name": "shell", "template_version": "latest", "input": {}})),
        beta.clone(),
    ))
    .await;
    let id = s(&app, "id");
    assert_eq!(s(&app, "project_name"), "beta");
    assert_eq!(s(&app, "template_version"), "v25.7.0");

    let app = ok(c.configure(
        id.clone().into(),
        js(json!({"display_name": "x", "input": {}})),
        js(json!({"comment": "c"})),
    ))
    .await;
    assert_eq!(s(&app, "display_name"), "x");
    let revs = ok(c.get_revisions(id.clone().into(), none())).await;
    let revs = Array::from(&revs);
    assert_eq!(revs.length(), 2);
    assert!(get(&revs.get(0), "created_at").is_instance_of::<Date>());
    assert!(get(&revs.get(0), "end_at").is_null());
    assert!(get(&revs.get(1), "end_at").is_instance_of::<Date>());

    ok(c.rollback(
        id.clone().into(),
        1.into(),
        js(json!({"comment": "back", "project": "beta"})),
    ))
    .await;
    let input = ok(c.get_input(
        id.clone().into(),
        js(json!({"project": "beta", "revision": 1})),
    ))
    .await;
    assert_eq!(s(&input, "template_name"), "shell");
    let undefined = ok(c.uninstall(
        id.clone().into(),
        js(json!({"project": "beta", "force": true})),
    ))
    .await;
    assert!(undefined.is_undefined());
    assert_eq!(
        s(&ok(c.get(id.clone().into(), none())).await, "state"),
        "uninstalled"
    );

    let reqs = requests().await;
    let v1b = "/apis/apps/v1/cluster/default/org/superorg/project/beta";
    assert_eq!(
        lines(&reqs),
        vec![
            format!("POST {v1b}/instances"),
            format!("GET /apis/apps/v2/instances/{id}"),
            format!("GET {v1b}/templates/shell/v25.7.0"),
            format!("PUT {v1b}/instances/{id}"),
            format!("GET /apis/apps/v2/instances/{id}/revisions"),
            format!("POST {v1b}/instances/{id}/revisions/1/rollback"),
            format!("GET {v1b}/instances/{id}/revisions/1/input"),
            format!("DELETE {v1b}/instances/{id}?force=true"),
            format!("GET /apis/apps/v2/instances/{id}"),
        ]
    );
    let body =
        |i: usize| -> Value { serde_json::from_str(reqs[i]["body"].as_str().unwrap()).unwrap() };
    assert_eq!(
        body(0),
        json!({"template_name": "shell", "template_version": "latest", "input": {}})
    );
    assert_eq!(reqs[0]["headers"]["content-type"], "application/json");
    assert_eq!(
        body(3),
        json!({"display_name": "x", "input": {}, "comment": "c"})
    );
    assert_eq!(body(5), json!({"comment": "back"}));
}

#[wasm_bindgen_test]
async fn configure_schema_guard_and_upgrade() {
    let token = reset(json!({"seed": "demo"})).await;
    let c = core(&token);
    let data = js(json!({"template_version": "v25.7.0", "input": {"http_auth": true}}));
    let e = err(c.configure(SHELL_QUEUED.into(), data.clone(), none())).await;
    assert_eq!(kind(&e), "IllegalArgumentError");
    assert!(
        s(&e, "message").contains("shell v25.5.1 has no http_auth"),
        "{}",
        describe(&e)
    );
    assert!(
        !lines(&requests().await)
            .iter()
            .any(|l| l.starts_with("PUT")),
        "nothing was configured"
    );

    let e = err(c.configure(
        SHELL_QUEUED.into(),
        js(json!({"template_name": "vscode"})),
        none(),
    ))
    .await;
    assert!(s(&e, "message").contains("installed from 'shell'"));
    let e = err(c.configure(
        SHELL_QUEUED.into(),
        js(json!({"input": {}})),
        js(json!({"upgrade": true})),
    ))
    .await;
    assert!(s(&e, "message").contains("no template_version"));

    control("DELETE", "/_emulator/requests", None).await;
    let app = ok(c.configure(SHELL_QUEUED.into(), data, js(json!({"upgrade": true})))).await;
    assert_eq!(s(&app, "template_version"), "v25.7.0");
    let reqs = requests().await;
    let put = reqs.iter().find(|r| r["method"] == "PUT").expect("a PUT");
    let body: Value = serde_json::from_str(put["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"input": {"http_auth": true}, "template_version": "v25.7.0"})
    );
}

#[wasm_bindgen_test]
async fn values_templates_outputs_upgrades() {
    let token = reset(json!({"seed": "demo"})).await;
    let c = core(&token);
    let values = Array::from(&ok(c.get_values(none())).await);
    assert!(values.length() > 0);
    let first = values.get(0);
    let vtype = s(&first, "type");
    assert!(get(&first, "instance_id").is_string());
    let filtered =
        Array::from(&ok(c.get_values(js(json!({"appId": VSCODE, "valueType": vtype})))).await);
    assert!(filtered.length() > 0);
    for v in filtered.iter() {
        assert_eq!(s(&v, "instance_id"), VSCODE);
    }

    let templates = to_json(&ok(c.list_templates(none())).await);
    let shell = templates
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "shell")
        .expect("shell listed");
    assert_eq!(
        (shell["input"].clone(), shell["description"].clone()),
        (Value::Null, json!(""))
    );
    let versions = to_json(&ok(c.list_template_versions("shell".into(), none())).await);
    let names: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["v25.7.0", "v25.6.0", "v25.5.1"]);
    assert!(versions
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["name"] == "shell"));
    let t = ok(c.get_template("shell".into(), none())).await;
    assert_eq!(s(&t, "version"), "v25.7.0");
    assert!(get(&t, "input").is_object());
    let t = ok(c.get_template("shell".into(), js(json!({"version": "v25.5.1"})))).await;
    assert_eq!(s(&t, "version"), "v25.5.1");
    assert!(ok(c.get_template("no-such-template".into(), none()))
        .await
        .is_null());

    let out = ok(c.get_output(VSCODE.into(), none())).await;
    assert!(out.is_object() && Object::keys(out.unchecked_ref::<Object>()).length() > 0);
    let e = err(c.get_output(SHELL_QUEUED.into(), none())).await;
    assert_eq!(
        (kind(&e), s(&e, "message")),
        ("ResourceNotFound".to_string(), "Not Found".to_string())
    );

    let ids = js(json!([SD, VSCODE]));
    let ups = to_json(&ok(c.get_upgrades(ids, none())).await);
    assert_eq!(ups[0]["id"], SD);
    assert_eq!(ups[1]["id"], VSCODE);
    assert_eq!(ups[0]["available_versions"][0], "master");
    assert!(Array::from(&ok(c.get_upgrades(js(json!([])), none())).await).length() == 0);

    let reqs = lines(&requests().await);
    assert!(
        reqs.contains(&format!(
            "GET {V1_ALPHA}/instances/{VSCODE}/values?type={}",
            String::from(js_sys::encode_uri_component(&vtype))
        )),
        "{reqs:?}"
    );
    assert!(
        reqs.contains(&format!(
            "GET /apis/apps/v2/instances/upgrades?id={SD}&id={VSCODE}"
        )),
        "{reqs:?}"
    );
    assert!(reqs.contains(&format!("GET {V1_ALPHA}/templates/shell/latest")));
}

#[wasm_bindgen_test]
async fn error_objects_for_statuses() {
    let token = reset(json!({"seed": "demo"})).await;
    let c = core(&token);
    let e = err(c.get("no-such-app".into(), none())).await;
    assert_eq!(kind(&e), "ResourceNotFound");
    assert_eq!(get(&e, "status").as_f64(), Some(404.0));
    assert_eq!(s(&e, "method"), "GET");
    assert!(
        s(&e, "url").ends_with("/apis/apps/v2/instances/no-such-app"),
        "{}",
        describe(&e)
    );
    assert_eq!(s(&e, "message"), r#"{"detail":"App instance not found"}"#);
    assert_eq!(s(&get(&e, "payload"), "detail"), "App instance not found");
    assert!(
        !e.is_instance_of::<js_sys::Error>(),
        "a plain object, not an Error"
    );

    let bad_token = "eyJhbGciOiJIUzI1NiJ9.eyJub3RoaW5nIjoxfQ.c2ln";
    let e = err(core(bad_token).get(SD.into(), none())).await;
    assert_eq!(kind(&e), "AuthenticationError");
    assert_eq!(get(&e, "status").as_f64(), Some(401.0));
    assert!(!describe(&e).contains(bad_token));

    for (status, expected) in [
        (403, "AuthorizationError"),
        (405, "ClientError"),
        (409, "IllegalArgumentError"),
        (422, "IllegalArgumentError"),
        (500, "IllegalArgumentError"),
        (502, "BadGateway"),
        (503, "ServerNotAvailable"),
    ] {
        fault(
            json!({"path": format!("/apis/apps/v2/instances/{SD}"), "status": status,
            "body": {"error": format!("boom {status}")}, "times": 1}),
        )
        .await;
        let e = err(c.get(SD.into(), none())).await;
        assert_eq!(
            (kind(&e), s(&e, "message")),
            (expected.to_string(), format!("boom {status}"))
        );
    }
    fault(json!({"path": "/apis/apps/v2/instances/*", "status": 500, "body": "Internal Server Error", "times": 1})).await;
    let e = err(c.get(SD.into(), none())).await;
    assert_eq!(s(&e, "message"), "Internal Server Error");
    assert!(get(&e, "payload").is_undefined());
    fault(json!({"path": "/apis/apps/v2/instances/*", "malformed_json": true, "times": 1})).await;
    assert_eq!(kind(&err(c.get(SD.into(), none())).await), "BadGateway");
}

#[wasm_bindgen_test]
async fn abort_rejects_with_the_reason_and_timeout_is_typed() {
    let token = reset(json!({"seed": "demo"})).await;
    let c = core(&token);
    fault(json!({"path": "/apis/apps/v2/instances/*", "delay_ms": 3000})).await;
    let ctl = AbortController::new().unwrap();
    let reason = js(json!({"why": "user"}));
    let p = c.get(SD.into(), js_opts_with_signal(&ctl));
    sleep(50).await;
    ctl.abort_with_reason(&reason);
    let e = err(p).await;
    assert!(Object::is(&e, &reason), "rejected with {}", describe(&e));

    // already aborted: nothing is sent
    control("DELETE", "/_emulator/requests", None).await;
    let e = err(c.get_revisions(SD.into(), js_opts_with_signal(&ctl))).await;
    assert!(Object::is(&e, &reason));
    assert!(requests().await.is_empty());

    let slow = Core::new(options(
        &token,
        json!({"project": "alpha", "timeoutMs": 150}),
    ))
    .unwrap();
    let e = err(slow.get(SD.into(), none())).await;
    assert_eq!(kind(&e), "TimeoutError", "{}", describe(&e));
    control("DELETE", "/_emulator/faults", None).await;

    let refused = Core::new(js(
        json!({"apiUrl": "http://127.0.0.1:9/api/v1", "token": token}),
    ))
    .unwrap();
    let e = err(refused.get(SD.into(), none())).await;
    assert_eq!(kind(&e), "ConnectionError", "{}", describe(&e));
}

fn js_opts_with_signal(ctl: &AbortController) -> JsValue {
    let o = Object::new();
    Reflect::set(&o, &"signal".into(), &ctl.signal()).unwrap();
    o.into()
}

async fn next(c: &PageCursor) -> JsValue {
    ok(c.next(JsValue::UNDEFINED)).await
}

#[wasm_bindgen_test]
async fn page_cursor_is_lazy_and_follows_pages() {
    let token = reset(json!({"seed": "generated", "apps": 120, "events": 60})).await;
    let c = core(&token);
    let cursor = c.list_pages(none());
    assert!(
        requests().await.is_empty(),
        "nothing before the first next()"
    );
    assert_eq!(Array::from(&next(&cursor).await).length(), 50);
    assert_eq!(
        lines(&requests().await),
        vec!["GET /apis/apps/v2/instances?cluster=default&org=superorg&project=alpha&page=1"]
    );
    assert_eq!(Array::from(&next(&cursor).await).length(), 50);
    let last = Array::from(&next(&cursor).await);
    assert_eq!(last.length(), 20);
    assert!(get(&last.get(0), "created_at").is_instance_of::<Date>());
    assert!(next(&cursor).await.is_undefined());
    assert_eq!(requests().await.len(), 3, "no request after the last page");

    control("DELETE", "/_emulator/requests", None).await;
    let cursor = c.list_pages(js(
        json!({"states": ["healthy", "queued"], "project": "alpha"}),
    ));
    let items = Array::from(&next(&cursor).await);
    assert!(items
        .iter()
        .all(|a| ["healthy", "queued"].contains(&s(&a, "state").as_str())));
    assert_eq!(lines(&requests().await),
        vec!["GET /apis/apps/v2/instances?cluster=default&org=superorg&project=alpha&page=1&states=healthy&states=queued"]);

    control("DELETE", "/_emulator/requests", None).await;
    let app0 = "00000000-0000-4000-8000-000000000000";
    let events = c.event_pages(app0.into(), none());
    let mut count = 0;
    loop {
        let page = next(&events).await;
        if page.is_undefined() {
            break;
        }
        let page = Array::from(&page);
        assert!(get(&page.get(0), "created_at").is_instance_of::<Date>());
        count += page.length();
    }
    assert!(count >= 60, "{count}");
    let v1_events = format!("GET {V1_ALPHA}/instances/{app0}/events");
    assert_eq!(
        lines(&requests().await),
        vec![v1_events.clone(), format!("{v1_events}?page=2")]
    );
}

#[wasm_bindgen_test]
async fn validation_errors_send_nothing() {
    let token = reset(json!({"seed": "demo"})).await;
    let no_project = Core::new(options(
        &token,
        json!({"cluster": "default", "org": "superorg"}),
    ))
    .unwrap();
    let e = err(no_project.list_pages(none()).next(JsValue::UNDEFINED)).await;
    assert_eq!(kind(&e), "IllegalArgumentError");
    assert!(s(&e, "message").contains("project"));
    let e = err(no_project.get_values(none())).await;
    assert_eq!(kind(&e), "IllegalArgumentError");
    let c = core(&token);
    for bad in ["..", ".", ""] {
        assert_eq!(
            kind(&err(c.get(bad.into(), none())).await),
            "IllegalArgumentError",
            "{bad:?}"
        );
    }
    assert_eq!(
        kind(&err(c.event_pages("..".into(), none()).next(JsValue::UNDEFINED)).await),
        "IllegalArgumentError"
    );
    assert_eq!(
        kind(&err(c.get(42.into(), none())).await),
        "IllegalArgumentError"
    );
    assert_eq!(
        kind(&err(c.rollback(SD.into(), 1.5.into(), none())).await),
        "IllegalArgumentError"
    );
    assert_eq!(
        kind(&err(c.get_upgrades(js(json!([1])), none())).await),
        "IllegalArgumentError"
    );
    assert_eq!(
        kind(&err(c.uninstall(SD.into(), js(json!({"force": "yes"})))).await),
        "IllegalArgumentError"
    );
    assert_eq!(
        kind(&err(c.install(js(json!([1])), none())).await),
        "IllegalArgumentError"
    );
    assert_eq!(
        kind(&err(c.get(SD.into(), js(json!({"signal": 1})))).await),
        "IllegalArgumentError"
    );
    let cyclic = Object::new();
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    assert_eq!(
        kind(&err(c.install(cyclic.into(), none())).await),
        "IllegalArgumentError"
    );
    assert!(requests().await.is_empty(), "nothing reached the server");

    for bad in [
        json!({"token": "t"}),
        json!({"apiUrl": "ftp://x", "token": "t"}),
        json!({"apiUrl": api_url(), "token": "a b"}),
        json!({"apiUrl": api_url(), "token": "t", "timeoutMs": -1}),
        json!({"apiUrl": api_url(), "token": "t", "fetch": "no"}),
    ] {
        let e = Core::new(js(bad.clone()))
            .err()
            .unwrap_or_else(|| panic!("accepted {bad}"));
        assert_eq!(kind(&e), "IllegalArgumentError");
    }
}

#[wasm_bindgen_test]
async fn odd_ids_are_one_path_segment() {
    let token = reset(json!({"seed": "demo"})).await;
    let c = core(&token);
    for id in ["a/b", "../x", "50% off", "sp ace", "ünïcødé", "q?x#y"] {
        control("POST", "/_emulator/apps", Some(json!({"id": id}))).await;
        let app = ok(c.get(id.into(), none())).await;
        assert_eq!(s(&app, "id"), id);
        let input = ok(c.get_input(id.into(), none())).await; // a scoped v1 route
        assert_eq!(s(&input, "template_name"), "shell");
        let revs = Array::from(&ok(c.get_revisions(id.into(), none())).await);
        assert_eq!(revs.length(), 1);
    }
    let paths: Vec<String> = requests()
        .await
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect();
    assert!(
        paths.contains(&"/apis/apps/v2/instances/a%2Fb".to_string()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/apis/apps/v2/instances/..%2Fx".to_string()),
        "{paths:?}"
    );
}

#[wasm_bindgen_test]
async fn a_custom_fetch_is_used() {
    let token = reset(json!({"seed": "demo"})).await;
    // Counts calls, then forwards to the global fetch with the built Request.
    let counter = Object::new();
    Reflect::set(&counter, &"n".into(), &0.into()).unwrap();
    let f = Function::new_with_args("req", "this.n += 1; return globalThis.fetch(req);")
        .bind0(&counter);
    let o = options(&token, json!({"project": "alpha"}));
    Reflect::set(&o, &"fetch".into(), &f).unwrap();
    let c = Core::new(o).unwrap();
    ok(c.get(SD.into(), none())).await;
    assert_eq!(get(&counter, "n").as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
async fn logs_connection_url_and_protocols() {
    let token = reset(json!({"seed": "demo"})).await;
    let c = core(&token); // no monitoringUrl: learnt from /config once
    let conn = ok(c.logs_connection(
        SD.into(),
        js(json!({"since": "2025-05-07T11:00:00+00:00", "timestamps": true})),
    ))
    .await;
    let ws = emu().replacen("http://", "ws://", 1);
    assert_eq!(
        s(&conn, "url"),
        format!("{ws}/api/v1/apps/{SD}/log_ws?since=2025-05-07T11:00:00%2B00:00&timestamps=true")
    );
    assert_eq!(
        to_json(&get(&conn, "protocols")),
        json!(["logs.apolo.us", format!("bearer.apolo.us-{token}")])
    );
    ok(c.logs_connection("a/b".into(), none())).await;
    assert_eq!(
        lines(&requests().await),
        vec!["GET /api/v1/config"],
        "config fetched once"
    );
    assert_eq!(
        kind(&err(c.logs_connection("..".into(), none())).await),
        "IllegalArgumentError"
    );
}

/// In Chromium: the browser's own WebSocket with logsConnection's url and subprotocols.
#[wasm_bindgen_test]
async fn logs_over_the_browser_websocket() {
    let has_ws = Reflect::has(&js_sys::global(), &"WebSocket".into()).unwrap_or(false);
    if RUNTIME != Some("browser") {
        return; // Node 20 has no WebSocket; the Node tests of the package cover `ws`.
    }
    assert!(has_ws, "the browser has a WebSocket");
    let token = reset(json!({"seed": "demo"})).await;
    let c = core(&token);
    let conn = ok(c.logs_connection(ERRORED.into(), js(json!({"timestamps": true})))).await;
    let protocols = Array::from(&get(&conn, "protocols"));
    let ws = web_sys::WebSocket::new_with_str_sequence(&s(&conn, "url"), &protocols).unwrap();
    ws.set_binary_type(web_sys::BinaryType::Arraybuffer);

    let chunks = std::rc::Rc::new(std::cell::RefCell::new(Vec::<u8>::new()));
    let text_frames = std::rc::Rc::new(std::cell::Cell::new(0));
    let (c2, t2) = (chunks.clone(), text_frames.clone());
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| match ev
            .data()
            .dyn_into::<js_sys::ArrayBuffer>()
        {
            Ok(buf) => c2
                .borrow_mut()
                .extend(js_sys::Uint8Array::new(&buf).to_vec()),
            Err(_) => t2.set(t2.get() + 1),
        });
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let closed = Promise::new(&mut |resolve, _| {
        let on_close = Closure::once_into_js(move |ev: web_sys::CloseEvent| {
            resolve
                .call1(&JsValue::UNDEFINED, &ev.code().into())
                .unwrap();
        });
        ws.set_onclose(Some(on_close.unchecked_ref()));
    });
    let code = JsFuture::from(closed).await.unwrap();
    assert_eq!(
        code.as_f64(),
        Some(1000.0),
        "normal close after the archive of a stopped app"
    );
    assert_eq!(ws.protocol(), "logs.apolo.us");
    assert_eq!(text_frames.get(), 0, "binary frames only");
    let text = String::from_utf8(chunks.borrow().clone()).unwrap();
    assert!(
        text.contains("(line 0)") && text.contains("(line 39)"),
        "{text}"
    );
    let first = text.lines().next().unwrap_or("");
    assert!(
        first.starts_with("20") && first.contains("Z "),
        "timestamps=true: {first}"
    );
}
