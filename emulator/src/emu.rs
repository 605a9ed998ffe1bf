//! The shared server state: data, clock, settings, faults and the request log.

use crate::seed::{self, GenSizes, SeedKind};
use crate::store::{Rules, Store};
use crate::util::PagesMode;
use axum::http::StatusCode;
use serde_json::{Map, Value};
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;
use tokio::sync::watch;

pub const REQUEST_LOG_LIMIT: usize = 10_000;

#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Settings {
    /// `true`: unknown template → 404 instead of 200 `null`.
    #[serde(serialize_with = "ser_unknown")]
    pub unknown_template: bool,
    pub validation_status: u16,
    pub pages: PagesMode,
}

fn ser_unknown<S: serde::Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if *v { "404" } else { "null" })
}

impl Settings {
    pub fn rules(&self) -> Rules {
        Rules {
            validation_status: StatusCode::from_u16(self.validation_status)
                .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
        }
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
    pub ws_drop_after_bytes: Option<usize>,
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
        f(&mut g);
        *g
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
