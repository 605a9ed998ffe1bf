//! HTTP- and WebSocket-level tests: a real server on 127.0.0.1, real clients.

use apolo_apps_emulator::{start, Options};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

const SD: &str = "704285b2-aab1-4b0a-b8ff-bfbeb37f89e4"; // healthy, project test3
const VSCODE: &str = "5a5fa379-4635-4418-959f-457b44280c21"; // healthy, project alpha
const UNINSTALLED: &str = "e1f3a5c7-9b2d-4e6f-8a0c-4b6d8f0a2c5e";
const V1_ALPHA: &str = "/apis/apps/v1/cluster/default/org/superorg/project/alpha";
const V1_TEST3: &str = "/apis/apps/v1/cluster/default/org/superorg/project/test3";

struct Emu {
    base: String,
    token: String,
    http: Client,
}

async fn emu(args: &[&str]) -> Emu {
    let mut argv = vec!["apolo-apps-emulator", "--port", "0"];
    argv.extend_from_slice(args);
    let running = start(Options::parse_from(argv))
        .await
        .expect("server starts");
    Emu {
        base: format!("http://{}", running.addr),
        token: running.token.clone(),
        http: Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap(),
    }
}

impl Emu {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
    fn ws_url(&self, path: &str) -> String {
        format!("{}{}", self.base.replacen("http", "ws", 1), path)
    }
    /// A request carrying the emulator's token, to add headers or a body to.
    fn authed(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.token)
    }
    /// The raw response to a request with the token, for status, headers and body checks.
    async fn send(&self, method: Method, path: &str) -> Response {
        self.authed(method, path).send().await.expect("response")
    }
    /// The raw response to a request without any token.
    async fn send_anon(&self, method: Method, path: &str) -> Response {
        self.http
            .request(method, self.url(path))
            .send()
            .await
            .expect("response")
    }
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.authed(method, path);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("response");
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    async fn install(&self, template: &str) -> Value {
        let (s, app) = self
            .post(&format!("{V1_ALPHA}/instances"), json!({"template_name": template, "template_version": "latest", "input": {"preset": {"name": "cpu-small"}}}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{app}");
        app
    }
}

/// A response header that must be there, as text.
fn header<'a>(r: &'a Response, name: &str) -> &'a str {
    r.headers()[name].to_str().unwrap()
}

#[tokio::test]
async fn config_reports_defaults_and_monitoring_on_same_host() {
    let e = emu(&[]).await;
    let (s, v) = e.get("/api/v1/config").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["authorized"], true);
    assert_eq!(v["clusters"][0]["name"], "default");
    assert_eq!(v["clusters"][0]["orgs"][0], "superorg");
    assert_eq!(
        v["clusters"][0]["monitoring_url"],
        json!(e.url("/api/v1/jobs"))
            .as_str()
            .unwrap()
            .replace("localhost", "127.0.0.1")
    );
    let projects: Vec<&str> = v["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(projects.contains(&"alpha") && projects.contains(&"test3"));
    for k in [
        "auth_url",
        "token_url",
        "logout_url",
        "client_id",
        "audience",
        "headless_callback_url",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    // Without a token: still 200, not authorized.
    let anon: Value = e
        .send_anon(Method::GET, "/api/v1/config")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(anon["authorized"], false);
    assert!(anon.get("clusters").is_none());
}

#[tokio::test]
async fn auth_rejects_missing_and_undecodable_tokens() {
    let e = emu(&["--control"]).await;
    let path = e.url(&format!("/apis/apps/v2/instances/{SD}"));
    let r = e.http.get(&path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    for bad in [
        "not-a-jwt",
        "a.b.c",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.x",
    ] {
        let r = e.http.get(&path).bearer_auth(bad).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{bad}");
    }
    let r = e
        .http
        .get(&path)
        .header("authorization", format!("Token {}", e.token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // A minted token for another user becomes the creator.
    let (_, t) = e.post("/_emulator/token", json!({"user": "alice"})).await;
    let token = t["token"].as_str().unwrap();
    let r = e
        .http
        .post(e.url(&format!("{V1_ALPHA}/instances")))
        .bearer_auth(token)
        .json(&json!({"template_name": "shell", "template_version": "latest", "input": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let app: Value = r.json().await.unwrap();
    assert_eq!(app["creator"], "alice");
}

#[tokio::test]
async fn list_paginates_and_filters() {
    let e = emu(&[
        "--control",
        "--seed",
        "generated",
        "--gen-apps",
        "120",
        "--gen-events",
        "0",
        "--gen-log-bytes",
        "100",
    ])
    .await;
    let base = "/apis/apps/v2/instances?cluster=default&org=superorg&project=alpha";
    let mut seen = std::collections::HashSet::new();
    for page in 1..=3 {
        let (s, v) = e.get(&format!("{base}&page={page}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["total"], 120);
        assert_eq!(v["pages"], 3);
        assert_eq!(v["size"], 50);
        assert_eq!(v["page"], page);
        for a in v["items"].as_array().unwrap() {
            assert!(seen.insert(a["id"].as_str().unwrap().to_string()));
        }
    }
    assert_eq!(seen.len(), 120);
    let (_, v) = e.get(&format!("{base}&page=4")).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    let (_, v) = e.get(&format!("{base}&size=100&page=2")).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 20);
    assert_eq!(v["pages"], 2);
    // States: rotation gives 120/7 rounded per state.
    let (_, v) = e
        .get(&format!("{base}&states=healthy&states=errored"))
        .await;
    assert_eq!(v["total"], 34);
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["state"] == "healthy" || a["state"] == "errored"));
    let (_, v) = e.get(&format!("{base}&project=beta")).await;
    assert_eq!(v["total"], 0);
    assert_eq!(v["pages"], 0);
    let (_, v) = e
        .get("/apis/apps/v2/instances?name=superorg-alpha-jupyter-00000001")
        .await;
    assert_eq!(v["total"], 1);
    for bad in ["page=0", "size=101", "size=0", "page=abc", "states=bogus"] {
        let (s, v) = e.get(&format!("{base}&{bad}")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(v["detail"].is_array(), "{bad}: {v}");
    }
    // `pages` switch.
    let (s, _) = e
        .call(
            Method::PUT,
            "/_emulator/settings",
            Some(json!({"pages": "omit"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = e.get(base).await;
    assert!(v.get("pages").is_none());
    e.call(
        Method::PUT,
        "/_emulator/settings",
        Some(json!({"pages": "one"})),
    )
    .await;
    let (_, v) = e.get(base).await;
    assert_eq!(v["pages"], 1);
}

#[tokio::test]
async fn install_configure_rollback_uninstall_lifecycle() {
    let e = emu(&["--speed", "0"]).await;
    let app = e.install("jupyter").await;
    assert_eq!(app["state"], "queued");
    assert_eq!(app["template_version"], "master");
    let id = app["id"].as_str().unwrap();
    // Instant mode: the next request sees the final state.
    let (s, got) = e.get(&format!("/apis/apps/v2/instances/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got["state"], "healthy");
    assert_eq!(got["endpoints"].as_array().unwrap().len(), 1);
    let (_, ev) = e.get(&format!("{V1_ALPHA}/instances/{id}/events")).await;
    let states: Vec<&str> = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["healthy", "progressing", "queued"]);
    // Configure, then read revisions and input.
    let (s, c) = e
        .call(
            Method::PUT,
            &format!("{V1_ALPHA}/instances/{id}"),
            Some(
                json!({"display_name": "x", "input": {"preset": {"name": "gpu"}}, "comment": "c"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["state"], "progressing");
    assert_eq!(c["display_name"], "x");
    let (_, revs) = e
        .get(&format!("/apis/apps/v2/instances/{id}/revisions"))
        .await;
    let revs = revs.as_array().unwrap();
    assert_eq!(revs.len(), 2);
    assert_eq!(revs[0]["revision_number"], 2);
    assert_eq!(revs[0]["end_at"], Value::Null);
    assert_eq!(revs[0]["comment"], "c");
    assert!(revs[1]["end_at"].is_string());
    let (_, inp) = e.get(&format!("{V1_ALPHA}/instances/{id}/input")).await;
    assert_eq!(inp["input"]["preset"]["name"], "gpu");
    assert_eq!(inp["template_name"], "jupyter");
    let (_, inp1) = e
        .get(&format!("{V1_ALPHA}/instances/{id}/revisions/1/input"))
        .await;
    assert_eq!(inp1["input"]["preset"]["name"], "cpu-small");
    let (s, _) = e
        .get(&format!("{V1_ALPHA}/instances/{id}/revisions/9/input"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Rollback with a comment.
    let (s, r) = e
        .post(
            &format!("{V1_ALPHA}/instances/{id}/revisions/1/rollback"),
            json!({"comment": "back"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["state"], "progressing");
    let (_, revs) = e
        .get(&format!("/apis/apps/v2/instances/{id}/revisions"))
        .await;
    assert_eq!(revs[0]["revision_number"], 3);
    assert_eq!(revs[0]["comment"], "back");
    let (s, _) = e
        .post(
            &format!("{V1_ALPHA}/instances/{id}/revisions/42/rollback"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Wrong project: scoped 404.
    let (s, v) = e.get(&format!("{V1_TEST3}/instances/{id}/input")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(v["detail"].is_string());
    // Uninstall: 204, readable afterwards, then gone for a second DELETE.
    let r = e
        .send(Method::DELETE, &format!("{V1_ALPHA}/instances/{id}"))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r.bytes().await.unwrap().is_empty());
    let (_, got) = e.get(&format!("/apis/apps/v2/instances/{id}")).await;
    assert_eq!(got["state"], "uninstalled");
    let r = e
        .send(Method::DELETE, &format!("{V1_ALPHA}/instances/{id}"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, ev) = e.get(&format!("{V1_ALPHA}/instances/{id}/events")).await;
    assert_eq!(ev["items"][0]["state"], "uninstalled");
    assert_eq!(ev["items"][1]["state"], "uninstalling");
}

/// Polls an app until it reaches `state` (the deadline only bounds a hang; the clock decides when).
async fn wait_for_state(e: &Emu, id: &str, state: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, got) = e.get(&format!("/apis/apps/v2/instances/{id}")).await;
        if got["state"] == state {
            return got;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{id} never reached {state}: {got}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn millis(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap_or_else(|_| panic!("timestamp {v}"))
        .timestamp_millis()
}

#[tokio::test]
async fn realistic_clock_and_forced_uninstall() {
    // So slow a clock that this app's first step (1 s / 0.001) cannot come while the test runs.
    let e = emu(&["--speed", "0.001", "--control"]).await;
    let slow = e.install("shell").await;
    let slow_id = slow["id"].as_str().unwrap().to_string();
    let (_, got) = e.get(&format!("/apis/apps/v2/instances/{slow_id}")).await;
    assert_eq!(got["state"], "queued", "not instant");
    // From now on speed 4: queued -> progressing after 250 ms, -> healthy 750 ms later.
    let (s, _) = e
        .call(Method::PUT, "/_emulator/clock", Some(json!({"speed": 4})))
        .await;
    assert_eq!(s, StatusCode::OK);
    let app = e.install("shell").await;
    let id = app["id"].as_str().unwrap().to_string();
    let got = wait_for_state(&e, &id, "healthy").await;
    // Each step came no earlier than its schedule (a lower bound holds however loaded the machine is).
    let created = millis(&got["created_at"]);
    let (_, ev) = e.get(&format!("{V1_ALPHA}/instances/{id}/events")).await;
    let steps: Vec<(String, i64)> = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|x| {
            (
                x["state"].as_str().unwrap().to_string(),
                millis(&x["created_at"]) - created,
            )
        })
        .collect();
    let states: Vec<&str> = steps.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(states, ["queued", "progressing", "healthy"], "{ev}");
    assert!(steps[1].1 >= 249, "progressing after {} ms", steps[1].1);
    assert!(steps[2].1 >= 999, "healthy after {} ms", steps[2].1);
    // A speed change applies to transitions scheduled after it: the first app is still waiting.
    let (_, got) = e.get(&format!("/apis/apps/v2/instances/{slow_id}")).await;
    assert_eq!(got["state"], "queued");
    let r = e
        .send(
            Method::DELETE,
            &format!("{V1_ALPHA}/instances/{id}?force=true"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (_, got) = e.get(&format!("/apis/apps/v2/instances/{id}")).await;
    assert_eq!(got["state"], "uninstalled");
    let (s, _) = e
        .call(Method::PUT, "/_emulator/clock", Some(json!({"speed": -1})))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = e
        .call(Method::PUT, "/_emulator/clock", Some(json!({"speed": 0})))
        .await;
    assert_eq!((s, v), (StatusCode::OK, json!({"speed": 0.0})));
    let b = e.install("shell").await;
    let (_, got) = e
        .get(&format!(
            "/apis/apps/v2/instances/{}",
            b["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(got["state"], "healthy");
}

#[tokio::test]
async fn upgrades_templates_outputs_values() {
    let e = emu(&["--control"]).await;
    let (s, v) = e
        .get(&format!(
            "/apis/apps/v2/instances/upgrades?id={VSCODE}&id={SD}"
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v[0]["id"], VSCODE);
    assert_eq!(v[1]["id"], SD);
    assert_eq!(
        v[1]["available_versions"],
        json!(["master", "v25.6.0", "v25.5.2"])
    );
    let (s, _) = e.get("/apis/apps/v2/instances/upgrades?id=nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (_, list) = e.get(&format!("{V1_ALPHA}/templates")).await;
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "shell" && t["version"] == "v25.7.0"));
    let (_, vers) = e.get(&format!("{V1_ALPHA}/templates/shell")).await;
    assert_eq!(
        vers.as_array()
            .unwrap()
            .iter()
            .map(|t| t["version"].clone())
            .collect::<Vec<_>>(),
        vec![json!("v25.7.0"), json!("v25.6.0"), json!("v25.5.1")]
    );
    let (_, latest) = e.get(&format!("{V1_ALPHA}/templates/shell/latest")).await;
    assert_eq!(latest["version"], "v25.7.0");
    assert_eq!(latest["input"]["type"], "object");
    let (s, v) = e.get(&format!("{V1_ALPHA}/templates/nope/latest")).await;
    assert_eq!((s, v), (StatusCode::OK, Value::Null));
    e.call(
        Method::PUT,
        "/_emulator/settings",
        Some(json!({"unknown_template": "404"})),
    )
    .await;
    let (s, _) = e.get(&format!("{V1_ALPHA}/templates/nope/latest")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, d2) = e
        .get("/apis/apps/v2/templates/stable-diffusion/v25.5.2")
        .await;
    assert_eq!(d2["version"], "v25.5.2");
    let (s, schema) = e
        .get("/apis/apps/v2/templates/stable-diffusion/master/schema")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(schema["properties"]["replicas"].is_object());

    // Outputs: present on a healthy seeded app, 404 text on a queued one until posted.
    let (s, out) = e.get(&format!("{V1_TEST3}/instances/{SD}/output")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(out["api_url"]["__type__"], "ServiceAPI[RestAPI]");
    let queued = "0f3c9a10-8d2e-4b6f-a1c3-5e7d9b2f4a60";
    let r = e
        .send(
            Method::GET,
            &format!("{V1_ALPHA}/instances/{queued}/output"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(header(&r, "content-type").starts_with("text/plain"));
    let (s, _) = e
        .post(
            &format!("{V1_ALPHA}/instances/{queued}/output"),
            json!({"output": {"db": {"dsn": "x", "__type__": "PostgresURI"}}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, vals) = e
        .get(&format!("{V1_ALPHA}/instances/{queued}/values"))
        .await;
    assert_eq!(
        vals["items"],
        json!([{"instance_id": queued, "type": "PostgresURI", "path": "$.db", "value": {"dsn": "x", "__type__": "PostgresURI"}}])
    );
    let (_, vals) = e
        .get(&format!(
            "{V1_ALPHA}/instances/values?type=CrunchyPostgresUserCredentials"
        ))
        .await;
    assert_eq!(vals["items"].as_array().unwrap().len(), 2);
    let (_, vals) = e.get(&format!("{V1_ALPHA}/instances/values")).await;
    assert!(vals["items"].as_array().unwrap().len() >= 6);
}

#[tokio::test]
async fn install_errors_have_platform_shapes() {
    let e = emu(&["--validation-status", "400"]).await;
    let path = format!("{V1_ALPHA}/instances");
    let send = |body: &'static str| {
        e.authed(Method::POST, &path)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let r = send("{not json").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["detail"][0]["type"], "json_invalid");
    let r = send(r#"{"template_version": "latest"}"#).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = send(r#"{"template_name": "jupyter", "template_version": "latest", "input": {}}"#)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errors"][0]["path"], json!(["input"]));
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("preset"));
    let r = send(r#"{"template_name": "shell", "template_version": "v25.5.1", "input": {"http_auth": true}}"#).await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "key unknown to v25.5.1"
    );
    let r = send(r#"{"template_name": "shell", "template_version": "v9"}"#)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = send("").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// Sends `body` and expects FastAPI's 422 with exactly this one `detail` item.
async fn expect_422(e: &Emu, method: Method, path: &str, body: Value, detail: Value) {
    let (s, v) = e.call(method.clone(), path, Some(body.clone())).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{method} {path} {body}"
    );
    assert_eq!(v, json!({ "detail": [detail] }), "{method} {path} {body}");
}

#[tokio::test]
async fn body_type_errors_have_fastapi_shapes() {
    let e = emu(&[]).await;
    let install = format!("{V1_ALPHA}/instances");
    let app = format!("{V1_ALPHA}/instances/{VSCODE}");
    let rollback = format!("{app}/revisions/1/rollback");
    let output = format!("{app}/output");
    // A body with one field of the wrong type; an install's carries the required fields too.
    let body = |path: &String, field: &str, value: &Value| {
        let mut b = if *path == install {
            json!({"template_name": "shell", "template_version": "latest"})
        } else {
            json!({})
        };
        b[field] = value.clone();
        b
    };
    for (method, path) in [(Method::POST, &install), (Method::PUT, &app)] {
        let detail = json!({"type": "model_attributes_type", "loc": ["body"], "msg": "Input should be a valid dictionary or object to extract fields from", "input": [1]});
        expect_422(&e, method, path, json!([1]), detail).await;
    }
    for (method, path, field, value) in [
        (Method::POST, &install, "template_name", json!(1)),
        (Method::POST, &install, "display_name", json!(5)),
        (Method::PUT, &app, "template_version", json!(1)),
        (Method::PUT, &app, "comment", json!(1)),
        (Method::PUT, &app, "display_name", json!(true)),
        (Method::POST, &rollback, "comment", json!(2)),
    ] {
        let detail = json!({"type": "string_type", "loc": ["body", field], "msg": "Input should be a valid string", "input": value});
        expect_422(&e, method, path, body(path, field, &value), detail).await;
    }
    for (method, path, field, value) in [
        (Method::POST, &install, "input", json!("x")),
        (Method::PUT, &app, "input", json!([])),
        (Method::POST, &output, "output", json!("x")),
    ] {
        let detail = json!({"type": "dict_type", "loc": ["body", field], "msg": "Input should be a valid dictionary", "input": value});
        expect_422(&e, method, path, body(path, field, &value), detail).await;
    }
    // None of them reached the store: still one revision, no new app.
    let (_, revs) = e
        .get(&format!("/apis/apps/v2/instances/{VSCODE}/revisions"))
        .await;
    assert_eq!(revs.as_array().unwrap().len(), 1);
    let (_, list) = e.get("/apis/apps/v2/instances").await;
    assert_eq!(list["total"], 9);
}

/// The response head to a 2 MiB POST, over a raw socket. The server may answer and close while the
/// body is still being written, and an HTTP client library then often fails on its write and never
/// shows the answer; here the body is written alongside the reads, write errors are ignored, and the
/// head is read whatever happens to the upload (empty when no answer came).
async fn oversize_post_answer(e: &Emu, chunked: bool) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const SIZE: usize = 2 * 1024 * 1024;
    let addr = e.base.trim_start_matches("http://").to_string();
    let (mut rd, mut wr) = tokio::net::TcpStream::connect(&addr)
        .await
        .unwrap()
        .into_split();
    let framing = if chunked {
        "transfer-encoding: chunked".to_string()
    } else {
        format!("content-length: {SIZE}")
    };
    let head = format!(
        "POST {V1_ALPHA}/instances HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\n{framing}\r\n\r\n",
        e.token
    );
    let writer = tokio::spawn(async move {
        wr.write_all(head.as_bytes()).await?;
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..SIZE / chunk.len() {
            if chunked {
                wr.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .await?;
            }
            wr.write_all(&chunk).await?;
            if chunked {
                wr.write_all(b"\r\n").await?;
            }
        }
        if chunked {
            wr.write_all(b"0\r\n\r\n").await?;
        }
        Ok::<_, std::io::Error>(wr) // the write half stays open until the answer is read
    });
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout(Duration::from_secs(10), rd.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    writer.abort();
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test]
async fn bad_inputs_never_break_the_server() {
    let e = emu(&["--control"]).await;
    // Huge body: 413, with and without Content-Length.
    for chunked in [false, true] {
        let head = oversize_post_answer(&e, chunked).await;
        assert!(
            head.starts_with("HTTP/1.1 413 "),
            "chunked={chunked}: {head:?}"
        );
    }
    // Unknown routes and odd segments.
    for p in [
        "/nope",
        "/apis/apps/v3/instances",
        "/apis/apps/v2/instances/",
        "/apis/apps/v2/instances/a/b/c/d",
    ] {
        let (s, v) = e.get(p).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
        assert_eq!(v, json!({"detail": "Not Found"}), "{p}");
    }
    for p in [
        "%FF%FE",
        "..",
        "%2E%2E",
        "a%2Fb",
        "%20sp%20ace",
        "%E2%9C%93",
        "%25",
    ] {
        let (s, v) = e.get(&format!("/apis/apps/v2/instances/{p}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}: {v}");
    }
    for p in ["%FF", "nope", "a%2Fb"] {
        let (s, v) = e.get(&format!("/api/v1/apps/{p}/log")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
        assert_eq!(v, json!({"error": "Platform-apps: Not Found"}), "{p}");
    }
    let (s, _) = e
        .get(&format!(
            "{V1_ALPHA}/instances/{VSCODE}/revisions/abc/input"
        ))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let r = e
        .send(
            Method::DELETE,
            &format!("{V1_ALPHA}/instances/{VSCODE}?force=maybe"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (s, v) = e
        .call(
            Method::PATCH,
            &format!("/apis/apps/v2/instances/{SD}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{v}");
    // Still alive.
    let (s, _) = e.get(&format!("/apis/apps/v2/instances/{SD}")).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn odd_ids_created_through_control_are_reachable_percent_encoded() {
    let e = emu(&["--control"]).await;
    for (id, encoded) in [
        ("a/b", "a%2Fb"),
        ("50% off", "50%25%20off"),
        ("naïve ✓", "na%C3%AFve%20%E2%9C%93"),
    ] {
        let (s, app) = e
            .post(
                "/_emulator/apps",
                json!({"id": id, "state": "degraded", "project_name": "test3"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(app["id"], id);
        assert_eq!(app["state"], "degraded");
        let (s, got) = e.get(&format!("/apis/apps/v2/instances/{encoded}")).await;
        assert_eq!(s, StatusCode::OK, "{id}");
        assert_eq!(got["id"], id);
        let (s, _) = e
            .get(&format!("{V1_TEST3}/instances/{encoded}/events"))
            .await;
        assert_eq!(s, StatusCode::OK, "{id}");
    }
    // URL libraries fold `%2E%2E` into `..` and drop it; send it raw to check the server keeps it.
    e.post("/_emulator/apps", json!({"id": ".."})).await;
    let raw = raw_get(&e, "/apis/apps/v2/instances/%2E%2E").await;
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(raw.contains(r#""id":"..""#), "{raw}");
    let raw = raw_get(&e, "/apis/apps/v2/instances/../instances/%2E%2E").await;
    assert!(raw.starts_with("HTTP/1.1 404"), "{raw}");
    let (s, v) = e
        .post("/_emulator/apps/a%2Fb/state", json!({"state": "errored"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["state"], "errored");
    let (s, _) = e
        .post("/_emulator/apps/missing/state", json!({"state": "errored"}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn raw_get(e: &Emu, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = e.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n", e.token);
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn control_api_is_off_without_the_flag() {
    let e = emu(&[]).await;
    let (s, v) = e.post("/_emulator/reset", json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v, json!({"detail": "Not Found"}));
}

#[tokio::test]
async fn request_log_and_reset() {
    let e = emu(&["--control"]).await;
    e.get("/apis/apps/v2/instances?cluster=default&states=queued&states=healthy")
        .await;
    e.post(
        &format!("{V1_ALPHA}/instances/{VSCODE}/revisions/1/rollback"),
        json!({"comment": "c"}),
    )
    .await;
    e.get("/apis/apps/v2/instances/a%2Fb").await;
    let (_, log) = e.get("/_emulator/requests").await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 3, "control routes are not recorded: {log:?}");
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["path"], "/apis/apps/v2/instances");
    assert_eq!(
        log[0]["query"],
        "cluster=default&states=queued&states=healthy"
    );
    assert_eq!(log[0]["body"], Value::Null);
    assert_eq!(
        log[0]["headers"]["authorization"],
        format!("Bearer {}", e.token)
    );
    assert_eq!(log[1]["body"], r#"{"comment":"c"}"#);
    assert_eq!(log[1]["headers"]["content-type"], "application/json");
    assert_eq!(log[2]["path"], "/apis/apps/v2/instances/a%2Fb");
    let r = e.send_anon(Method::DELETE, "/_emulator/requests").await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (_, log) = e.get("/_emulator/requests").await;
    assert_eq!(log, json!([]));

    let (s, v) = e.post("/_emulator/reset", json!({"seed": "empty"})).await;
    assert_eq!((s, v), (StatusCode::OK, json!({"apps": 0})));
    let (_, v) = e.get("/apis/apps/v2/instances").await;
    assert_eq!(v["total"], 0);
    let (_, v) = e
        .post(
            "/_emulator/reset",
            json!({"seed": "generated", "apps": 7, "events": 3, "log_bytes": 10}),
        )
        .await;
    assert_eq!(v["apps"], 7);
    let (_, v) = e.post("/_emulator/reset", json!({})).await;
    assert_eq!(v["apps"], 9, "default: the startup seed (demo)");
    let (s, _) = e.post("/_emulator/reset", json!({"seed": "bogus"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn faults_status_retry_after_times_malformed_delay_drop() {
    let e = emu(&["--control"]).await;
    let (s, v) = e
        .post("/_emulator/faults", json!({"method": "GET", "path": "/apis/apps/v2/instances/*", "status": 503, "body": {"detail": "busy"}, "retry_after": 2, "headers": {"x-test": "1"}, "times": 2}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(v["id"].is_string());
    let path = format!("/apis/apps/v2/instances/{SD}");
    for _ in 0..2 {
        let r = e.send(Method::GET, &path).await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()["retry-after"], "2");
        assert_eq!(r.headers()["x-test"], "1");
        assert_eq!(r.json::<Value>().await.unwrap(), json!({"detail": "busy"}));
    }
    let (s, _) = e.get(&path).await;
    assert_eq!(s, StatusCode::OK, "times exhausted");
    // Method mismatch does not match.
    e.post(
        "/_emulator/faults",
        json!({"method": "POST", "path": "/apis/*", "status": 500}),
    )
    .await;
    let (s, _) = e.get(&path).await;
    assert_eq!(s, StatusCode::OK);
    e.send_anon(Method::DELETE, "/_emulator/faults").await;

    e.post(
        "/_emulator/faults",
        json!({"path": "/apis/apps/v2/instances", "malformed_json": true, "times": 1}),
    )
    .await;
    let r = e.send(Method::GET, "/apis/apps/v2/instances").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());

    e.post(
        "/_emulator/faults",
        json!({"path": "/apis/apps/v2/instances", "delay_ms": 300, "times": 1}),
    )
    .await;
    let t0 = std::time::Instant::now();
    let (s, _) = e.get("/apis/apps/v2/instances").await;
    assert_eq!(s, StatusCode::OK);
    assert!(t0.elapsed() >= Duration::from_millis(300));

    e.post(
        "/_emulator/faults",
        json!({"path": "/apis/apps/v2/instances", "drop": true, "times": 1}),
    )
    .await;
    let r = e
        .authed(Method::GET, "/apis/apps/v2/instances")
        .send()
        .await;
    assert!(r.is_err(), "connection dropped without a response");
    let (s, _) = e.get("/apis/apps/v2/instances").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = e.post("/_emulator/faults", json!({"status": 500})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "path is required");
    // Faulted requests are still recorded.
    let (_, log) = e.get("/_emulator/requests").await;
    assert!(log.as_array().unwrap().len() >= 8);
}

#[tokio::test]
async fn cors_preflight_and_headers() {
    let e = emu(&["--cors-origin", "*", "--control"]).await;
    let r = e
        .http
        .request(Method::OPTIONS, e.url("/apis/apps/v2/instances"))
        .header("origin", "http://127.0.0.1:9999")
        .header("access-control-request-method", "PUT")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let allowed = header(&r, "access-control-allow-headers").to_ascii_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    assert!(header(&r, "access-control-allow-methods").contains("PUT"));
    // The same cross-origin GET, before and after a fault is set.
    let cross_origin_get = || {
        e.authed(Method::GET, "/apis/apps/v2/instances")
            .header("origin", "http://x")
            .send()
    };
    let r = cross_origin_get().await.unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    // Fault answers carry CORS headers too, so browsers can read them.
    e.post(
        "/_emulator/faults",
        json!({"path": "/apis/*", "status": 503, "retry_after": 1, "times": 1}),
    )
    .await;
    let r = cross_origin_get().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(header(&r, "access-control-expose-headers")
        .to_ascii_lowercase()
        .contains("retry-after"));
}

#[tokio::test]
async fn static_folders_with_module_and_wasm_mime_types() {
    let dir = std::env::temp_dir().join(format!("emu-static-{}", std::process::id()));
    let pkg = dir.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>demo</h1>").unwrap();
    std::fs::write(pkg.join("web.js"), "export {}").unwrap();
    std::fs::write(pkg.join("m.mjs"), "export {}").unwrap();
    std::fs::write(pkg.join("x.wasm"), [0u8, 97, 115, 109]).unwrap();
    let root = format!("/={}", dir.display());
    let pk = format!("/pkg={}", pkg.display());
    let e = emu(&["--serve", &root, "--serve", &pk]).await;
    let r = e.send_anon(Method::GET, "/").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, "content-type").starts_with("text/html"));
    let r = e.send_anon(Method::GET, "/pkg/web.js").await;
    assert!(
        header(&r, "content-type").starts_with("text/javascript"),
        "{}",
        header(&r, "content-type")
    );
    let r = e.send_anon(Method::GET, "/pkg/m.mjs").await;
    assert!(header(&r, "content-type").starts_with("text/javascript"));
    let r = e.send_anon(Method::GET, "/pkg/x.wasm").await;
    assert_eq!(header(&r, "content-type"), "application/wasm");
    let r = e.send_anon(Method::GET, "/pkg/none.js").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = e.send_anon(Method::GET, "/missing.html").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // API routes still win.
    let (s, _) = e.get(&format!("/apis/apps/v2/instances/{SD}")).await;
    assert_eq!(s, StatusCode::OK);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------- logs ----------

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn ws_connect(
    e: &Emu,
    path: &str,
    protocols: Option<String>,
    header_token: bool,
) -> Result<(Ws, Option<String>), tokio_tungstenite::tungstenite::Error> {
    let mut req = e.ws_url(path).into_client_request().unwrap();
    if let Some(p) = protocols {
        req.headers_mut()
            .insert("sec-websocket-protocol", HeaderValue::from_str(&p).unwrap());
    }
    if header_token {
        req.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {}", e.token)).unwrap(),
        );
    }
    let (ws, resp) = tokio_tungstenite::connect_async(req).await?;
    let proto = resp
        .headers()
        .get("sec-websocket-protocol")
        .map(|v| v.to_str().unwrap().to_string());
    Ok((ws, proto))
}

/// Opens a log stream with the token in the Authorization header; the handshake must succeed.
async fn ws_open(e: &Emu, path: &str) -> Ws {
    let (ws, _) = ws_connect(e, path, None, true).await.unwrap();
    ws
}

/// Reads binary frames until `pred` holds on the text so far, or the socket closes.
/// Returns (text, close code if closed).
async fn read_until(ws: &mut Ws, pred: impl Fn(&str) -> bool) -> (String, Option<u16>) {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("timed out reading logs");
        match msg {
            Some(Ok(Message::Binary(b))) => {
                text.push_str(std::str::from_utf8(&b).unwrap());
                if pred(&text) {
                    return (text, None);
                }
            }
            Some(Ok(Message::Close(f))) => {
                return (text, Some(f.map(|f| u16::from(f.code)).unwrap_or(0)))
            }
            Some(Ok(Message::Text(t))) => panic!("text frame sent: {t}"),
            Some(Ok(_)) => {}
            Some(Err(err)) => panic!("ws error: {err}"),
            None => return (text, Some(0)),
        }
    }
}

#[tokio::test]
async fn logs_archive_separator_live_then_close_on_stop() {
    let e = emu(&["--control", "--speed", "0"]).await;
    let proto = format!("logs.apolo.us, bearer.apolo.us-{}", e.token);
    let (mut ws, selected) = ws_connect(
        &e,
        &format!("/api/v1/apps/{VSCODE}/log_ws"),
        Some(proto),
        false,
    )
    .await
    .unwrap();
    assert_eq!(selected.as_deref(), Some("logs.apolo.us"));
    ws.send(Message::Text("ignored".into())).await.unwrap();
    let (text, closed) = read_until(&mut ws, |t| t.contains("live line 1\n")).await;
    assert_eq!(closed, None);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "vscode vscode: Pulling image (line 0)");
    assert_eq!(
        lines[39],
        "vscode vscode: Handled POST /api in 12ms (line 39)"
    );
    assert!(lines[40].starts_with("=== Live logs ==="));
    assert_eq!(lines[40].len(), "=== Live logs ===".len() + 60);
    assert!(lines[40]["=== Live logs ===".len()..]
        .chars()
        .all(|c| c.is_ascii_hexdigit()));
    assert_eq!(lines[41], "vscode vscode: live line 0");
    // Stopping the app ends the stream with 1000.
    let (s, _) = e
        .post(
            &format!("/_emulator/apps/{VSCODE}/state"),
            json!({"state": "errored"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, closed) = read_until(&mut ws, |_| false).await;
    assert_eq!(closed, Some(1000));
}

#[tokio::test]
async fn logs_of_a_stopped_app_are_archive_then_close() {
    let e = emu(&[]).await;
    let (mut ws, selected) = ws_connect(
        &e,
        &format!(
            "/api/v1/apps/{UNINSTALLED}/log_ws?neuro-auth-token={}&timestamps=true",
            e.token
        ),
        None,
        false,
    )
    .await
    .unwrap();
    assert_eq!(selected, None, "nothing offered, nothing selected");
    let (text, closed) = read_until(&mut ws, |_| false).await;
    assert_eq!(closed, Some(1000));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 40, "no separator without live lines");
    // created_at of the 9th demo app = 2025-05-07T11:00Z + 8 h.
    assert_eq!(
        lines[0],
        "2025-05-07T19:00:00.000000Z shell shell: Pulling image (line 0)"
    );
    assert_eq!(
        lines[1],
        "2025-05-07T19:00:00.100000Z shell shell: Starting container (line 1)"
    );
}

#[tokio::test]
async fn logs_since_prefix_container_filters() {
    let e = emu(&[]).await;
    // SD was created 2025-05-07T11:00Z; since +3 s skips 30 lines; containers alternate app/model-loader.
    let path = format!("/api/v1/apps/{SD}/log_ws?since=2025-05-07T11:00:03%2B00:00&prefix=true&container=model-loader");
    let mut ws = ws_open(&e, &path).await;
    let (text, _) = read_until(&mut ws, |t| t.contains("live line")).await;
    let lines: Vec<&str> = text.lines().collect();
    let pod = "superorg-test3-stable-diffusion-704285b2-0";
    assert_eq!(
        lines[0],
        format!(
            "{pod}/model-loader stable-diffusion model-loader: Handled POST /api in 12ms (line 31)"
        )
    );
    assert_eq!(
        lines.iter().filter(|l| l.contains("(line ")).count(),
        5,
        "lines 31,33,35,37,39"
    );
    assert!(lines.iter().all(|l| !l.contains(" app: ")));
    let live = lines.iter().find(|l| l.contains("live line")).unwrap();
    assert!(
        live.starts_with(&format!("[{pod}/model-loader] ")),
        "{live}"
    );
    // since before created_at is clamped: the full archive.
    let mut ws = ws_open(&e, &format!("/api/v1/apps/{SD}/log_ws?since=2020-01-01")).await;
    let (text, _) = read_until(&mut ws, |t| t.contains("live line")).await;
    assert!(text.starts_with("stable-diffusion app: Pulling image (line 0)\n"));
    // Live lines with timestamps carry nanoseconds.
    let mut ws = ws_open(
        &e,
        &format!("/api/v1/apps/{SD}/log_ws?timestamps=1&since=2030-01-01T00:00:00Z"),
    )
    .await;
    let (text, _) = read_until(&mut ws, |t| t.contains("live line")).await;
    assert!(
        !text.contains("=== Live logs ==="),
        "no archive, no separator: {text}"
    );
    let ts = text.split(' ').next().unwrap();
    assert_eq!(ts.len(), "2025-05-07T11:00:00.000000000Z".len(), "{ts}");
}

#[tokio::test]
async fn logs_handshake_errors_have_status_and_x_error() {
    let e = emu(&[]).await;
    let status_of = |r: Result<(Ws, Option<String>), tokio_tungstenite::tungstenite::Error>| match r
    {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            let xe = resp
                .headers()
                .get("x-error")
                .map(|v| v.to_str().unwrap().to_string());
            (resp.status().as_u16(), xe)
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("handshake should fail"),
    };
    let (s, xe) =
        status_of(ws_connect(&e, &format!("/api/v1/apps/{SD}/log_ws"), None, false).await);
    assert_eq!((s, xe.as_deref()), (401, Some("401: Unauthorized")));
    // Bearer entry first: the trailing comma spoils the token, as on the platform.
    let (s, _) = status_of(
        ws_connect(
            &e,
            &format!("/api/v1/apps/{SD}/log_ws"),
            Some(format!("bearer.apolo.us-{}, logs.apolo.us", e.token)),
            false,
        )
        .await,
    );
    assert_eq!(s, 401);
    let (s, xe) = status_of(ws_connect(&e, "/api/v1/apps/nope/log_ws", None, true).await);
    assert_eq!(s, 404);
    assert_eq!(
        serde_json::from_str::<Value>(&xe.unwrap()).unwrap(),
        json!({"error": "Platform-apps: Not Found"})
    );
    let (s, xe) = status_of(
        ws_connect(
            &e,
            &format!("/api/v1/apps/{SD}/log_ws?timestamps=maybe"),
            None,
            true,
        )
        .await,
    );
    assert_eq!(s, 400);
    assert!(xe.unwrap().contains("timestamps"));
    let (s, _) = status_of(
        ws_connect(
            &e,
            &format!("/api/v1/apps/{SD}/log_ws?since=not-a-date"),
            None,
            true,
        )
        .await,
    );
    assert_eq!(s, 400);
    // containers route
    let (s, v) = e.get(&format!("/api/v1/apps/{SD}/containers")).await;
    assert_eq!((s, v), (StatusCode::OK, json!(["app", "model-loader"])));
    let r = e
        .send_anon(Method::GET, &format!("/api/v1/apps/{SD}/containers"))
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logs_ws_drop_after_bytes_and_http_variant() {
    let e = emu(&[
        "--control",
        "--seed",
        "generated",
        "--gen-apps",
        "5",
        "--gen-log-bytes",
        "200000",
    ])
    .await;
    let healthy = "00000002-0000-4000-8000-000000000000";
    e.post(
        "/_emulator/faults",
        json!({"path": "/api/v1/apps/*/log_ws", "ws_drop_after_bytes": 1000, "times": 1}),
    )
    .await;
    let mut ws = ws_open(&e, &format!("/api/v1/apps/{healthy}/log_ws")).await;
    let mut got = 0usize;
    let mut clean_close = false;
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
        match msg {
            Ok(Message::Binary(b)) => got += b.len(),
            Ok(Message::Close(_)) => clean_close = true,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    assert_eq!(got, 1000);
    assert!(!clean_close, "cut without a close frame");
    // HTTP variant of a large stopped-app archive streams completely with the separator header.
    let stopped = "00000004-0000-4000-8000-000000000000"; // errored
    let r = e
        .send(Method::GET, &format!("/api/v1/apps/{stopped}/log"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, "x-separator").starts_with("=== Live logs ==="));
    let body = r.text().await.unwrap();
    assert!(body.len() >= 200_000 - 100, "{}", body.len());
    assert!(
        body.starts_with("postgres postgres: Pulling image (line 0)\n"),
        "{}",
        &body[..80]
    );
    assert!(
        !body.contains("=== Live logs ==="),
        "a stopped app has no live part"
    );
}

#[tokio::test]
async fn slow_reader_does_not_stall_the_server() {
    let e = emu(&[
        "--seed",
        "generated",
        "--gen-apps",
        "5",
        "--gen-log-bytes",
        "20000000",
    ])
    .await;
    let healthy = "00000002-0000-4000-8000-000000000000";
    // Open the stream and read nothing: the producer must wait, other requests must go on.
    let mut ws = ws_open(&e, &format!("/api/v1/apps/{healthy}/log_ws")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (s, _) = e.get(&format!("/apis/apps/v2/instances/{healthy}")).await;
    assert_eq!(s, StatusCode::OK);
    let (text, _) = read_until(&mut ws, |t| t.len() > 100_000).await;
    assert!(
        text.starts_with("vscode vscode: Pulling image (line 0)\n"),
        "{}",
        &text[..80]
    );
}

#[tokio::test]
async fn http_log_plain_and_ndjson() {
    let e = emu(&[]).await;
    let r = e
        .send(
            Method::GET,
            &format!("/api/v1/apps/{UNINSTALLED}/log?timestamps=true"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, "content-type").starts_with("text/plain"));
    let text = r.text().await.unwrap();
    assert_eq!(text.lines().count(), 40);
    assert!(text.starts_with("2025-05-07T19:00:00.000000Z shell shell: Pulling image (line 0)\n"));
    let r = e
        .http
        .get(e.url(&format!(
            "/api/v1/apps/{UNINSTALLED}/log?neuro-auth-token={}",
            e.token
        )))
        .header("accept", "application/x-ndjson")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/x-ndjson");
    let text = r.text().await.unwrap();
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(
        first,
        json!({"container": "shell", "log": "shell shell: Pulling image (line 0)\n",
               "pod": "superorg-alpha-shell-e1f3a5c7-0", "namespace": "apolo-superorg-alpha"})
    );
    assert_eq!(text.lines().count(), 40);
    let r = e
        .send_anon(Method::GET, &format!("/api/v1/apps/{UNINSTALLED}/log"))
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["x-error"], "401: Unauthorized");
    assert_eq!(r.text().await.unwrap(), "401: Unauthorized");
}

/// Virtual time: the runtime jumps over idle waits, so 30 s of stream take milliseconds.
#[tokio::test(start_paused = true)]
async fn logs_ping_every_30_seconds() {
    let e = emu(&[]).await;
    let mut ws = ws_open(
        &e,
        &format!("/api/v1/apps/{VSCODE}/log_ws?timestamps=false"),
    )
    .await;
    let started = tokio::time::Instant::now();
    let mut live = 0;
    loop {
        match ws.next().await {
            Some(Ok(Message::Ping(_))) => break,
            Some(Ok(Message::Binary(b))) => {
                live += std::str::from_utf8(&b)
                    .unwrap()
                    .matches("live line")
                    .count()
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(30) && waited < Duration::from_secs(31),
        "{waited:?}"
    );
    assert!(
        (140..=151).contains(&live),
        "one live line per 200 ms before the ping: {live}"
    );
}
