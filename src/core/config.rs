//! `GET {apiUrl}/config` and the defaults apolo-cli picks from it at login.

use super::error::{ApiError, ErrorKind, Result};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub name: String,
    pub orgs: Vec<String>,
    pub monitoring_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub name: String,
    pub cluster_name: String,
    pub org_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    pub authorized: bool,
    pub clusters: Vec<Cluster>,
    pub projects: Vec<Project>,
}

/// The selection: what the caller gave, completed from `/config`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Defaults {
    pub cluster: Option<String>,
    pub org: Option<String>,
    pub project: Option<String>,
    pub monitoring_url: Option<String>,
}

impl ServerConfig {
    /// Parses the body of a 200 answer; `authorized != true` is "Cannot authorize user".
    pub fn parse(body: &str) -> Result<ServerConfig> {
        let bad = |e: String| ApiError::bad_response(200, format!("invalid /config answer ({e})"));
        let value: Value = serde_json::from_str(body).map_err(|e| bad(e.to_string()))?;
        let cfg = Self::read(&value).map_err(bad)?;
        if !cfg.authorized {
            return Err(ApiError::new(
                ErrorKind::Authentication,
                "Cannot authorize user",
            ));
        }
        Ok(cfg)
    }

    /// The keys apolo-cli reads; others are ignored. An absent key takes its default; a key
    /// of the wrong type (null included, except where a value may be null) is an error.
    /// (By hand, not serde's derive: its type errors print values, which brings float
    /// formatting into the .wasm.)
    fn read(v: &Value) -> std::result::Result<ServerConfig, String> {
        let o = v.as_object().ok_or("not a JSON object")?;
        let cluster = |c: &Value| {
            let c = c.as_object().ok_or("a cluster is not an object")?;
            Ok::<_, String>(Cluster {
                name: required(c, "name")?,
                orgs: field(c, "orgs", "a list of strings", strings)?.unwrap_or_default(),
                monitoring_url: field(c, "monitoring_url", "a string or null", nullable_str)?
                    .flatten(),
            })
        };
        let project = |p: &Value| {
            let p = p.as_object().ok_or("a project is not an object")?;
            Ok::<_, String>(Project {
                name: required(p, "name")?,
                cluster_name: required(p, "cluster_name")?,
                org_name: field(p, "org_name", "a string or null", nullable_str)?.flatten(),
            })
        };
        let list = |key| {
            field(o, key, "a list", |v| v.as_array().map(Vec::as_slice))
                .map(Option::unwrap_or_default)
        };
        Ok(ServerConfig {
            authorized: field(o, "authorized", "a boolean", Value::as_bool)?.unwrap_or(false),
            clusters: list("clusters")?
                .iter()
                .map(cluster)
                .collect::<std::result::Result<_, _>>()?,
            projects: list("projects")?
                .iter()
                .map(project)
                .collect::<std::result::Result<_, _>>()?,
        })
    }

    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.name == name)
    }

    /// Fills what `given` leaves out: the first cluster, its first org (or "default-org"),
    /// the alphabetically first project of that cluster/org, the cluster's monitoring URL.
    pub fn resolve(&self, given: &Defaults) -> Defaults {
        let cluster = given
            .cluster
            .clone()
            .or_else(|| self.clusters.first().map(|c| c.name.clone()));
        let found = cluster.as_deref().and_then(|c| self.cluster(c));
        let org = given.org.clone().or_else(|| {
            found.map(|c| {
                c.orgs
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "default-org".to_string())
            })
        });
        let project = given.project.clone().or_else(|| {
            let (c, o) = (cluster.as_deref()?, org.as_deref()?);
            self.projects
                .iter()
                .filter(|p| p.cluster_name == c && p.org_name.as_deref() == Some(o))
                .map(|p| p.name.clone())
                .min()
        });
        let monitoring_url = given
            .monitoring_url
            .clone()
            .or_else(|| found.and_then(|c| c.monitoring_url.clone()));
        Defaults {
            cluster,
            org,
            project,
            monitoring_url,
        }
    }
}

/// `o[key]` read by `get`: None when absent, an error naming `what` it should be when `get`
/// does not take it.
fn field<'v, T>(
    o: &'v Map<String, Value>,
    key: &str,
    what: &str,
    get: impl FnOnce(&'v Value) -> Option<T>,
) -> std::result::Result<Option<T>, String> {
    match o.get(key) {
        None => Ok(None),
        Some(v) => get(v)
            .map(Some)
            .ok_or_else(|| format!("`{key}` is not {what}")),
    }
}

fn required(o: &Map<String, Value>, key: &str) -> std::result::Result<String, String> {
    field(o, key, "a string", Value::as_str)?
        .map(str::to_string)
        .ok_or_else(|| format!("missing field `{key}`"))
}

fn nullable_str(v: &Value) -> Option<Option<String>> {
    match v {
        Value::Null => Some(None),
        Value::String(s) => Some(Some(s.clone())),
        _ => None,
    }
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"authorized": true, "auth_url": "x",
      "clusters": [
        {"name": "default", "orgs": ["superorg", "other"], "monitoring_url": "https://c.example/api/v1/jobs", "registry_url": "r"},
        {"name": "second", "orgs": [], "monitoring_url": "http://c2/api/v1/jobs"}],
      "projects": [
        {"name": "test3", "role": "admin", "cluster_name": "default", "org_name": "superorg"},
        {"name": "alpha", "role": "admin", "cluster_name": "default", "org_name": "superorg"},
        {"name": "aaa", "role": "admin", "cluster_name": "default", "org_name": "other"},
        {"name": "aa", "role": "admin", "cluster_name": "default", "org_name": ""},
        {"name": "zed", "role": "admin", "cluster_name": "second", "org_name": "default-org"}]}"#;

    #[test]
    fn defaults_like_the_cli() {
        let cfg = ServerConfig::parse(BODY).unwrap();
        let d = cfg.resolve(&Defaults::default());
        assert_eq!(d.cluster.as_deref(), Some("default"));
        assert_eq!(d.org.as_deref(), Some("superorg"));
        assert_eq!(d.project.as_deref(), Some("alpha"));
        assert_eq!(
            d.monitoring_url.as_deref(),
            Some("https://c.example/api/v1/jobs")
        );
    }

    #[test]
    fn given_values_win() {
        let cfg = ServerConfig::parse(BODY).unwrap();
        let d = cfg.resolve(&Defaults {
            cluster: Some("second".into()),
            ..Default::default()
        });
        assert_eq!(d.org.as_deref(), Some("default-org"));
        assert_eq!(d.project.as_deref(), Some("zed"));
        assert_eq!(d.monitoring_url.as_deref(), Some("http://c2/api/v1/jobs"));
        let d = cfg.resolve(&Defaults {
            org: Some("other".into()),
            ..Default::default()
        });
        assert_eq!(d.project.as_deref(), Some("aaa"));
        let d = cfg.resolve(&Defaults {
            project: Some("mine".into()),
            monitoring_url: Some("http://m/".into()),
            ..Default::default()
        });
        assert_eq!(d.project.as_deref(), Some("mine"));
        assert_eq!(d.monitoring_url.as_deref(), Some("http://m/"));
    }

    #[test]
    fn no_project_when_none_matches() {
        let cfg = ServerConfig::parse(
            r#"{"authorized": true, "clusters": [{"name": "c"}], "projects": []}"#,
        )
        .unwrap();
        let d = cfg.resolve(&Defaults::default());
        assert_eq!(d.org.as_deref(), Some("default-org"));
        assert_eq!(d.project, None);
        assert_eq!(d.monitoring_url, None);
    }

    #[test]
    fn unauthorized_and_garbage() {
        let e = ServerConfig::parse(r#"{"authorized": false, "auth_url": "x"}"#).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Authentication);
        assert_eq!(e.message, "Cannot authorize user");
        assert_eq!(
            ServerConfig::parse("[]").unwrap_err().kind,
            ErrorKind::BadGateway
        );
    }

    #[test]
    fn keys_of_the_wrong_type_are_bad_answers() {
        for (body, says) in [
            (r#"{"authorized": "yes"}"#, "`authorized` is not a boolean"),
            (r#"{"authorized": null}"#, "`authorized` is not a boolean"),
            (
                r#"{"authorized": true, "clusters": {}}"#,
                "`clusters` is not a list",
            ),
            (
                r#"{"authorized": true, "clusters": [1]}"#,
                "a cluster is not an object",
            ),
            (
                r#"{"authorized": true, "clusters": [{}]}"#,
                "missing field `name`",
            ),
            (
                r#"{"authorized": true, "clusters": [{"name": 2.5}]}"#,
                "`name` is not a string",
            ),
            (
                r#"{"authorized": true, "clusters": [{"name": "c", "orgs": ["a", 1]}]}"#,
                "`orgs` is not a list of strings",
            ),
            (
                r#"{"authorized": true, "clusters": [{"name": "c", "monitoring_url": 1}]}"#,
                "`monitoring_url` is not a string or null",
            ),
            (
                r#"{"authorized": true, "projects": [{"name": "p"}]}"#,
                "missing field `cluster_name`",
            ),
            (
                r#"{"authorized": true, "projects": [{"name": "p", "cluster_name": "c", "org_name": []}]}"#,
                "`org_name` is not a string or null",
            ),
        ] {
            let e = ServerConfig::parse(body).unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadGateway, "{body}");
            assert!(e.message.contains(says), "{body}: {}", e.message);
        }
        // Nulls where a value may be null, and absent keys, take their defaults.
        let cfg = ServerConfig::parse(
            r#"{"authorized": true, "clusters": [{"name": "c", "monitoring_url": null}],
                "projects": [{"name": "p", "cluster_name": "c", "org_name": null}]}"#,
        )
        .unwrap();
        assert_eq!(cfg.clusters[0].orgs, Vec::<String>::new());
        assert_eq!(cfg.clusters[0].monitoring_url, None);
        assert_eq!(cfg.projects[0].org_name, None);
    }
}
