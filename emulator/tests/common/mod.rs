//! What the test files share: a real emulator on 127.0.0.1, a client for it and the seed's fixed ids.
// Each test file is its own crate and uses only part of this.
#![allow(dead_code)]

use apolo_apps_emulator::{start, Options};
use clap::Parser;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const SD: &str = "704285b2-aab1-4b0a-b8ff-bfbeb37f89e4"; // healthy, project test3
pub const VSCODE: &str = "5a5fa379-4635-4418-959f-457b44280c21"; // healthy, project alpha
pub const UNINSTALLED: &str = "e1f3a5c7-9b2d-4e6f-8a0c-4b6d8f0a2c5e";
pub const V1_ALPHA: &str = "/apis/apps/v1/cluster/default/org/superorg/project/alpha";
pub const V1_TEST3: &str = "/apis/apps/v1/cluster/default/org/superorg/project/test3";

/// A WebSocket client connection.
pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

pub struct Emu {
    pub addr: SocketAddr,
    /// `http://HOST:PORT`
    pub base: String,
    pub token: String,
    pub http: Client,
}

/// A fresh emulator started with these command-line arguments.
pub async fn emu(args: &[&str]) -> Emu {
    let mut argv = vec!["apolo-apps-emulator", "--port", "0"];
    argv.extend_from_slice(args);
    let running = start(Options::parse_from(argv))
        .await
        .expect("server starts");
    Emu {
        addr: running.addr,
        base: format!("http://{}", running.addr),
        token: running.token.clone(),
        http: Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap(),
    }
}

/// An emulator with the control API and an instant clock, plus these arguments.
pub async fn emu_control(args: &[&str]) -> Emu {
    let mut argv = vec!["--control", "--speed", "0"];
    argv.extend_from_slice(args);
    emu(&argv).await
}

impl Emu {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{}", self.addr, path)
    }
    /// A request carrying the emulator's token, to add headers or a body to.
    pub fn authed(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.token)
    }
    /// The raw response to a request with the token, for status, headers and body checks.
    pub async fn send(&self, method: Method, path: &str) -> Response {
        self.authed(method, path).send().await.expect("response")
    }
    /// The raw response to a request without any token.
    pub async fn send_anon(&self, method: Method, path: &str) -> Response {
        self.http
            .request(method, self.url(path))
            .send()
            .await
            .expect("response")
    }
    /// The raw response to a GET with another token.
    pub async fn get_with(&self, path: &str, token: &str) -> Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("response")
    }
    /// Status and body (JSON, or the text as a JSON string) of a request with the token.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
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
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    /// Installs the latest `template` in project alpha.
    pub async fn install(&self, template: &str) -> Value {
        let (s, app) = self
            .post(&format!("{V1_ALPHA}/instances"), json!({"template_name": template, "template_version": "latest", "input": {"preset": {"name": "cpu-small"}}}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{app}");
        app
    }
    /// A control API call (no token) that must succeed; its JSON answer or null.
    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, self.url(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        let text = r.text().await.unwrap();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
    /// Changes settings through the control API; the settings after the change.
    pub async fn settings(&self, change: Value) -> Value {
        self.control(Method::PUT, "/_emulator/settings", Some(change))
            .await
    }
    /// A fresh token for `user` from the control API.
    pub async fn mint_token(&self, user: &str) -> String {
        let v = self
            .control(
                Method::POST,
                "/_emulator/token",
                Some(json!({ "user": user })),
            )
            .await;
        v["token"].as_str().unwrap().to_string()
    }
    /// Adds a fault; its id.
    pub async fn fault(&self, f: Value) -> String {
        let v = self
            .control(Method::POST, "/_emulator/faults", Some(f))
            .await;
        v["id"].as_str().unwrap().to_string()
    }
    /// The request log.
    pub async fn log(&self) -> Vec<Value> {
        let v = self.control(Method::GET, "/_emulator/requests", None).await;
        v.as_array().unwrap().clone()
    }
    pub async fn stats(&self) -> Value {
        self.control(Method::GET, "/_emulator/stats", None).await
    }
    /// Polls the stats until `key` reaches `want` (the server ends things asynchronously).
    pub async fn wait_stat(&self, key: &str, want: u64) {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let s = self.stats().await;
            if s[key] == want {
                return;
            }
            assert!(
                Instant::now() < until,
                "{key} stayed {} (want {want})",
                s[key]
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A response header that must be there, as text.
pub fn header<'a>(r: &'a Response, name: &str) -> &'a str {
    r.headers()[name].to_str().unwrap()
}

/// Sends raw bytes and returns what came back before the server closed, or the read error.
pub async fn raw(e: &Emu, request: &str) -> std::io::Result<Vec<u8>> {
    let mut s = TcpStream::connect(e.addr).await?;
    s.write_all(request.as_bytes()).await?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).await?;
    Ok(out)
}

/// A GET as raw HTTP/1.1 text (`extra`: header lines, each ending in CRLF).
pub fn get_request(path: &str, host: &str, extra: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nhost: {host}\r\n{extra}connection: close\r\n\r\n")
}
