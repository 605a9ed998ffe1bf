//! What the emulator knows about one app: the App as the API shows it, its events, revisions and
//! outputs, and the transitions that write them. Plain data: no HTTP, no async.

use crate::catalog::{self, Template};
use crate::util::ts;
use chrono::{DateTime, Duration as CDuration, Utc};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::time::Instant;

/// The states an app goes through: the client's list, so that the two cannot differ.
pub use apolo_apps::core::ops::APP_STATES as STATES;

/// States in which an app has running pods (its log stream stays open).
pub fn is_running(state: &str) -> bool {
    matches!(state, "queued" | "progressing" | "healthy" | "degraded")
}

pub fn intern_state(s: &str) -> Option<&'static str> {
    STATES.iter().copied().find(|x| *x == s)
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct App {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub template_name: String,
    pub template_version: String,
    pub project_name: String,
    pub org_name: String,
    pub cluster_name: String,
    pub namespace: String,
    pub state: String,
    pub creator: String,
    #[serde(serialize_with = "ser_ts")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "ser_ts")]
    pub updated_at: DateTime<Utc>,
    pub endpoints: Vec<String>,
}

fn ser_ts<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&ts(t))
}

impl App {
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

pub fn app_name(org: &str, project: &str, template: &str, id: &str) -> String {
    let short: String = id.chars().take(8).collect();
    format!("{org}-{project}-{template}-{short}")
}

#[derive(Clone, Debug)]
pub struct Event {
    pub created_at: DateTime<Utc>,
    pub state: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub resources: Vec<Value>,
}

impl Event {
    /// The first event of every app.
    pub fn created(at: DateTime<Utc>) -> Event {
        Event {
            created_at: at,
            state: "queued".into(),
            reason: Some("App instance created".into()),
            message: None,
            resources: vec![],
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "created_at": ts(&self.created_at),
            "state": self.state,
            "reason": self.reason,
            "message": self.message,
            "resources": self.resources,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Revision {
    pub number: u32,
    pub creator: String,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub end_at: Option<DateTime<Utc>>,
    pub template_version: String,
    pub display_name: String,
    pub input: Value,
}

impl Revision {
    pub fn to_json(&self) -> Value {
        json!({
            "revision_number": self.number,
            "creator": self.creator,
            "comment": self.comment,
            "created_at": ts(&self.created_at),
            "end_at": self.end_at.as_ref().map(ts),
        })
    }
}

#[derive(Clone, Debug)]
pub struct Record {
    pub app: App,
    pub seq: u64,
    /// Oldest first.
    pub events: Vec<Event>,
    /// Older synthetic history (generated seed), produced on demand.
    pub synthetic_events: usize,
    /// Oldest first; the last one is current.
    pub revisions: Vec<Revision>,
    pub output: Option<Value>,
    pub pending: VecDeque<(Instant, &'static str)>,
    pub archive_lines: usize,
}

const DEFAULT_ARCHIVE_LINES: usize = 40;

impl Record {
    pub fn new(app: App, input: Value, seq: u64) -> Self {
        let rev = Revision {
            number: 1,
            creator: app.creator.clone(),
            comment: None,
            created_at: app.created_at,
            end_at: None,
            template_version: app.template_version.clone(),
            display_name: app.display_name.clone(),
            input,
        };
        Record {
            app,
            seq,
            events: Vec::new(),
            synthetic_events: 0,
            revisions: vec![rev],
            output: None,
            pending: VecDeque::new(),
            archive_lines: DEFAULT_ARCHIVE_LINES,
        }
    }

    /// A copy without the history, for log streams.
    pub fn clone_light(&self) -> Record {
        Record {
            app: self.app.clone(),
            seq: self.seq,
            events: Vec::new(),
            synthetic_events: 0,
            revisions: Vec::new(),
            output: None,
            pending: VecDeque::new(),
            archive_lines: self.archive_lines,
        }
    }

    pub fn template(&self) -> Option<&'static Template> {
        catalog::find(&self.app.template_name)
    }

    pub fn containers(&self) -> Vec<String> {
        match self.template() {
            Some(t) => t.containers.iter().map(|s| s.to_string()).collect(),
            None => vec!["app".to_string()],
        }
    }

    pub fn total_events(&self) -> usize {
        self.synthetic_events + self.events.len()
    }

    /// Event `i` in newest-first order.
    pub fn event_newest_first(&self, i: usize) -> Option<Value> {
        let real = self.events.len();
        if i < real {
            return self.events.get(real - 1 - i).map(Event::to_json);
        }
        let k = i - real;
        if k >= self.synthetic_events {
            return None;
        }
        // Synthetic events count down in time from just before the app was created.
        let n = self.synthetic_events - 1 - k;
        let state = ["progressing", "healthy", "degraded"][n % 3];
        let at = self.app.created_at - CDuration::seconds((self.synthetic_events - n) as i64);
        Some(
            Event {
                created_at: at,
                state: state.to_string(),
                reason: Some("Autoupdated".to_string()),
                message: Some(format!("synthetic event {n}")),
                resources: vec![],
            }
            .to_json(),
        )
    }

    pub fn current_revision(&self) -> Option<&Revision> {
        self.revisions.last()
    }

    pub fn input_json(&self, rev: &Revision) -> Value {
        json!({
            "template_name": self.app.template_name,
            "template_version": rev.template_version,
            "display_name": rev.display_name,
            "input": rev.input,
        })
    }

    /// Moves to `state`, writing the event, `updated_at` and, on `healthy`, endpoints and outputs.
    pub fn transition(
        &mut self,
        state: &str,
        now: DateTime<Utc>,
        reason: &str,
        message: Option<&str>,
    ) {
        self.app.state = state.to_string();
        self.app.updated_at = now;
        let mut resources = Vec::new();
        if state == "healthy" || state == "degraded" {
            resources.push(json!({
                "kind": "Deployment", "name": self.app.name, "uid": format!("uid-{}", self.seq),
                "health_status": if state == "healthy" { "Healthy" } else { "Degraded" },
                "health_message": if state == "healthy" { Value::Null } else { json!("1 of 2 replicas available") },
            }));
        }
        self.events.push(Event {
            created_at: now,
            state: state.to_string(),
            reason: Some(reason.to_string()),
            message: message.map(str::to_string),
            resources,
        });
        if state == "healthy" {
            if self.app.endpoints.is_empty() {
                self.app.endpoints = vec![format!("https://{}.apps.emulator.local", self.app.name)];
            }
            if self.output.is_none() {
                self.output = Some(default_output(&self.app));
            }
        }
    }

    /// Makes `rev` the current revision (numbered here, closing the previous one) and its version and
    /// display name the app's.
    pub fn push_revision(&mut self, mut rev: Revision) {
        rev.number = self.revisions.last().map(|r| r.number + 1).unwrap_or(1);
        if let Some(last) = self.revisions.last_mut() {
            last.end_at = Some(rev.created_at);
        }
        self.app.template_version = rev.template_version.clone();
        self.app.display_name = rev.display_name.clone();
        self.revisions.push(rev);
    }
}

/// Outputs a healthy app publishes, with `__type__` markers as apolo-app-types writes them.
pub fn default_output(app: &App) -> Value {
    let host = format!("{}.apps.emulator.local", app.name);
    let internal = format!("{}.{}.svc.cluster.local", app.name, app.namespace);
    let url = |h: &str, port: u16, proto: &str, api: &str, t: &str| json!({"host": h, "port": port, "protocol": proto, "timeout": 30.0, "base_path": "/", "api_type": api, "__type__": t});
    match app.template_name.as_str() {
        "stable-diffusion" => json!({
            "api_url": {
                "internal_url": url(&internal, 80, "http", "rest", "RestAPI"),
                "external_url": url(&host, 443, "https", "rest", "RestAPI"),
                "__type__": "ServiceAPI[RestAPI]"
            },
            "hf_model": {"model_hf_name": "stabilityai/stable-diffusion-2-1", "__type__": "HuggingFaceModel"}
        }),
        "postgres" => json!({
            "postgres_users": {
                "users": [
                    {"user": "admin", "password": "emulator-admin", "host": internal, "port": 5432, "__type__": "CrunchyPostgresUserCredentials"},
                    {"user": "app", "password": "emulator-app", "host": internal, "port": 5432, "__type__": "CrunchyPostgresUserCredentials"}
                ],
                "__type__": "CrunchyPostgresUsers"
            }
        }),
        _ => json!({
            "app_url": {
                "internal_url": url(&internal, 80, "http", "webapp", "WebApp"),
                "external_url": url(&host, 443, "https", "webapp", "WebApp"),
                "__type__": "ServiceAPI[WebApp]"
            }
        }),
    }
}
