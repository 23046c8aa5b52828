//! The `ci_runner_pool` schema.

use super::*;
use crate::resources::cluster::DEFAULT_NODE_CLASS;
use crate::resources::{id_attribute, rendered_attribute};
use crate::schema::{Attribute, Block, NestedBlock, list_of, map_of};
use crate::value::Type;

pub(super) fn schema() -> Schema {
    let block = Block::new(
        "Runners for one GitLab group: a namespace for the group's jobs, a GitLab Runner \
         manager with the Kubernetes executor (its `config.toml` says how much CPU and \
         memory jobs get by default and may ask for, which service accounts and pod \
         annotations they may choose), and a Karpenter `NodePool` that launches the \
         cheapest fitting instances for those jobs only. Jobs choose CPU, memory, service \
         account and spot capacity with GitLab CI variables such as \
         `KUBERNETES_CPU_REQUEST` and `KUBERNETES_POD_ANNOTATIONS_1`.",
    )
    .attributes(pool_inputs())
    .attributes(token_inputs())
    .attributes(job_choice_inputs())
    .attributes(outputs())
    .block(job_resources_block("job_defaults", JOB_DEFAULTS))
    .block(job_resources_block("job_maximums", JOB_MAXIMUMS))
    .block(node_pool_block());
    Schema::new(block)
}

fn pool_inputs() -> Vec<Attribute> {
    vec![
        Attribute::required("cluster_name", Type::String)
            .description("Name of the `ci_cluster` the pool runs on."),
        Attribute::required("group", Type::String).description(
            "The GitLab group this pool serves, as a Kubernetes name: at most 63 lowercase \
             letters, digits and `-` (e.g. `payments`). It names the NodePool and the runner \
             Deployment; changing it replaces the pool.",
        ),
        Attribute::new("namespace", Type::String)
            .optional()
            .computed()
            .description(
                "Namespace the runner manager and the group's jobs run in. Default `ci-<group>`.",
            ),
        Attribute::required("gitlab_url", Type::String)
            .description("URL of the GitLab instance, e.g. `https://gitlab.example.com`."),
        Attribute::new("runner_image", Type::String)
            .optional()
            .computed()
            .description(format!(
                "GitLab Runner image for the runner manager. Default `{DEFAULT_RUNNER_IMAGE}`."
            )),
        Attribute::new("concurrent", Type::Number)
            .optional()
            .description(format!(
                "How many jobs the pool runs at once, 1 to 1000. Default {DEFAULT_CONCURRENT}."
            )),
        Attribute::new("poll_timeout", Type::Number)
            .optional()
            .description(format!(
                "Seconds a job waits for its pod to start (and so for a node to be launched), \
             1 to 3600. Default {DEFAULT_POLL_TIMEOUT}."
            )),
        Attribute::new("labels", map_of(Type::String))
            .optional()
            .description(
                "Kubernetes labels added to every object of the pool. The pool has no AWS \
             objects of its own: instance tags come from the cluster's `node_class`.",
            ),
    ]
}

fn token_inputs() -> Vec<Attribute> {
    vec![
        Attribute::new("runner_token", Type::String)
            .optional()
            .sensitive()
            .description(
                "Authentication token of the runner (`glrt-...`), e.g. \
             `gitlab_user_runner.this.token`. Stored in state, hidden in plans and logs. Set \
             exactly one of `runner_token` and `runner_token_wo`.",
            ),
        Attribute::new("runner_token_wo", Type::String)
            .optional()
            .sensitive()
            .write_only()
            .description(
                "The runner token as a write-only value: never stored in plan or state on \
             Terraform 1.11+ (older versions store it like `runner_token`). Bump \
             `runner_token_wo_version` to roll out a new token. Set exactly one of \
             `runner_token` and `runner_token_wo`.",
            ),
        Attribute::new("runner_token_wo_version", Type::Number)
            .optional()
            .description(
                "Any number; changing it makes the provider send `runner_token_wo` again and roll \
             the runner Deployment. Only with `runner_token_wo`.",
            ),
    ]
}

fn job_choice_inputs() -> Vec<Attribute> {
    let flag = |name: &str, default: bool, what: &str| {
        Attribute::new(name, Type::Bool)
            .optional()
            .description(format!("{what} Default `{default}`."))
    };
    vec![
        Attribute::new("allowed_service_accounts", list_of(Type::String))
            .optional()
            .description(
                "Service accounts in the pool's namespace that jobs may run as with \
             `KUBERNETES_SERVICE_ACCOUNT_OVERWRITE` (exact names; wildcards are rejected). \
             Default: none, so jobs run as the namespace's `default` service account; list the \
             service accounts of this pool's `ci_account_access` resources here.",
            ),
        flag(
            "allow_spot",
            true,
            "Whether jobs may choose spot or on-demand capacity with the capacity-type \
             annotation. Requires `spot` in `node_pool.capacity_types`.",
        ),
        flag(
            "allow_gpu",
            false,
            "Whether jobs may ask for a GPU node with the GPU annotation. Requires \
             `node_pool.gpu`.",
        ),
        flag(
            "allow_instance_type",
            false,
            "Whether jobs may pin an instance type with the instance-type annotation. The \
             type must still be one the NodePool allows.",
        ),
        Attribute::new("annotation_keys", map_of(Type::String))
            .optional()
            .description(
                "The job pod annotation keys, by purpose: `capacity_type`, `gpu`, \
             `instance_type`. Must match the cluster's job policies; pass \
             `ci_cluster.this.job_annotation_keys`. Default: the cluster's defaults.",
            ),
    ]
}

fn outputs() -> Vec<Attribute> {
    vec![
        id_attribute("`<cluster_name>/<group>`"),
        Attribute::new("node_pool_name", Type::String)
            .computed()
            .description("Name of the Karpenter NodePool of this pool."),
        Attribute::new("node_label", Type::String)
            .computed()
            .description(
                "The `key=value` node label and taint that reserve nodes for this pool's jobs; \
             `ci_warm_pool` puts it on its node groups.",
            ),
        rendered_attribute(),
    ]
}

const JOB_DEFAULTS: &str = "what a job gets when it sets no `KUBERNETES_*` variable";
const JOB_MAXIMUMS: &str = "the most a job may ask for with `KUBERNETES_*` variables \
                            (`*_overwrite_max_allowed`); unset means jobs cannot change it";

fn job_resources_block(name: &str, meaning: &str) -> NestedBlock {
    let quantity = |attribute: &str, what: &str, example: &str| {
        Attribute::new(attribute, Type::String)
            .optional()
            .description(format!(
                "{what}, as a Kubernetes quantity such as `{example}`."
            ))
    };
    let block = Block::new(format!("CPU and memory of job pods: {meaning}."))
        .attribute(quantity("cpu_request", "CPU request", "500m"))
        .attribute(quantity("cpu_limit", "CPU limit", "2"))
        .attribute(quantity("memory_request", "Memory request", "1Gi"))
        .attribute(quantity("memory_limit", "Memory limit", "4Gi"));
    NestedBlock::single(name, block)
}

fn node_pool_block() -> NestedBlock {
    let block = Block::new(
        "The Karpenter `NodePool` this pool's jobs run on: which instances it may launch, \
         how much in total, and when it removes nodes.",
    )
    .attributes(requirement_attributes())
    .attributes(limit_and_disruption_attributes());
    NestedBlock::single("node_pool", block)
}

/// An optional list of strings whose description names its default.
fn string_list(name: &str, defaults: &[&str], what: &str) -> Attribute {
    let default = match defaults {
        [] => "none".to_string(),
        _ => format!("`{defaults:?}`"),
    };
    Attribute::new(name, list_of(Type::String))
        .optional()
        .description(format!("{what} Default {default}."))
}

/// An optional string whose description names its default.
fn string_with_default(name: &str, default: &str, what: &str) -> Attribute {
    Attribute::new(name, Type::String)
        .optional()
        .description(format!("{what} Default `{default}`."))
}

fn requirement_attributes() -> Vec<Attribute> {
    vec![
        string_list(
            "instance_families",
            DEFAULT_INSTANCE_FAMILIES,
            "EC2 instance families Karpenter may choose from.",
        ),
        string_list(
            "excluded_sizes",
            DEFAULT_EXCLUDED_SIZES,
            "Instance sizes Karpenter must not launch.",
        ),
        string_list(
            "architectures",
            DEFAULT_ARCHITECTURES,
            "CPU architectures: `amd64`, `arm64`.",
        ),
        string_list(
            "capacity_types",
            DEFAULT_CAPACITY_TYPES,
            "Capacity types: `spot`, `on-demand`, `reserved`.",
        ),
        string_list(
            "zones",
            &[],
            "Availability zones nodes may be launched in; unset allows every zone of the \
             cluster's subnets.",
        ),
        Attribute::new("gpu", Type::Bool).optional().description(
            "Whether GPU instances (families such as `g5` listed in `instance_families`) may \
             be launched; they carry a GPU taint so only jobs that ask for a GPU land there. \
             Default `false`.",
        ),
    ]
}

fn limit_and_disruption_attributes() -> Vec<Attribute> {
    vec![
        string_with_default(
            "cpu_limit",
            DEFAULT_CPU_LIMIT,
            "Most CPU all the pool's nodes may have together.",
        ),
        string_with_default(
            "memory_limit",
            DEFAULT_MEMORY_LIMIT,
            "Most memory all the pool's nodes may have together.",
        ),
        string_with_default(
            "consolidate_after",
            DEFAULT_CONSOLIDATE_AFTER,
            "How long a node stays empty before Karpenter removes it (`30s`, `5m`, `Never`).",
        ),
        string_with_default(
            "expire_after",
            DEFAULT_EXPIRE_AFTER,
            "Age at which nodes are replaced (`720h`, `Never`).",
        ),
        string_with_default(
            "disruption_budget",
            DEFAULT_DISRUPTION_BUDGET,
            "How many nodes Karpenter may disrupt at once, a number or a percentage.",
        ),
        string_with_default(
            "node_class",
            DEFAULT_NODE_CLASS,
            "Name of the cluster's `EC2NodeClass` the nodes use.",
        ),
        Attribute::new("weight", Type::Number)
            .optional()
            .description(
                "Priority of this NodePool over others that could run the same pods, 0 to 100. \
             Default: none (lowest).",
            ),
    ]
}
