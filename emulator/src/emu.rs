//! The shared server state: data, clock, settings, faults and the request log.

use crate::http::PagesMode;
use crate::seed::{self, GenSizes, SeedKind};
use crate::store::Store;
use axum::http::StatusCode;
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch;

pub const REQUEST_LOG_LIMIT: usize = 10_000;
/// Token use counters kept at most (a client minting endless tokens must not grow memory).
const TOKEN_COUNT_LIMIT: usize = 100_000;

#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Settings {
    /// `true`: unknown template → 404 instead of 200 `null`.
    #[serde(serialize_with = "ser_unknown")]
    pub unknown_template: bool,
    pub validation_status: u16,
    pub pages: PagesMode,
    /// A token is refused (401) after this many requests presented it; `None` = never.
    pub token_max_uses: Option<u64>,
    /// A token is refused this long after its first request; `None` = never.
    pub token_ttl_ms: Option<u64>,
}

fn ser_unknown<S: serde::Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if *v { "404" } else { "null" })
}

impl Settings {
    /// The status of input-validation refusals (`{"errors": [...]}` bodies).
    pub fn validation_status(&self) -> StatusCode {
        StatusCode::from_u16(self.validation_status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Fault {
    pub id: String,
    pub method: Option<String>,
    pub path: String,
    pub status: Option<u16>,
    pub body: Option<Value>,
    pub headers: Map<String, Value>,
    pub retry_after: Option<Value>,
    pub delay_ms: u64,
    pub malformed_json: bool,
    pub drop: bool,
    /// Close with a TCP reset (RST) instead of `drop`'s orderly close.
    pub reset: bool,
    /// Never answer (until the client goes away or `HANG_LIMIT` passes).
    pub hang: bool,
    pub ws_drop_after_bytes: Option<usize>,
    /// Logs routes: stream this many bytes of filler lines as fast as the reader takes them.
    pub firehose_bytes: Option<u64>,
    pub times: Option<u64>,
}

impl Fault {
    pub fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_ref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && wildmatch::WildMatch::new(&self.path).matches(path)
    }
}

pub struct Emu {
    store: Mutex<Store>,
    speed: Mutex<f64>,
    settings: Mutex<Settings>,
    faults: Mutex<Vec<Fault>>,
    requests: Mutex<VecDeque<Value>>,
    /// Per token string: (requests that presented it, first seen).
    tokens: Mutex<HashMap<String, (u64, Instant)>>,
    /// Template details set through the control API: (name, version, detail), newest last.
    templates: Mutex<Vec<(String, String, TemplateOverride)>>,
    hanging: Arc<AtomicUsize>,
    log_streams: Arc<AtomicUsize>,
    log_bytes_sent: AtomicU64,
    pub changes: watch::Sender<u64>,
    pub control: bool,
    pub seed: SeedKind,
    pub sizes: GenSizes,
    pub dev_token: String,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not take the server down with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Emu {
    pub fn new(
        seed: SeedKind,
        sizes: GenSizes,
        speed: f64,
        settings: Settings,
        control: bool,
    ) -> Self {
        Emu {
            store: Mutex::new(seed::build(seed, sizes)),
            speed: Mutex::new(speed),
            settings: Mutex::new(settings),
            faults: Mutex::new(Vec::new()),
            requests: Mutex::new(VecDeque::new()),
            tokens: Mutex::new(HashMap::new()),
            templates: Mutex::new(Vec::new()),
            hanging: Arc::default(),
            log_streams: Arc::default(),
            log_bytes_sent: AtomicU64::new(0),
            changes: watch::channel(0).0,
            control,
            seed,
            sizes,
            dev_token: crate::auth::make_token("user"),
        }
    }

    pub fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    pub fn speed(&self) -> f64 {
        *lock(&self.speed)
    }

    pub fn set_speed(&self, s: f64) {
        *lock(&self.speed) = s;
    }

    pub fn settings(&self) -> Settings {
        *lock(&self.settings)
    }

    pub fn update_settings(&self, f: impl FnOnce(&mut Settings)) -> Settings {
        let mut g = lock(&self.settings);
        let before = (g.token_max_uses, g.token_ttl_ms);
        f(&mut g);
        if before != (g.token_max_uses, g.token_ttl_ms) {
            // New limits count from now.
            lock(&self.tokens).clear();
        }
        *g
    }

    /// Counts one use of `token`; true when the token limits refuse it.
    pub fn spend_token(&self, token: &str) -> bool {
        let s = self.settings();
        if s.token_max_uses.is_none() && s.token_ttl_ms.is_none() {
            return false;
        }
        let mut t = lock(&self.tokens);
        if t.len() >= TOKEN_COUNT_LIMIT && !t.contains_key(token) {
            t.clear();
        }
        let e = t.entry(token.to_string()).or_insert((0, Instant::now()));
        e.0 += 1;
        s.token_max_uses.is_some_and(|m| e.0 > m)
            || s.token_ttl_ms
                .is_some_and(|ms| e.1.elapsed() >= Duration::from_millis(ms))
    }

    pub fn set_template(&self, name: String, version: String, detail: &Value) {
        // Serialized once: hostile schemas are megabytes, and the answer is then a copy.
        let o = TemplateOverride {
            detail: bytes::Bytes::from(detail.to_string()),
            input: bytes::Bytes::from(detail.get("input").unwrap_or(&Value::Null).to_string()),
        };
        let mut t = lock(&self.templates);
        t.retain(|(n, v, _)| !(*n == name && *v == version));
        t.push((name, version, o));
    }

    /// A template detail set through the control API: exact version, or for `latest` the newest one set.
    pub fn template(&self, name: &str, version: &str) -> Option<TemplateOverride> {
        let t = lock(&self.templates);
        let by_name = || t.iter().rev().filter(|(n, _, _)| n == name);
        let found = by_name().find(|(_, v, _)| v == version).or_else(|| {
            let resolved = crate::catalog::find(name).and_then(|c| c.resolve(version));
            match resolved {
                Some(r) => by_name().find(|(_, v, _)| v == r),
                None if version == "latest" => by_name().next(),
                None => None,
            }
        });
        found.map(|(_, _, d)| d.clone())
    }

    /// Held while a `hang` fault keeps a request unanswered.
    pub fn hanging(&self) -> Gauge {
        Gauge::new(&self.hanging)
    }

    /// Held while a log stream (WebSocket or `/log`) is being served.
    pub fn log_stream(&self) -> Gauge {
        Gauge::new(&self.log_streams)
    }

    /// Log payload bytes handed to a connection (to show a stalled reader stalls the producer).
    pub fn count_log_bytes(&self, n: usize) {
        self.log_bytes_sent.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn stats(&self) -> Value {
        serde_json::json!({
            "hanging": self.hanging.load(Ordering::SeqCst),
            "log_streams": self.log_streams.load(Ordering::SeqCst),
            "log_bytes_sent": self.log_bytes_sent.load(Ordering::Relaxed),
        })
    }

    pub fn notify(&self) {
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Applies due clock transitions.
    pub fn tick(&self) {
        let changed = self.store().advance(Instant::now(), chrono::Utc::now());
        if changed {
            self.notify();
        }
    }

    pub fn reset(&self, kind: SeedKind, sizes: GenSizes) -> usize {
        let fresh = seed::build(kind, sizes);
        let n = fresh.apps.len();
        *self.store() = fresh;
        lock(&self.faults).clear();
        lock(&self.requests).clear();
        lock(&self.tokens).clear();
        lock(&self.templates).clear();
        self.notify();
        n
    }

    pub fn add_fault(&self, f: Fault) {
        lock(&self.faults).push(f);
    }

    pub fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    /// The first matching fault, counting one use of it.
    pub fn take_fault(&self, method: &str, path: &str) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let idx = faults.iter().position(|f| f.matches(method, path))?;
        let f = faults[idx].clone();
        if let Some(t) = faults[idx].times.as_mut() {
            *t = t.saturating_sub(1);
            if *t == 0 {
                faults.remove(idx);
            }
        }
        Some(f)
    }

    pub fn record(&self, entry: Value) {
        let mut log = lock(&self.requests);
        if log.len() >= REQUEST_LOG_LIMIT {
            log.pop_front();
        }
        log.push_back(entry);
    }

    pub fn requests(&self) -> Vec<Value> {
        lock(&self.requests).iter().cloned().collect()
    }

    pub fn clear_requests(&self) {
        lock(&self.requests).clear();
    }
}

/// A template detail set through the control API, as JSON text.
#[derive(Clone)]
pub struct TemplateOverride {
    pub detail: bytes::Bytes,
    pub input: bytes::Bytes,
}

/// Counts something while alive (a hanging request, a log stream), for `GET /_emulator/stats`.
pub struct Gauge(Arc<AtomicUsize>);

impl Gauge {
    fn new(n: &Arc<AtomicUsize>) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Gauge(n.clone())
    }
}

impl Drop for Gauge {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
