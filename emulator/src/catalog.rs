//! The static template catalogue (the same in every seed).

use serde_json::{json, Value};

pub struct Template {
    pub name: &'static str,
    pub title: &'static str,
    pub short_description: &'static str,
    pub description: &'static str,
    pub tags: &'static [&'static str],
    /// Oldest first; the last one is what `latest` resolves to.
    pub versions: &'static [&'static str],
    pub containers: &'static [&'static str],
}

static TEMPLATES: &[Template] = &[
    Template {
        name: "shell",
        title: "Shell",
        short_description: "A web terminal in the browser",
        description: "Runs a shell in a container and exposes it through a web terminal.",
        tags: &["shell", "terminal"],
        versions: &["v25.5.1", "v25.6.0", "v25.7.0"],
        containers: &["shell"],
    },
    Template {
        name: "jupyter",
        title: "Jupyter",
        short_description: "Web-based interactive development environment for notebooks",
        description: "JupyterLab with the platform storage mounted.",
        tags: &["Jupyter", "Notebooks"],
        versions: &["v25.5.1", "v25.6.0", "master"],
        containers: &["jupyter", "git-sync"],
    },
    Template {
        name: "vscode",
        title: "VS Code",
        short_description: "Visual Studio Code in the browser",
        description: "code-server, optionally wired to an LLM API of another app.",
        tags: &["IDE", "development"],
        versions: &["v25.6.0", "v25.7.0"],
        containers: &["vscode"],
    },
    Template {
        name: "stable-diffusion",
        title: "Stable Diffusion",
        short_description: "AI image generation model",
        description: "Stable Diffusion served behind a REST API.",
        tags: &["ai", "image-generation"],
        versions: &["v25.5.1", "v25.5.2", "v25.6.0", "master"],
        containers: &["app", "model-loader"],
    },
    Template {
        name: "postgres",
        title: "PostgreSQL",
        short_description: "Managed PostgreSQL cluster",
        description: "A Crunchy PostgreSQL cluster with users and a connection pooler.",
        tags: &["database", "sql"],
        versions: &["v25.5.1", "v25.6.0"],
        containers: &["postgres", "pgbouncer"],
    },
];

pub fn templates() -> &'static [Template] {
    TEMPLATES
}

pub fn find(name: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.name == name)
}

impl Template {
    pub fn latest(&self) -> &'static str {
        self.versions.last().copied().unwrap_or("master")
    }

    /// `latest` resolves to the newest version; unknown versions give None.
    pub fn resolve(&self, version: &str) -> Option<&'static str> {
        if version == "latest" {
            return Some(self.latest());
        }
        self.versions.iter().copied().find(|v| *v == version)
    }

    pub fn version_index(&self, version: &str) -> Option<usize> {
        self.versions.iter().position(|v| *v == version)
    }

    /// Versions newer than `installed`, newest first (empty when `installed` is unknown).
    pub fn newer_than(&self, installed: &str) -> Vec<String> {
        match self.version_index(installed) {
            Some(i) => self.versions[i + 1..]
                .iter()
                .rev()
                .map(|s| s.to_string())
                .collect(),
            None => Vec::new(),
        }
    }

    pub fn summary(&self, version: &str, with_name: bool) -> Value {
        let mut v = json!({
            "version": version,
            "title": self.title,
            "short_description": self.short_description,
            "tags": self.tags,
        });
        if with_name {
            v["name"] = json!(self.name);
        }
        v
    }

    pub fn detail(&self, version: &str) -> Value {
        json!({
            "name": self.name,
            "title": self.title,
            "version": version,
            "short_description": self.short_description,
            "description": self.description,
            "tags": self.tags,
            "input": self.schema(version),
        })
    }

    pub fn schema(&self, version: &str) -> Value {
        let idx = self.version_index(version).unwrap_or(0);
        let preset = json!({
            "type": "object", "title": "Resource preset",
            "properties": {"name": {"type": "string", "minLength": 1}},
            "required": ["name"]
        });
        let networking = json!({
            "type": "object", "title": "Networking",
            "properties": {"http_auth": {"type": "boolean"}, "ingress_http": {"type": "boolean"}}
        });
        let mut props = serde_json::Map::new();
        props.insert("preset".into(), preset);
        let mut required = vec!["preset"];
        match self.name {
            "shell" => {
                required.clear();
                if idx >= 1 {
                    props.insert("http_auth".into(), json!({"type": "boolean"}));
                }
            }
            "jupyter" => {
                props.insert("networking".into(), networking);
                props.insert(
                    "storage".into(),
                    json!({"type": "object", "properties": {"mount_path": {"type": "string"}}}),
                );
            }
            "vscode" => {
                props.insert("networking".into(), networking);
                props.insert(
                    "llm_api".into(),
                    json!({
                        "type": "object", "title": "LLM API (may be an app-instance-ref)",
                        "properties": {
                            "host": {"type": "string"}, "port": {"type": "integer"},
                            "protocol": {"type": "string"}, "base_path": {"type": "string"},
                            "timeout": {"type": "number"}, "api_type": {"type": "string"},
                            "__type__": {"type": "string"}
                        },
                        "required": ["host"]
                    }),
                );
            }
            "stable-diffusion" => {
                props.insert(
                    "model".into(),
                    json!({"type": "object", "properties": {"hf_model": {"type": "string"}}}),
                );
                if idx >= 3 {
                    props.insert(
                        "replicas".into(),
                        json!({"type": "integer", "minimum": 1, "maximum": 4}),
                    );
                }
            }
            "postgres" => {
                props.insert(
                    "users".into(),
                    json!({"type": "array", "items": {
                        "type": "object", "properties": {"name": {"type": "string", "minLength": 1}},
                        "required": ["name"]}}),
                );
                props.insert(
                    "pg_version".into(),
                    json!({"type": "string", "enum": ["15", "16"]}),
                );
            }
            _ => {}
        }
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "title": format!("{} input", self.title),
            "properties": props,
            "required": required,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_and_upgrades_are_ordered() {
        let sd = find("stable-diffusion").unwrap();
        assert_eq!(sd.resolve("latest"), Some("master"));
        assert_eq!(sd.resolve("v25.5.2"), Some("v25.5.2"));
        assert_eq!(sd.resolve("nope"), None);
        assert_eq!(
            sd.newer_than("v25.5.1"),
            vec!["master", "v25.6.0", "v25.5.2"]
        );
        assert!(sd.newer_than("master").is_empty());
        assert!(sd.newer_than("unknown").is_empty());
    }
}
