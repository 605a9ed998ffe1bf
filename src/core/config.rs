//! `GET {apiUrl}/config` and the defaults apolo-cli picks from it at login.

use super::error::{ApiError, ErrorKind, Result};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Cluster {
    pub name: String,
    #[serde(default)]
    pub orgs: Vec<String>,
    #[serde(default)]
    pub monitoring_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Project {
    pub name: String,
    pub cluster_name: String,
    #[serde(default)]
    pub org_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ServerConfig {
    #[serde(default)]
    pub authorized: bool,
    #[serde(default)]
    pub clusters: Vec<Cluster>,
    #[serde(default)]
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
        let value: serde_json::Value =
            serde_json::from_str(body).map_err(|e| bad(e.to_string()))?;
        if !value.is_object() {
            return Err(bad("not a JSON object".into()));
        }
        let cfg: ServerConfig = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        if !cfg.authorized {
            return Err(ApiError::new(
                ErrorKind::Authentication,
                "Cannot authorize user",
            ));
        }
        Ok(cfg)
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
}
