//! The Apps API and /config over HTTP: auth, lists and paging, the install/configure/rollback/uninstall
//! lifecycle and clock, templates, outputs and values, and the platform's error shapes.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

mod common;
use common::*;

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
    let token = e.mint_token("alice").await;
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
    e.settings(json!({"pages": "omit"})).await;
    let (_, v) = e.get(base).await;
    assert!(v.get("pages").is_none());
    e.settings(json!({"pages": "one"})).await;
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
    e.settings(json!({"unknown_template": "404"})).await;
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
    let addr = e.addr.to_string();
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

/// A GET with the token as raw HTTP/1.1, so the path reaches the server exactly as written.
async fn raw_get(e: &Emu, path: &str) -> String {
    let auth = format!("authorization: Bearer {}\r\n", e.token);
    let out = raw(e, &get_request(path, &e.addr.to_string(), &auth))
        .await
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}
