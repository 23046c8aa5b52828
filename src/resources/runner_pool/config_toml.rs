//! `config.toml` of the runner manager, Kubernetes executor.
//!
//! Written by a small TOML writer rather than a serializer: the file has a
//! fixed shape (globals, one `[[runners]]`, its `[runners.kubernetes]` and
//! two string maps), and a writer of our own keeps key order stable, so a
//! plan's diff of the file is exactly the lines that changed.
//!
//! The token is never written here. GitLab Runner 17 reads `token` only from
//! the file (environment expansion of `token` is not released), so the
//! file holds [`TOKEN_PLACEHOLDER`] and the runner Deployment's start
//! command puts the token from the Secret in its place, in a file on an
//! `emptyDir` that only the runner's container sees.

use std::fmt::Write;

use super::expand::{POOL_LABEL, Pool};

/// Stands for the token in the ConfigMap; replaced when the runner starts.
pub const TOKEN_PLACEHOLDER: &str = "__RUNNER_TOKEN__";
/// Seconds between the runner's requests for new jobs.
pub const CHECK_INTERVAL: i64 = 3;

/// One TOML value of the file.
enum Item {
    Text(String),
    Integer(i64),
}

/// Lines of one table, in order.
#[derive(Default)]
struct Table(Vec<(String, Item)>);

impl Table {
    fn text(&mut self, key: &str, value: impl Into<String>) {
        self.0.push((key.to_string(), Item::Text(value.into())));
    }

    fn optional_text(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.text(key, value);
        }
    }

    fn integer(&mut self, key: &str, value: i64) {
        self.0.push((key.to_string(), Item::Integer(value)));
    }

    fn write(&self, out: &mut String, indent: &str) {
        for (key, item) in &self.0 {
            let value = match item {
                Item::Text(text) => quoted(text),
                Item::Integer(number) => number.to_string(),
            };
            let _ = writeln!(out, "{indent}{} = {value}", bare_or_quoted(key));
        }
    }
}

/// The file for `pool`.
pub fn render(pool: &Pool) -> String {
    let mut out = String::new();
    globals(pool).write(&mut out, "");
    out.push_str("\n[[runners]]\n");
    runner(pool).write(&mut out, "  ");
    out.push_str("  [runners.kubernetes]\n");
    kubernetes(pool).write(&mut out, "    ");
    out.push_str("    [runners.kubernetes.node_selector]\n");
    let mut selector = Table::default();
    selector.text(POOL_LABEL, &pool.group);
    selector.write(&mut out, "      ");
    out.push_str("    [runners.kubernetes.node_tolerations]\n");
    let mut tolerations = Table::default();
    tolerations.text(&pool.node_label(), "NoSchedule");
    tolerations.write(&mut out, "      ");
    out
}

fn globals(pool: &Pool) -> Table {
    let mut table = Table::default();
    table.integer("concurrent", pool.concurrent);
    table.integer("check_interval", CHECK_INTERVAL);
    table
}

fn runner(pool: &Pool) -> Table {
    let mut table = Table::default();
    table.text("name", format!("{}-{}", pool.cluster, pool.group));
    table.text("url", &pool.gitlab_url);
    table.text("token", TOKEN_PLACEHOLDER);
    table.text("executor", "kubernetes");
    table
}

fn kubernetes(pool: &Pool) -> Table {
    let mut table = Table::default();
    table.text("namespace", &pool.namespace);
    for (resource, value) in pool.job_defaults.named() {
        table.optional_text(resource, value);
    }
    for (resource, value) in pool.job_maximums.named() {
        table.optional_text(&format!("{resource}_overwrite_max_allowed"), value);
    }
    let pattern = service_account_pattern(pool.allowed_service_accounts.as_deref());
    table.optional_text("service_account_overwrite_allowed", pattern.as_deref());
    let annotations = pool.allowed_annotation_keys();
    if !annotations.is_empty() {
        table.text(
            "pod_annotations_overwrite_allowed",
            anchored_alternatives(&annotations),
        );
    }
    table.integer("poll_timeout", pool.poll_timeout);
    table
}

/// The anchored pattern of service accounts jobs may choose, or `None`
/// when no list is given: then jobs cannot choose at all. A pattern for
/// "any name" would also admit the runner manager's own service account,
/// which may read the token Secret, so least privilege means listing names.
pub fn service_account_pattern(allowed: Option<&[String]>) -> Option<String> {
    allowed
        .filter(|names| !names.is_empty())
        .map(anchored_alternatives)
}

/// `^(a|b)$` with every regex metacharacter of the names escaped.
fn anchored_alternatives(names: &[String]) -> String {
    let escaped: Vec<String> = names.iter().map(|name| regex_escape(name)).collect();
    format!("^({})$", escaped.join("|"))
}

fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn bare_or_quoted(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { key.to_string() } else { quoted(key) }
}

/// A TOML basic string.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_and_keys_quoted_when_needed() {
        assert_eq!(quoted("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(bare_or_quoted("poll_timeout"), "poll_timeout");
        assert_eq!(bare_or_quoted("ci-platform/pool"), "\"ci-platform/pool\"");
    }

    #[test]
    fn service_account_patterns_are_anchored_and_escaped() {
        let names = vec!["deploy".to_string(), "a.b".to_string()];
        assert_eq!(
            service_account_pattern(Some(&names)).as_deref(),
            Some("^(deploy|a\\.b)$")
        );
        assert_eq!(
            service_account_pattern(None),
            None,
            "no list: no overwrite at all"
        );
    }
}
