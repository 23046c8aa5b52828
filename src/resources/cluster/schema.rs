//! The `ci_cluster` schema.

use super::*;
use crate::resources::{id_attribute, rendered_attribute, tags_attribute, timeouts};
use crate::schema::{Attribute, Block, NestedBlock, list_of, map_of};
use crate::value::Type;

pub(super) fn schema() -> Schema {
    let block = Block::new(
        "The central CI cluster: an EKS cluster with its IAM role and OIDC provider, \
         Karpenter's AWS prerequisites (node role, controller role with IRSA, interruption \
         queue and its EventBridge rules, node access), the default `EC2NodeClass`, and \
         the Kyverno policies that route CI job pods by annotation and spread them across \
         zones. Karpenter and Kyverno themselves are installed separately (Helm or EKS \
         add-ons); the provider says which CRD is missing if they are not.",
    )
    .attributes(cluster_inputs())
    .attributes(karpenter_names())
    .attributes(outputs())
    .block(karpenter_block())
    .block(node_class_block())
    .block(job_policies_block())
    .block(timeouts::block(TIMEOUT_DEFAULTS));
    Schema::new(block)
}

fn cluster_inputs() -> Vec<Attribute> {
    vec![
        Attribute::required("name", Type::String).description(
            "Name of the EKS cluster, 1 to 100 letters, digits, `-` and `_`. Changing it \
             replaces the cluster.",
        ),
        Attribute::new("kubernetes_version", Type::String)
            .optional()
            .computed()
            .description(
                "Kubernetes minor version, e.g. `\"1.31\"`. Default: the version EKS picks at \
             creation. Raising it upgrades the cluster in place.",
            ),
        Attribute::required("subnet_ids", list_of(Type::String)).description(
            "Subnets for the cluster's network interfaces, in at least two availability \
             zones. Karpenter's nodes use the subnets tagged with the discovery tag.",
        ),
        Attribute::new("security_group_ids", list_of(Type::String))
            .optional()
            .description("Extra security groups for the control plane's interfaces, at most 5."),
        Attribute::new("endpoint_private_access", Type::Bool)
            .optional()
            .description(
                "Whether the API server is reachable from inside the VPC. Default `true`.",
            ),
        Attribute::new("endpoint_public_access", Type::Bool)
            .optional()
            .description(
                "Whether the API server is reachable from the internet (limited by \
             `public_access_cidrs`). Default `false`.",
            ),
        Attribute::new("public_access_cidrs", list_of(Type::String))
            .optional()
            .description(
                "CIDR blocks allowed to reach the public endpoint. Requires \
             `endpoint_public_access = true`.",
            ),
        Attribute::new("enabled_log_types", list_of(Type::String))
            .optional()
            .description(
                "Control plane logs sent to CloudWatch: any of `api`, `audit`, `authenticator`, \
             `controllerManager`, `scheduler`.",
            ),
        Attribute::new("authentication_mode", Type::String)
            .optional()
            .description(format!(
                "How IAM principals are mapped to Kubernetes: `API` (access entries), \
             `API_AND_CONFIG_MAP` or `CONFIG_MAP` (`aws-auth`). Karpenter's node access uses \
             whichever the mode allows. Default `{DEFAULT_AUTHENTICATION_MODE}`."
            )),
        tags_attribute("the cluster and every AWS object this resource creates"),
    ]
}

fn karpenter_names() -> Vec<Attribute> {
    vec![
        Attribute::new("node_role_name", Type::String)
            .optional()
            .computed()
            .description(
                "Name of the IAM role Karpenter's nodes run with. Default \
             `KarpenterNodeRole-<name>` (shortened with a hash past 64 characters).",
            ),
        Attribute::new("interruption_queue_name", Type::String)
            .optional()
            .computed()
            .description(
                "Name of the SQS queue that receives spot interruption, rebalance, instance state \
             and scheduled change events for Karpenter. Default `karpenter-<name>`.",
            ),
    ]
}

fn outputs() -> Vec<Attribute> {
    let output = |name: &str, description: &str| {
        Attribute::new(name, Type::String)
            .computed()
            .description(description)
    };
    vec![
        id_attribute("the cluster name"),
        output("arn", "ARN of the EKS cluster."),
        output("endpoint", "URL of the cluster's Kubernetes API server."),
        output(
            "certificate_authority_data",
            "Base64-encoded CA certificate of the API server, as EKS reports it.",
        ),
        output(
            "oidc_issuer_url",
            "OIDC issuer URL of the cluster; pass it to `ci_account_access.oidc_issuer_url`.",
        ),
        output(
            "oidc_provider_arn",
            "ARN of the cluster's IAM OIDC provider in the CI account.",
        ),
        output(
            "cluster_role_arn",
            "ARN of the IAM role the EKS control plane uses.",
        ),
        output(
            "node_role_arn",
            "ARN of Karpenter's node role; also used by `ci_warm_pool`.",
        ),
        output(
            "controller_role_arn",
            "ARN of the IAM role Karpenter's controller assumes (IRSA).",
        ),
        Attribute::new("job_annotation_keys", map_of(Type::String))
            .computed()
            .description(
                "The job pod annotation keys the job policies act on: `capacity_type`, `gpu` and \
             `instance_type` to their keys.",
            ),
        rendered_attribute(),
    ]
}

fn karpenter_block() -> NestedBlock {
    let block = Block::new("Where Karpenter's controller runs, for its IRSA trust policy.")
        .attribute(
            Attribute::new("namespace", Type::String)
                .optional()
                .description(format!(
                    "Namespace Karpenter is installed in. Default `{DEFAULT_KARPENTER_NAMESPACE}`."
                )),
        )
        .attribute(
            Attribute::new("service_account", Type::String)
                .optional()
                .description(format!(
                    "Service account Karpenter's controller runs as. Default \
                 `{DEFAULT_KARPENTER_SERVICE_ACCOUNT}`."
                )),
        );
    NestedBlock::single("karpenter", block)
}

fn node_class_block() -> NestedBlock {
    let text = |name: &str, description: String| {
        Attribute::new(name, Type::String)
            .optional()
            .description(description)
    };
    let block = Block::new(
        "The default Karpenter `EC2NodeClass` that runner pools' NodePools refer to. It \
         selects subnets and security groups by the discovery tag.",
    )
    .attribute(text(
        "name",
        format!("Name of the EC2NodeClass. Default `{DEFAULT_NODE_CLASS}`."),
    ))
    .attribute(text(
        "ami_alias",
        format!(
            "EKS-optimised AMI as `family@version`, e.g. `al2023@v20250505`. Default \
             `{DEFAULT_AMI_ALIAS}`; pin a version in production, since `latest` replaces \
             nodes whenever AWS releases an AMI."
        ),
    ))
    .attribute(text(
        "volume_size",
        format!("Root volume size, e.g. `100Gi`. Default `{DEFAULT_VOLUME_SIZE}`."),
    ))
    .attribute(text(
        "volume_type",
        format!("EBS volume type of the root volume. Default `{DEFAULT_VOLUME_TYPE}`."),
    ))
    .attribute(text(
        "discovery_tag",
        format!(
            "Tag key whose value is the cluster name on the subnets and security groups \
             nodes use. Default `{DEFAULT_DISCOVERY_TAG}`."
        ),
    ))
    .attribute(
        Attribute::new("tags", map_of(Type::String))
            .optional()
            .description(
                "Tags for the instances and volumes Karpenter launches, e.g. cost allocation tags.",
            ),
    );
    NestedBlock::single("node_class", block)
}

fn job_policies_block() -> NestedBlock {
    let block = Block::new(
        "The Kyverno `ClusterPolicy` objects that adjust CI job pods. Each can be switched \
         off; the annotation keys jobs set (through `KUBERNETES_POD_ANNOTATIONS_*`) are \
         configurable and must match the runner pools' `annotation_keys`.",
    )
    .attributes(job_policy_switches())
    .attributes(job_annotation_keys());
    NestedBlock::single("job_policies", block)
}

fn job_policy_switches() -> Vec<Attribute> {
    let switch = |name: &str, what: &str| {
        Attribute::new(name, Type::Bool)
            .optional()
            .description(format!("{what} Default `true`."))
    };
    vec![
        switch(
            "spot_by_annotation",
            "Pods annotated `<capacity_type_annotation>=spot` get the spot toleration and \
             the `karpenter.sh/capacity-type: spot` node selector (`on-demand` likewise).",
        ),
        switch(
            "zone_spread",
            "Job pods spread across availability zones (`maxSkew: 1`, `ScheduleAnyway`).",
        ),
        switch(
            "do_not_disrupt",
            "Running job pods carry `karpenter.sh/do-not-disrupt`, so consolidation never \
             stops a job.",
        ),
        switch(
            "gpu",
            "Pods annotated for a GPU get the GPU toleration and node selector.",
        ),
        switch(
            "pinned_instance_type",
            "Pods annotated with an instance type get a node selector for exactly that type.",
        ),
    ]
}

fn job_annotation_keys() -> Vec<Attribute> {
    let key = |name: &str, default: &str, what: &str| {
        Attribute::new(name, Type::String)
            .optional()
            .description(format!("Annotation key {what}. Default `{default}`."))
    };
    vec![
        key(
            "capacity_type_annotation",
            DEFAULT_CAPACITY_TYPE_ANNOTATION,
            "that asks for `spot` or `on-demand` capacity",
        ),
        key(
            "gpu_annotation",
            DEFAULT_GPU_ANNOTATION,
            "that asks for a GPU node",
        ),
        key(
            "instance_type_annotation",
            DEFAULT_INSTANCE_TYPE_ANNOTATION,
            "that pins an EC2 instance type",
        ),
    ]
}
