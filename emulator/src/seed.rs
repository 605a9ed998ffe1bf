//! Initial data: demo, empty, generated.

use crate::record::{app_name, App, Event, Record, STATES};
use crate::store::Store;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SeedKind {
    Demo,
    Empty,
    Generated,
}

#[derive(Clone, Copy, Debug)]
pub struct GenSizes {
    pub apps: usize,
    pub events: usize,
    pub log_bytes: usize,
}

pub fn build(kind: SeedKind, sizes: GenSizes) -> Store {
    let mut s = Store::default();
    match kind {
        SeedKind::Empty => {}
        SeedKind::Demo => demo(&mut s),
        SeedKind::Generated => generated(&mut s, sizes),
    }
    s
}

fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 5, 7, 11, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

#[allow(clippy::too_many_arguments)]
fn new_app(
    id: &str,
    template: &str,
    version: &str,
    project: &str,
    display_name: &str,
    created_at: DateTime<Utc>,
    creator: &str,
) -> App {
    let name = app_name("superorg", project, template, id);
    App {
        id: id.to_string(),
        display_name: if display_name.is_empty() {
            name.clone()
        } else {
            display_name.to_string()
        },
        name,
        template_name: template.to_string(),
        template_version: version.to_string(),
        project_name: project.to_string(),
        org_name: "superorg".to_string(),
        cluster_name: "default".to_string(),
        namespace: format!("apolo-superorg-{project}"),
        state: "queued".to_string(),
        creator: creator.to_string(),
        created_at,
        updated_at: created_at,
        endpoints: vec![],
    }
}

/// Walks an app through `path` (states after `queued`), one minute per step.
fn walk(rec: &mut Record, path: &[&str]) {
    let t0 = rec.app.created_at;
    rec.events.push(Event::created(t0));
    for (i, st) in path.iter().enumerate() {
        let at = t0 + Duration::minutes(i as i64 + 1);
        let (reason, msg) = match *st {
            "progressing" => ("Autoupdated", Some("Deployment is in progress")),
            "errored" => ("Error", Some("Back-off restarting failed container")),
            "degraded" => ("Autoupdated", Some("Deployment has minimum availability")),
            "uninstalling" => ("Uninstall requested", None),
            "uninstalled" => ("Uninstalled", Some("App instance uninstalled")),
            _ => ("Autoupdated", None),
        };
        rec.transition(st, at, reason, msg);
    }
}

pub fn demo(s: &mut Store) {
    let t = base_time();
    let preset = |n: &str| json!({"preset": {"name": n}});
    // id, template, version, project, states walked after queued, display name, input
    type Spec<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        &'a [&'a str],
        &'a str,
        Value,
    );
    let specs: [Spec; 9] = [
        (
            "704285b2-aab1-4b0a-b8ff-bfbeb37f89e4",
            "stable-diffusion",
            "v25.5.1",
            "test3",
            &["progressing", "healthy"],
            "Stable Diffusion",
            json!({"preset": {"name": "gpu-small"}, "model": {"hf_model": "stabilityai/stable-diffusion-2-1"}}),
        ),
        (
            "5a5fa379-4635-4418-959f-457b44280c21",
            "vscode",
            "v25.6.0",
            "alpha",
            &["progressing", "healthy"],
            "My VS Code",
            json!({"preset": {"name": "cpu-medium"}, "networking": {"http_auth": true}}),
        ),
        (
            "2bdb5225-e9f1-4208-a4af-9f7bd21c6d17",
            "postgres",
            "v25.5.1",
            "alpha",
            &["progressing", "healthy"],
            "Main database",
            json!({"preset": {"name": "cpu-small"}, "users": [{"name": "admin"}, {"name": "app"}], "pg_version": "16"}),
        ),
        (
            "7c1e0d42-5b1a-4c7e-9d0e-3f6a1b2c4d5e",
            "jupyter",
            "master",
            "alpha",
            &["progressing"],
            "Notebooks",
            preset("cpu-small"),
        ),
        (
            "0f3c9a10-8d2e-4b6f-a1c3-5e7d9b2f4a60",
            "shell",
            "v25.5.1",
            "alpha",
            &[],
            "",
            json!({}),
        ),
        (
            "3e8b1f27-6c4d-4a9e-b2f0-1d5c7a9e3b84",
            "jupyter",
            "v25.6.0",
            "test3",
            &["progressing", "healthy", "degraded"],
            "Team notebooks",
            preset("gpu-small"),
        ),
        (
            "9d4a2e6b-1f7c-4e3a-8b5d-c0e2f4a6b8d1",
            "shell",
            "v25.6.0",
            "alpha",
            &["progressing", "errored"],
            "Broken shell",
            json!({"preset": {"name": "cpu-small"}, "http_auth": false}),
        ),
        (
            "b6e0c4a2-3d5f-4b7e-9a1c-2e4f6a8b0c3d",
            "vscode",
            "v25.7.0",
            "alpha",
            &["progressing", "healthy", "uninstalling"],
            "Old IDE",
            preset("cpu-small"),
        ),
        (
            "e1f3a5c7-9b2d-4e6f-8a0c-4b6d8f0a2c5e",
            "shell",
            "v25.5.1",
            "alpha",
            &["progressing", "healthy", "uninstalling", "uninstalled"],
            "",
            json!({}),
        ),
    ];
    for (i, (id, tpl, ver, project, path, display, input)) in specs.into_iter().enumerate() {
        let created = t + Duration::hours(i as i64);
        let app = new_app(id, tpl, ver, project, display, created, "user");
        let seq = s.next_seq();
        let mut rec = Record::new(app, input, seq);
        walk(&mut rec, path);
        s.insert(rec);
    }
    // The stable-diffusion app has a configuration history of three revisions.
    if let Some(rec) = s.apps.get_mut("704285b2-aab1-4b0a-b8ff-bfbeb37f89e4") {
        let c = rec.app.created_at;
        rec.revisions[0].end_at = Some(c + Duration::hours(1));
        let mut r2 = rec.revisions[0].clone();
        r2.number = 2;
        r2.comment = Some("Initial configuration".into());
        r2.created_at = c + Duration::hours(1);
        r2.end_at = Some(c + Duration::hours(2));
        r2.input = json!({"preset": {"name": "gpu-medium"}, "model": {"hf_model": "stabilityai/stable-diffusion-2-1"}});
        let mut r3 = r2.clone();
        r3.number = 3;
        r3.comment = Some("Updated configuration".into());
        r3.created_at = c + Duration::hours(2);
        r3.end_at = None;
        r3.input = json!({"preset": {"name": "gpu-large"}, "model": {"hf_model": "stabilityai/stable-diffusion-xl"}});
        rec.revisions.push(r2);
        rec.revisions.push(r3);
        rec.app.updated_at = c + Duration::hours(2);
    }
}

pub fn generated(s: &mut Store, sizes: GenSizes) {
    let t = base_time();
    let templates = crate::catalog::templates();
    for i in 0..sizes.apps {
        let id = format!("{i:08x}-0000-4000-8000-000000000000");
        let tpl = &templates[i % templates.len()];
        let version = tpl.versions[0];
        let created = t + Duration::minutes(i as i64);
        let state = STATES[i % STATES.len()];
        let mut app = new_app(&id, tpl.name, version, "alpha", "", created, "user");
        app.state = state.to_string();
        if state == "healthy" {
            app.endpoints = vec![format!("https://{}.apps.emulator.local", app.name)];
        }
        let seq = s.next_seq();
        let mut rec = Record::new(app, json!({"preset": {"name": "cpu-small"}}), seq);
        rec.synthetic_events = sizes.events;
        if state == "healthy" {
            rec.output = Some(crate::record::default_output(&rec.app));
        }
        rec.archive_lines = archive_lines_for_bytes(&rec, sizes.log_bytes);
        s.insert(rec);
    }
}

/// About `bytes` bytes of archive (line lengths vary a little).
fn archive_lines_for_bytes(rec: &Record, bytes: usize) -> usize {
    let sample = crate::logs::archive_text(rec, 0).len().max(1);
    bytes.div_ceil(sample)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_has_every_state_and_fixed_ids() {
        let s = build(
            SeedKind::Demo,
            GenSizes {
                apps: 0,
                events: 0,
                log_bytes: 0,
            },
        );
        for st in STATES {
            assert!(s.apps.values().any(|r| r.app.state == st), "{st}");
        }
        let sd = s.get("704285b2-aab1-4b0a-b8ff-bfbeb37f89e4").unwrap();
        assert_eq!(sd.app.project_name, "test3");
        assert_eq!(sd.revisions.len(), 3);
        assert!(sd.output.is_some());
        assert_eq!(
            sd.revisions.iter().filter(|r| r.end_at.is_none()).count(),
            1
        );
        // Outputs exist only on apps that reached healthy.
        let q = s.get("0f3c9a10-8d2e-4b6f-a1c3-5e7d9b2f4a60").unwrap();
        assert!(q.output.is_none());
        assert_eq!(q.app.state, "queued");
    }

    #[test]
    fn generated_sizes() {
        let s = build(
            SeedKind::Generated,
            GenSizes {
                apps: 30,
                events: 120,
                log_bytes: 10_000,
            },
        );
        assert_eq!(s.apps.len(), 30);
        let r = s.get("00000007-0000-4000-8000-000000000000").unwrap();
        assert_eq!(r.total_events(), 120);
        assert!(r.archive_lines > 50);
        assert!(build(
            SeedKind::Empty,
            GenSizes {
                apps: 5,
                events: 0,
                log_bytes: 0
            }
        )
        .apps
        .is_empty());
    }
}
