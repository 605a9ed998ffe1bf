//! The apps and their state machine: install, configure, rollback, uninstall and the clock that moves
//! apps on. No HTTP, no async. Requests arrive already checked (validation.rs); a refusal is a
//! `StoreError`, which the API layer turns into an answer.

use crate::catalog::{self, Template};
use crate::record::{app_name, App, Event, Record, Revision};
use crate::schema::{self, is_instance_ref, Violation};
use crate::util::{json_path, typed_values};
use crate::validation::{BodyError, ConfigureRequest, InstallRequest};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// Install/configure/uninstall durations at speed 1 (seconds per step).
const STEP_QUEUED: f64 = 1.0;
const STEP_PROGRESSING: f64 = 3.0;
const STEP_CONFIGURE: f64 = 2.0;
const STEP_UNINSTALL: f64 = 2.0;

/// The cluster/org/project of a v1 route: apps outside it do not exist for that route.
pub struct ProjectScope<'a> {
    pub cluster: &'a str,
    pub org: &'a str,
    pub project: &'a str,
}

#[derive(Default)]
pub struct ListFilter {
    pub cluster: Option<String>,
    pub org: Option<String>,
    pub project: Option<String>,
    pub name: Option<String>,
    pub states: Vec<String>,
}

/// Why the store refused a change.
#[derive(Clone, Debug, PartialEq)]
pub enum StoreError {
    AppNotFound,
    RevisionNotFound,
    TemplateNotFound {
        name: String,
        version: String,
    },
    /// The app is uninstalling or uninstalled.
    Uninstalled,
    /// The input has a key its schema has no place for (the platform answers 500).
    UndefinedInputKeys,
    /// The input or version is not acceptable, each with where and why.
    Invalid(Vec<Violation>),
    /// A body field that was checked earlier but is reported only here, where the platform reaches it.
    Body(BodyError),
}

impl From<BodyError> for StoreError {
    fn from(e: BodyError) -> Self {
        StoreError::Body(e)
    }
}

/// Configure and rollback are refused once an uninstall has started.
fn check_configurable(rec: &Record) -> Result<(), StoreError> {
    if matches!(rec.app.state.as_str(), "uninstalling" | "uninstalled") {
        return Err(StoreError::Uninstalled);
    }
    Ok(())
}

fn invalid(field: &str, message: String) -> StoreError {
    StoreError::Invalid(vec![(vec![field.to_string()], message)])
}

#[derive(Default)]
pub struct Store {
    pub apps: HashMap<String, Record>,
    pending_ids: HashSet<String>,
    next_seq: u64,
}

fn due(now: Instant, secs: f64, speed: f64) -> Instant {
    if speed <= 0.0 || !speed.is_finite() {
        return now;
    }
    now + Duration::from_secs_f64((secs / speed).min(1e9))
}

/// The moment a request changes the store, and the clock speed its follow-up transitions run at.
#[derive(Clone, Copy)]
pub struct At {
    pub instant: Instant,
    pub utc: DateTime<Utc>,
    pub speed: f64,
}

impl At {
    pub fn now(speed: f64) -> At {
        At {
            instant: Instant::now(),
            utc: Utc::now(),
            speed,
        }
    }
}

impl Store {
    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub fn insert(&mut self, rec: Record) {
        if !rec.pending.is_empty() {
            self.pending_ids.insert(rec.app.id.clone());
        }
        self.apps.insert(rec.app.id.clone(), rec);
    }

    pub fn get(&self, id: &str) -> Option<&Record> {
        self.apps.get(id)
    }

    /// The app, when it belongs to `scope`.
    pub fn get_scoped(&self, id: &str, scope: &ProjectScope) -> Option<&Record> {
        self.apps.get(id).filter(|r| {
            r.app.cluster_name == scope.cluster
                && r.app.org_name == scope.org
                && r.app.project_name == scope.project
        })
    }

    fn get_scoped_mut(
        &mut self,
        id: &str,
        scope: &ProjectScope,
    ) -> Result<&mut Record, StoreError> {
        self.get_scoped(id, scope).ok_or(StoreError::AppNotFound)?;
        self.apps.get_mut(id).ok_or(StoreError::AppNotFound)
    }

    /// Applies every transition that is due. Returns whether anything changed.
    pub fn advance(&mut self, now_i: Instant, now: DateTime<Utc>) -> bool {
        if self.pending_ids.is_empty() {
            return false;
        }
        let mut changed = false;
        let ids: Vec<String> = self.pending_ids.iter().cloned().collect();
        for id in ids {
            let Some(rec) = self.apps.get_mut(&id) else {
                self.pending_ids.remove(&id);
                continue;
            };
            while let Some((when, state)) = rec.pending.front().copied() {
                if when > now_i {
                    break;
                }
                rec.pending.pop_front();
                let (reason, msg) = match state {
                    "progressing" => ("Autoupdated", Some("Deployment is in progress")),
                    "healthy" => ("Autoupdated", None),
                    "uninstalled" => ("Uninstalled", Some("App instance uninstalled")),
                    _ => ("Autoupdated", None),
                };
                rec.transition(state, now, reason, msg);
                changed = true;
            }
            if rec.pending.is_empty() {
                self.pending_ids.remove(&id);
            }
        }
        changed
    }

    fn schedule(&mut self, id: &str, steps: &[(f64, &'static str)], now_i: Instant, speed: f64) {
        if let Some(rec) = self.apps.get_mut(id) {
            rec.pending.clear();
            let mut secs = 0.0;
            for (s, state) in steps {
                secs += s;
                rec.pending.push_back((due(now_i, secs, speed), state));
            }
            if !rec.pending.is_empty() {
                self.pending_ids.insert(id.to_string());
            }
        }
    }

    /// Apps matching the filter, newest first.
    pub fn list(&self, f: &ListFilter) -> Vec<&Record> {
        let mut v: Vec<&Record> = self
            .apps
            .values()
            .filter(|r| {
                let a = &r.app;
                f.cluster.as_ref().is_none_or(|c| *c == a.cluster_name)
                    && f.org.as_ref().is_none_or(|o| *o == a.org_name)
                    && f.project.as_ref().is_none_or(|p| *p == a.project_name)
                    && f.name.as_ref().is_none_or(|n| *n == a.name)
                    && (f.states.is_empty() || f.states.contains(&a.state))
            })
            .collect();
        v.sort_by(|a, b| {
            b.app
                .created_at
                .cmp(&a.app.created_at)
                .then(b.seq.cmp(&a.seq))
        });
        v
    }

    /// POST {v1}/instances.
    pub fn install(
        &mut self,
        scope: &ProjectScope,
        req: InstallRequest,
        user: &str,
        At {
            instant: now_i,
            utc: now,
            speed,
        }: At,
    ) -> Result<App, StoreError> {
        let InstallRequest {
            template_name: name,
            template_version: version,
            display_name,
            input,
        } = req;
        let (t, resolved) = catalog::find(&name)
            .and_then(|t| t.resolve(&version).map(|v| (t, v)))
            .ok_or(StoreError::TemplateNotFound { name, version })?;
        self.check_input(t, resolved, &input, scope)?;
        let id = uuid::Uuid::new_v4().to_string();
        let app_name = app_name(scope.org, scope.project, t.name, &id);
        let app = App {
            id: id.clone(),
            display_name: display_name.unwrap_or_else(|| app_name.clone()),
            name: app_name,
            template_name: t.name.to_string(),
            template_version: resolved.to_string(),
            project_name: scope.project.to_string(),
            org_name: scope.org.to_string(),
            cluster_name: scope.cluster.to_string(),
            namespace: format!("apolo-{}-{}", scope.org, scope.project),
            state: "queued".to_string(),
            creator: user.to_string(),
            created_at: now,
            updated_at: now,
            endpoints: vec![],
        };
        let seq = self.next_seq();
        let mut rec = Record::new(app.clone(), input, seq);
        rec.events.push(Event::created(now));
        self.insert(rec);
        self.schedule(
            &id,
            &[(STEP_QUEUED, "progressing"), (STEP_PROGRESSING, "healthy")],
            now_i,
            speed,
        );
        Ok(app)
    }

    /// Unknown keys give 500 (as the platform does today), then JSON Schema errors.
    fn check_input(
        &self,
        t: &'static Template,
        version: &str,
        input: &Value,
        scope: &ProjectScope,
    ) -> Result<(), StoreError> {
        if schema::has_undefined_keys(&t.schema(version), input) {
            return Err(StoreError::UndefinedInputKeys);
        }
        let mut errors = Vec::new();
        let resolved = self.resolve_refs(input, scope, &mut vec!["input".to_string()], &mut errors);
        if errors.is_empty() {
            errors = schema::violations(t, version, &resolved);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Invalid(errors))
        }
    }

    /// Replaces `app-instance-ref` objects by the referenced output value.
    fn resolve_refs(
        &self,
        v: &Value,
        scope: &ProjectScope,
        path: &mut Vec<String>,
        errors: &mut Vec<Violation>,
    ) -> Value {
        match v {
            Value::Object(m) if is_instance_ref(v) => {
                let id = m.get("instance_id").and_then(Value::as_str).unwrap_or("");
                let p = m.get("path").and_then(Value::as_str).unwrap_or("$");
                let target = self
                    .get_scoped(id, scope)
                    .and_then(|r| r.output.as_ref())
                    .and_then(|o| json_path(o, p).cloned());
                match target {
                    Some(t) => t,
                    None => {
                        errors.push((
                            path.clone(),
                            format!("app-instance-ref: no output at '{p}' of app instance '{id}'"),
                        ));
                        Value::Null
                    }
                }
            }
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, child) in m {
                    path.push(k.clone());
                    out.insert(k.clone(), self.resolve_refs(child, scope, path, errors));
                    path.pop();
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, c)| {
                        path.push(i.to_string());
                        let r = self.resolve_refs(c, scope, path, errors);
                        path.pop();
                        r
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// PUT {v1}/instances/{id}.
    pub fn configure(
        &mut self,
        scope: &ProjectScope,
        id: &str,
        req: ConfigureRequest,
        user: &str,
        at: At,
    ) -> Result<App, StoreError> {
        let rec = self.get_scoped(id, scope).ok_or(StoreError::AppNotFound)?;
        check_configurable(rec)?;
        let t = rec.template().ok_or_else(|| {
            invalid(
                "template_name",
                "The app's template no longer exists".into(),
            )
        })?;
        let mut version = rec.app.template_version.clone();
        if let Some(v) = req.template_version? {
            let resolved = t.resolve(&v).ok_or_else(|| {
                invalid(
                    "template_version",
                    format!("Unknown version '{v}' of template '{}'", t.name),
                )
            })?;
            if let (Some(c), Some(n)) = (t.version_index(&version), t.version_index(resolved)) {
                if n < c {
                    return Err(invalid(
                        "template_version",
                        format!("Cannot downgrade from '{version}' to '{resolved}'"),
                    ));
                }
            }
            version = resolved.to_string();
        }
        let input = match req.input? {
            Some(v) => v,
            None => rec
                .current_revision()
                .map(|r| r.input.clone())
                .unwrap_or(json!({})),
        };
        let comment = req.comment?;
        let display_name = req
            .display_name?
            .unwrap_or_else(|| rec.app.display_name.clone());
        self.check_input(t, &version, &input, scope)?;
        let rev = Revision {
            number: 0,
            creator: user.to_string(),
            comment,
            created_at: at.utc,
            end_at: None,
            template_version: version,
            display_name,
            input,
        };
        let reason = ("Configuration updated", "Applying the new configuration");
        self.apply_revision(id, scope, rev, reason, at)
    }

    /// POST {v1}/instances/{id}/revisions/{n}/rollback.
    pub fn rollback(
        &mut self,
        scope: &ProjectScope,
        id: &str,
        number: u32,
        comment: Option<String>,
        user: &str,
        at: At,
    ) -> Result<App, StoreError> {
        let rec = self.get_scoped(id, scope).ok_or(StoreError::AppNotFound)?;
        check_configurable(rec)?;
        let target = rec
            .revisions
            .iter()
            .find(|r| r.number == number)
            .ok_or(StoreError::RevisionNotFound)?;
        let rev = Revision {
            creator: user.to_string(),
            comment,
            created_at: at.utc,
            end_at: None,
            ..target.clone()
        };
        let message = format!("Rolling back to revision {number}");
        self.apply_revision(id, scope, rev, ("Rollback", &message), at)
    }

    /// Makes `rev` current and starts applying it: `progressing` now, `healthy` after a while.
    fn apply_revision(
        &mut self,
        id: &str,
        scope: &ProjectScope,
        rev: Revision,
        (reason, message): (&str, &str),
        at: At,
    ) -> Result<App, StoreError> {
        let rec = self.get_scoped_mut(id, scope)?;
        rec.push_revision(rev);
        rec.transition("progressing", at.utc, reason, Some(message));
        let app = rec.app.clone();
        self.schedule(id, &[(STEP_CONFIGURE, "healthy")], at.instant, at.speed);
        Ok(app)
    }

    /// DELETE {v1}/instances/{id}.
    pub fn uninstall(
        &mut self,
        scope: &ProjectScope,
        id: &str,
        force: bool,
        At {
            instant: now_i,
            utc: now,
            speed,
        }: At,
    ) -> Result<(), StoreError> {
        let rec = self.get_scoped_mut(id, scope)?;
        match (rec.app.state.as_str(), force) {
            ("uninstalled", _) => return Err(StoreError::AppNotFound),
            ("uninstalling", false) => return Ok(()),
            _ => {}
        }
        if rec.app.state != "uninstalling" {
            rec.transition("uninstalling", now, "Uninstall requested", None);
        }
        if force {
            rec.pending.clear();
            rec.transition("uninstalled", now, "Uninstalled", Some("Forced uninstall"));
            self.pending_ids.remove(id);
        } else {
            self.schedule(id, &[(STEP_UNINSTALL, "uninstalled")], now_i, speed);
        }
        Ok(())
    }

    /// POST {v1}/instances/{id}/output: replaces the app's outputs.
    pub fn set_output(
        &mut self,
        scope: &ProjectScope,
        id: &str,
        output: Value,
    ) -> Result<(), StoreError> {
        self.get_scoped_mut(id, scope)?.output = Some(output);
        Ok(())
    }

    /// Forces a state (control API); cancels pending transitions.
    pub fn force_state(&mut self, id: &str, state: &str, now: DateTime<Utc>) -> Option<App> {
        let rec = self.apps.get_mut(id)?;
        rec.pending.clear();
        rec.transition(
            state,
            now,
            "Forced",
            Some("State set through the emulator control API"),
        );
        self.pending_ids.remove(id);
        Some(rec.app.clone())
    }

    /// `{"items": [...]}` of typed values for the given apps.
    pub fn values<'a>(recs: impl Iterator<Item = &'a Record>, value_type: Option<&str>) -> Value {
        let mut items = Vec::new();
        for r in recs {
            if let Some(out) = &r.output {
                for (path, t, v) in typed_values(out) {
                    if value_type.is_none_or(|want| want == t) {
                        items.push(
                            json!({"instance_id": r.app.id, "type": t, "path": path, "value": v}),
                        );
                    }
                }
            }
        }
        json!({ "items": items })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> ProjectScope<'static> {
        ProjectScope {
            cluster: "default",
            org: "superorg",
            project: "alpha",
        }
    }
    fn install(store: &mut Store, body: Value, speed: f64) -> Result<App, StoreError> {
        let req = InstallRequest::from_body(&body)?;
        store.install(&scope(), req, "alice", At::now(speed))
    }

    /// The plainest install: the latest shell, instant mode.
    fn install_shell(store: &mut Store) -> App {
        install(
            store,
            json!({"template_name": "shell", "template_version": "latest"}),
            0.0,
        )
        .unwrap()
    }

    /// Configure in instant mode; `now` is what the closed revision's `end_at` becomes.
    fn configure(
        store: &mut Store,
        id: &str,
        body: Value,
        user: &str,
        now: DateTime<Utc>,
    ) -> Result<App, StoreError> {
        let at = At {
            utc: now,
            ..At::now(0.0)
        };
        let req = ConfigureRequest::from_body(&body)?;
        store.configure(&scope(), id, req, user, at)
    }

    fn rollback(
        store: &mut Store,
        id: &str,
        n: u32,
        comment: Option<&str>,
        user: &str,
    ) -> Result<App, StoreError> {
        store.rollback(
            &scope(),
            id,
            n,
            comment.map(String::from),
            user,
            At::now(0.0),
        )
    }

    fn uninstall(store: &mut Store, id: &str, force: bool, speed: f64) -> Result<(), StoreError> {
        store.uninstall(&scope(), id, force, At::now(speed))
    }

    #[test]
    fn install_queues_then_instant_mode_reaches_healthy_on_next_advance() {
        let mut s = Store::default();
        let app = install(
            &mut s,
            json!({"template_name": "shell", "template_version": "latest", "input": {}}),
            0.0,
        )
        .unwrap();
        assert_eq!(app.state, "queued");
        assert_eq!(app.template_version, "v25.7.0");
        assert_eq!(app.creator, "alice");
        assert_eq!(app.name, format!("superorg-alpha-shell-{}", &app.id[..8]));
        assert!(s.advance(Instant::now(), Utc::now()));
        let rec = s.get(&app.id).unwrap();
        assert_eq!(rec.app.state, "healthy");
        let states: Vec<&str> = rec.events.iter().map(|e| e.state.as_str()).collect();
        assert_eq!(states, vec!["queued", "progressing", "healthy"]);
        assert_eq!(
            rec.events[0].reason.as_deref(),
            Some("App instance created")
        );
        assert!(rec.output.is_some());
        assert_eq!(rec.app.endpoints.len(), 1);
        assert!(!s.advance(Instant::now(), Utc::now()), "nothing left to do");
    }

    #[test]
    fn clock_speed_delays_transitions() {
        let mut s = Store::default();
        let start = Instant::now();
        let app = s
            .install(
                &scope(),
                InstallRequest::from_body(
                    &json!({"template_name": "shell", "template_version": "v25.5.1"}),
                )
                .unwrap(),
                "u",
                At {
                    instant: start,
                    utc: Utc::now(),
                    speed: 1.0,
                },
            )
            .unwrap();
        s.advance(start + Duration::from_millis(500), Utc::now());
        assert_eq!(s.get(&app.id).unwrap().app.state, "queued");
        s.advance(start + Duration::from_millis(1500), Utc::now());
        assert_eq!(s.get(&app.id).unwrap().app.state, "progressing");
        s.advance(start + Duration::from_millis(4100), Utc::now());
        assert_eq!(s.get(&app.id).unwrap().app.state, "healthy");
    }

    #[test]
    fn configure_and_rollback_write_revisions() {
        let mut s = Store::default();
        let app = install(&mut s, json!({"template_name": "shell", "template_version": "v25.5.1", "input": {"preset": {"name": "cpu"}}}), 0.0).unwrap();
        s.advance(Instant::now(), Utc::now());
        let now = Utc::now();
        let a = configure(
            &mut s,
            &app.id,
            json!({"display_name": "x", "input": {"preset": {"name": "gpu"}}, "comment": "c"}),
            "bob",
            now,
        )
        .unwrap();
        assert_eq!(a.state, "progressing");
        assert_eq!(a.display_name, "x");
        assert_eq!(a.template_version, "v25.5.1");
        let rec = s.get(&app.id).unwrap();
        assert_eq!(rec.revisions.len(), 2);
        assert_eq!(rec.revisions[0].end_at, Some(now));
        assert_eq!(rec.revisions[1].end_at, None);
        assert_eq!(rec.revisions[1].creator, "bob");
        assert_eq!(rec.revisions[1].comment.as_deref(), Some("c"));
        // Upgrade with a key only the new version knows.
        let a = configure(
            &mut s,
            &app.id,
            json!({"input": {"http_auth": true}, "template_version": "v25.6.0"}),
            "bob",
            Utc::now(),
        )
        .unwrap();
        assert_eq!(a.template_version, "v25.6.0");
        // Downgrade refused with errors[].
        let e = configure(
            &mut s,
            &app.id,
            json!({"template_version": "v25.5.1"}),
            "bob",
            Utc::now(),
        )
        .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
        let a = rollback(&mut s, &app.id, 1, Some("back"), "carol").unwrap();
        assert_eq!(a.state, "progressing");
        let rec = s.get(&app.id).unwrap();
        assert_eq!(rec.revisions.len(), 4);
        let cur = rec.current_revision().unwrap();
        assert_eq!(cur.number, 4);
        assert_eq!(cur.input, json!({"preset": {"name": "cpu"}}));
        assert_eq!(cur.comment.as_deref(), Some("back"));
        assert_eq!(rec.app.template_version, "v25.5.1");
        let e = rollback(&mut s, &app.id, 99, None, "c").unwrap_err();
        assert_eq!(e, StoreError::RevisionNotFound);
    }

    #[test]
    fn configure_reports_a_bad_field_where_it_always_did() {
        let mut s = Store::default();
        let a = install_shell(&mut s);
        s.advance(Instant::now(), Utc::now());
        let bad_input = json!({"input": 1});
        let e = configure(&mut s, "nope", bad_input.clone(), "u", Utc::now()).unwrap_err();
        assert_eq!(e, StoreError::AppNotFound);
        let body = json!({"template_version": "v0", "input": 1});
        let e = configure(&mut s, &a.id, body, "u", Utc::now()).unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
        let e = configure(&mut s, &a.id, bad_input, "u", Utc::now()).unwrap_err();
        assert!(matches!(e, StoreError::Body(_)), "{e:?}");
        assert_eq!(s.get(&a.id).unwrap().revisions.len(), 1);
    }

    #[test]
    fn uninstall_plain_and_forced() {
        let mut s = Store::default();
        let a = install_shell(&mut s);
        let b = install_shell(&mut s);
        s.advance(Instant::now(), Utc::now());
        uninstall(&mut s, &a.id, false, 0.0).unwrap();
        assert_eq!(s.get(&a.id).unwrap().app.state, "uninstalling");
        s.advance(Instant::now(), Utc::now());
        assert_eq!(s.get(&a.id).unwrap().app.state, "uninstalled");
        uninstall(&mut s, &b.id, true, 1.0).unwrap();
        let rb = s.get(&b.id).unwrap();
        assert_eq!(rb.app.state, "uninstalled");
        let last: Vec<&str> = rb
            .events
            .iter()
            .rev()
            .take(2)
            .map(|e| e.state.as_str())
            .collect();
        assert_eq!(last, vec!["uninstalled", "uninstalling"]);
        let e = uninstall(&mut s, &b.id, false, 0.0).unwrap_err();
        assert_eq!(e, StoreError::AppNotFound);
        // Configure after uninstall is a conflict.
        let e = configure(&mut s, &a.id, json!({}), "u", Utc::now()).unwrap_err();
        assert_eq!(e, StoreError::Uninstalled);
    }

    #[test]
    fn scoping_hides_apps_of_other_projects() {
        let mut s = Store::default();
        let a = install_shell(&mut s);
        let other = ProjectScope {
            cluster: "default",
            org: "superorg",
            project: "test3",
        };
        assert!(s.get_scoped(&a.id, &other).is_none());
        assert!(s.get_scoped(&a.id, &scope()).is_some());
    }

    #[test]
    fn install_validation() {
        let mut s = Store::default();
        let e = install(
            &mut s,
            json!({"template_name": "nope", "template_version": "latest"}),
            0.0,
        )
        .unwrap_err();
        assert!(matches!(e, StoreError::TemplateNotFound { .. }), "{e:?}");
        let e = install(&mut s, json!({"template_version": "latest"}), 0.0).unwrap_err();
        assert!(matches!(e, StoreError::Body(_)), "{e:?}");
        let e = install(&mut s, json!([1]), 0.0).unwrap_err();
        assert!(matches!(e, StoreError::Body(_)), "{e:?}");
        // Schema violation: preset required for jupyter.
        let e = install(
            &mut s,
            json!({"template_name": "jupyter", "template_version": "latest", "input": {}}),
            0.0,
        )
        .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
        // Undefined key: 500 like the platform.
        let e = install(
            &mut s,
            json!({"template_name": "shell", "template_version": "v25.5.1", "input": {"bogus": 1}}),
            0.0,
        )
        .unwrap_err();
        assert_eq!(e, StoreError::UndefinedInputKeys);
        let e = install(&mut s, json!({"template_name": "shell", "template_version": "v25.5.1", "input": {"preset": {"name": "x", "bogus": 1}}}), 0.0).unwrap_err();
        assert_eq!(e, StoreError::UndefinedInputKeys);
        assert!(s.apps.is_empty());
    }

    #[test]
    fn app_instance_refs_resolve_against_outputs() {
        let mut s = Store::default();
        let sd = install(&mut s, json!({"template_name": "stable-diffusion", "template_version": "latest", "input": {"preset": {"name": "gpu"}}}), 0.0).unwrap();
        let vs = json!({"template_name": "vscode", "template_version": "latest", "input": {"preset": {"name": "cpu"},
            "llm_api": {"type": "app-instance-ref", "instance_id": sd.id, "path": "$.api_url.internal_url"}}});
        // Not healthy yet: no outputs to point at.
        assert!(install(&mut s, vs.clone(), 0.0).is_err());
        s.advance(Instant::now(), Utc::now());
        let app = install(&mut s, vs, 0.0).unwrap();
        let input = &s.get(&app.id).unwrap().current_revision().unwrap().input;
        assert_eq!(
            input["llm_api"]["type"], "app-instance-ref",
            "stored as sent"
        );
    }

    #[test]
    fn values_are_derived_and_filtered() {
        let mut s = Store::default();
        let a = install(&mut s, json!({"template_name": "postgres", "template_version": "latest", "input": {"preset": {"name": "cpu"}}}), 0.0).unwrap();
        s.advance(Instant::now(), Utc::now());
        let all = Store::values(s.get(&a.id).into_iter(), None);
        assert_eq!(all["items"].as_array().unwrap().len(), 3);
        let users = Store::values(
            s.get(&a.id).into_iter(),
            Some("CrunchyPostgresUserCredentials"),
        );
        let items = users["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1]["path"], "$.postgres_users.users[1]");
        assert_eq!(items[1]["instance_id"], json!(a.id));
        assert_eq!(items[1]["value"]["user"], "app");
    }

    #[test]
    fn list_filters_and_orders_newest_first() {
        let mut s = Store::default();
        let a = install_shell(&mut s);
        let b = install_shell(&mut s);
        s.force_state(&a.id, "errored", Utc::now());
        let all = s.list(&ListFilter::default());
        assert_eq!(all.len(), 2);
        assert!(all[0].app.created_at >= all[1].app.created_at);
        let errored = s.list(&ListFilter {
            states: vec!["errored".into()],
            ..Default::default()
        });
        assert_eq!(errored.len(), 1);
        assert_eq!(errored[0].app.id, a.id);
        let by_name = s.list(&ListFilter {
            name: Some(b.name.clone()),
            ..Default::default()
        });
        assert_eq!(by_name.len(), 1);
        let other = s.list(&ListFilter {
            project: Some("test3".into()),
            ..Default::default()
        });
        assert!(other.is_empty());
    }

    #[test]
    fn synthetic_events_page_after_real_ones() {
        let mut s = Store::default();
        let a = install_shell(&mut s);
        let rec = s.apps.get_mut(&a.id).unwrap();
        rec.synthetic_events = 5;
        assert_eq!(rec.total_events(), 6);
        assert_eq!(rec.event_newest_first(0).unwrap()["state"], "queued");
        assert_eq!(
            rec.event_newest_first(1).unwrap()["message"],
            "synthetic event 4"
        );
        assert_eq!(
            rec.event_newest_first(5).unwrap()["message"],
            "synthetic event 0"
        );
        assert!(rec.event_newest_first(6).is_none());
    }
}
