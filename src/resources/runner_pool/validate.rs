//! Validation of `ci_runner_pool` configurations.

use super::jobs;
use super::{DEFAULT_CAPACITY_TYPES, DEFAULT_INSTANCE_FAMILIES};
use crate::diagnostics::Diagnostics;
use crate::resources::field::Field;
use crate::resources::validate::{
    self, Check, Problem, annotation_key, availability_zone, dns_label, dns_subdomain, eks_name,
    ensure, http_url, instance_family, instance_size, karpenter_duration, one_of,
    positive_quantity, service_account_name,
};
use crate::value::Value;

const ANNOTATION_PURPOSES: &[&str] = &["capacity_type", "gpu", "instance_type"];
const ARCHITECTURES: &[&str] = &["amd64", "arm64"];
const CAPACITY_TYPES: &[&str] = &["spot", "on-demand", "reserved"];

pub(super) fn validate(config: &Value) -> Diagnostics {
    let root = Field::root(config);
    let mut diags = Diagnostics::default();
    check_pool(&root, &mut diags);
    check_token(&root, &mut diags);
    check_job_choices(&root, &mut diags);
    check_node_pool(&root.attr("node_pool"), &mut diags);
    check_capabilities(&root, &mut diags);
    jobs::check(&root, &mut diags);
    diags
}

/// The known strings of a list, `default` when it is null, `None` when it
/// or any element is unknown.
pub(super) fn string_list<'a>(field: &Field<'a>, default: &'a [&'a str]) -> Option<Vec<&'a str>> {
    if field.is_null() {
        return Some(default.to_vec());
    }
    let elements = field.value.elements()?;
    elements.iter().map(Value::as_str).collect()
}

fn check_pool(root: &Field, diags: &mut Diagnostics) {
    root.attr("cluster_name").check(diags, eks_name(100));
    root.attr("group").check(diags, dns_label);
    root.attr("namespace").check(diags, job_namespace);
    root.attr("gitlab_url").check(diags, http_url);
    root.attr("runner_image").check(diags, image_reference);
    validate::whole_number(&root.attr("concurrent"), diags, "concurrent", 1, 1000);
    validate::whole_number(&root.attr("poll_timeout"), diags, "poll_timeout", 1, 3600);
    check_labels(&root.attr("labels"), diags);
}

fn job_namespace(value: &str) -> Result<(), Problem> {
    dns_label(value)?;
    let system = value == "default" || value.starts_with("kube-");
    ensure(!system, "Reserved namespace", || {
        format!(
            "{value:?} is a Kubernetes system namespace; CI jobs need a namespace of their own."
        )
    })
}

fn image_reference(value: &str) -> Result<(), Problem> {
    let ok = !value.is_empty()
        && !value.contains(char::is_whitespace)
        && !value.ends_with([':', '@', '/']);
    ensure(ok, "Invalid image", || {
        format!(
            "{value:?} is not a container image reference such as \
             \"registry.example.com/gitlab-runner:v17.11.0\"."
        )
    })
}

fn check_labels(labels: &Field, diags: &mut Diagnostics) {
    for (key, value) in labels.entries().unwrap_or_default() {
        if let Err(problem) = annotation_key(key) {
            diags.push(Problem::new("Invalid label", problem.detail).at(value.path.clone()));
        }
        value.check(diags, label_value);
    }
}

fn label_value(value: &str) -> Result<(), Problem> {
    let edge = |c: Option<char>| c.is_none_or(|c| c.is_ascii_alphanumeric());
    let inner = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    let ok = value.len() <= 63 && inner && edge(value.chars().next()) && edge(value.chars().last());
    ensure(ok, "Invalid label", || {
        format!(
            "Label value {value:?} must be at most 63 letters, digits, '-', '_' or '.', \
             starting and ending with a letter or digit."
        )
    })
}

/// Exactly one of `runner_token` and `runner_token_wo`, once both are known.
/// Token values never appear in messages: they are secrets.
fn check_token(root: &Field, diags: &mut Diagnostics) {
    let token = root.attr("runner_token");
    let write_only = root.attr("runner_token_wo");
    for field in [&token, &write_only] {
        if field.str().is_some_and(|t| t.trim().is_empty()) {
            let detail = "The runner token is empty; pass the token GitLab issued.";
            diags.push(field.error("Empty runner token", detail));
        }
    }
    check_one_token(&token, &write_only, diags);
    let version = root.attr("runner_token_wo_version");
    if !version.is_null() && write_only.is_null() {
        diags.push(version.error(
            "runner_token_wo_version without runner_token_wo",
            "runner_token_wo_version only triggers sending runner_token_wo again; remove it \
             or use runner_token_wo.",
        ));
    }
}

fn check_one_token(token: &Field, write_only: &Field, diags: &mut Diagnostics) {
    let known = |f: &Field| !f.is_unknown();
    if !token.is_null() && !write_only.is_null() && known(token) && known(write_only) {
        let detail = "Set either runner_token or runner_token_wo, not both.";
        diags.push(write_only.error("Conflicting runner tokens", detail));
    }
    if token.is_null() && write_only.is_null() {
        diags.push(token.error(
            "Missing runner token",
            "Set runner_token (stored in state) or, on Terraform 1.11+, runner_token_wo \
             (never stored).",
        ));
    }
}

fn check_job_choices(root: &Field, diags: &mut Diagnostics) {
    let accounts = root.attr("allowed_service_accounts");
    accounts.check_each(diags, service_account_name);
    validate::unique_strings(&accounts, diags, "service account");
    for (purpose, key) in root.attr("annotation_keys").entries().unwrap_or_default() {
        if let Err(problem) = one_of("annotation purpose", ANNOTATION_PURPOSES)(purpose) {
            diags.push(problem.at(key.path.clone()));
        }
        key.check(diags, annotation_key);
    }
}

fn check_node_pool(block: &Field, diags: &mut Diagnostics) {
    let requirements: [(&str, Check, &str); 4] = [
        ("instance_families", instance_family, "instance family"),
        ("architectures", architecture, "architecture"),
        ("capacity_types", capacity_type, "capacity type"),
        ("zones", availability_zone, "zone"),
    ];
    for (name, check, what) in requirements {
        let list = block.attr(name);
        list.check_each(diags, check);
        validate::unique_strings(&list, diags, what);
        let detail = format!(
            "An empty {name} list allows no node at all; list at least one {what} or remove it."
        );
        validate::not_empty(&list, diags, "Empty requirement", &detail);
    }
    let excluded = block.attr("excluded_sizes");
    excluded.check_each(diags, instance_size);
    validate::unique_strings(&excluded, diags, "instance size");
    check_node_pool_settings(block, diags);
}

fn architecture(value: &str) -> Result<(), Problem> {
    one_of("architecture", ARCHITECTURES)(value)
}

fn capacity_type(value: &str) -> Result<(), Problem> {
    one_of("capacity type", CAPACITY_TYPES)(value)
}

fn check_node_pool_settings(block: &Field, diags: &mut Diagnostics) {
    block.attr("cpu_limit").check(diags, positive_quantity);
    block.attr("memory_limit").check(diags, positive_quantity);
    block
        .attr("consolidate_after")
        .check(diags, karpenter_duration);
    block.attr("expire_after").check(diags, karpenter_duration);
    block
        .attr("disruption_budget")
        .check(diags, disruption_budget);
    block.attr("node_class").check(diags, dns_subdomain);
    validate::whole_number(&block.attr("weight"), diags, "weight", 0, 100);
}

/// `10%` or `3`, as Karpenter's `budgets[].nodes`.
fn disruption_budget(value: &str) -> Result<(), Problem> {
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    let ok = match value.strip_suffix('%') {
        Some(percent) => digits(percent) && percent.parse::<u32>().is_ok_and(|p| p <= 100),
        None => digits(value),
    };
    ensure(ok, "Invalid disruption budget", || {
        format!("{value:?} is not a node count or percentage; write e.g. \"10%\" or \"2\".")
    })
}

/// What jobs may ask for must be something the NodePool can provide.
fn check_capabilities(root: &Field, diags: &mut Diagnostics) {
    let node_pool = root.attr("node_pool");
    let capacity_types = node_pool.attr("capacity_types");
    let spot_allowed = root
        .attr("allow_spot")
        .bool()
        .unwrap_or(!root.attr("allow_spot").is_unknown());
    let types = string_list(&capacity_types, DEFAULT_CAPACITY_TYPES);
    if spot_allowed && types.is_some_and(|t| !t.is_empty() && !t.contains(&"spot")) {
        diags.push(capacity_types.error(
            "Spot not allowed by the NodePool",
            "allow_spot lets jobs ask for spot capacity with the capacity-type annotation, but \
             capacity_types has no \"spot\", so such jobs would never be scheduled. Add \"spot\" \
             or set allow_spot = false.",
        ));
    }
    check_gpu(root, &node_pool, diags);
}

fn check_gpu(root: &Field, node_pool: &Field, diags: &mut Diagnostics) {
    let gpu_nodes = node_pool.attr("gpu");
    let allow_gpu = root.attr("allow_gpu");
    if allow_gpu.bool() == Some(true) && (gpu_nodes.is_null() || gpu_nodes.bool() == Some(false)) {
        diags.push(allow_gpu.error(
            "GPU jobs without GPU nodes",
            "allow_gpu lets jobs ask for a GPU, but node_pool.gpu is off, so they would never \
             be scheduled. Set node_pool.gpu = true and add a GPU family such as \"g5\".",
        ));
    }
    let families = string_list(
        &node_pool.attr("instance_families"),
        DEFAULT_INSTANCE_FAMILIES,
    );
    let has_gpu_family = |f: &Vec<&str>| f.iter().any(|f| is_gpu_family(f));
    if gpu_nodes.bool() == Some(true)
        && families.is_some_and(|f| !f.is_empty() && !has_gpu_family(&f))
    {
        diags.push(gpu_nodes.error(
            "No GPU instance family",
            "node_pool.gpu is on but instance_families has no GPU family (g4dn, g5, g6, p4d \
             ...); add one.",
        ));
    }
}

/// GPU families are the `g` and `p` families: `g4dn`, `g5`, `p4d`, `p5`.
fn is_gpu_family(family: &str) -> bool {
    let mut chars = family.chars();
    matches!(chars.next(), Some('g' | 'p')) && chars.next().is_some_and(|c| c.is_ascii_digit())
}
