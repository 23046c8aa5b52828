//! The `ci_account_access` schema.

use crate::resources::{id_attribute, rendered_attribute, tags_attribute};
use crate::schema::{Attribute, Block, Schema, list_of, map_of};
use crate::value::Type;

pub(super) fn schema() -> Schema {
    let block = Block::new(
        "Lets the CI jobs that run as one Kubernetes service account assume an IAM role in \
         one AWS account, through IRSA. The resource registers the cluster's OIDC issuer in \
         the target account (shared by every access to that account), creates the role with \
         a trust policy that pins `sub` and `aud` with `StringEquals`, attaches its policies, \
         and creates the ServiceAccount annotated with the role ARN in the runner pool's \
         namespace. Jobs select it with the GitLab CI variables in `ci_variables`.",
    )
    .attributes(inputs())
    .attributes(outputs());
    Schema::new(block)
}

fn inputs() -> Vec<Attribute> {
    vec![
        Attribute::required("cluster_name", Type::String).description(
            "Name of the central EKS cluster (`ci_cluster.name`), where the ServiceAccount \
             is created.",
        ),
        Attribute::required("oidc_issuer_url", Type::String).description(
            "OIDC issuer URL of the cluster, as `ci_cluster.oidc_issuer_url` reports it \
             (`https://oidc.eks.REGION.amazonaws.com/id/ID`).",
        ),
        Attribute::required("namespace", Type::String).description(
            "Namespace of the runner pool whose jobs get this access \
             (`ci_runner_pool.namespace`). The ServiceAccount is created there.",
        ),
        Attribute::required("service_account", Type::String).description(
            "Name of the Kubernetes service account jobs run as to use this access. Exactly \
             one name: wildcards are rejected, since the trust policy would then admit \
             every matching account.",
        ),
        Attribute::new("account_id", Type::String)
            .optional()
            .description(
                "12-digit ID of the target AWS account. The provider assumes its \
             `target_role_name` role there. Leave unset to work in the account of the \
             provider's own credentials.",
            ),
        Attribute::new("target_role_name", Type::String)
            .optional()
            .description(
                "Overrides the provider's `target_role_name` for this access: the role assumed \
             in `account_id` to manage the objects. Requires `account_id`.",
            ),
        role_name(),
        Attribute::new("policy_arns", list_of(Type::String))
            .optional()
            .description("ARNs of managed policies to attach to the role, at most 20."),
        Attribute::new("inline_policy", Type::String)
            .optional()
            .description(
                "An IAM policy document (JSON, e.g. from `jsonencode()` or \
             `aws_iam_policy_document`) added to the role as its inline policy.",
            ),
        Attribute::new("max_session_duration", Type::Number)
            .optional()
            .description(
                "Longest session a job may get, in seconds, from 3600 (the default) to 43200.",
            ),
        Attribute::new("permissions_boundary", Type::String)
            .optional()
            .description("ARN of a managed policy to set as the role's permissions boundary."),
        tags_attribute("the IAM role and the OIDC provider"),
    ]
}

fn role_name() -> Attribute {
    Attribute::new("role_name", Type::String)
        .optional()
        .computed()
        .description(
            "Name of the IAM role in the target account. Default \
         `ci-<namespace>-<service_account>`, shortened with a hash suffix when longer than \
         64 characters.",
        )
}

fn outputs() -> Vec<Attribute> {
    vec![
        id_attribute("`<account_id>/<role_name>`"),
        Attribute::new("role_arn", Type::String)
            .computed()
            .description("ARN of the IAM role jobs assume."),
        Attribute::new("oidc_provider_arn", Type::String)
            .computed()
            .description("ARN of the cluster's OIDC provider in the target account."),
        Attribute::new("ci_variables", map_of(Type::String))
            .computed()
            .description(
                "GitLab CI variables a job sets to use this access, e.g. \
             `KUBERNETES_SERVICE_ACCOUNT_OVERWRITE`. Merge them into a job's `variables:`.",
            ),
        rendered_attribute(),
    ]
}
