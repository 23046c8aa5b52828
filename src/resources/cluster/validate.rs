//! Validation of `ci_cluster` configurations.

use super::{
    DEFAULT_CAPACITY_TYPE_ANNOTATION, DEFAULT_GPU_ANNOTATION, DEFAULT_INSTANCE_TYPE_ANNOTATION,
};
use crate::diagnostics::Diagnostics;
use crate::resources::field::Field;
use crate::resources::timeouts;
use crate::resources::validate::{
    self, Problem, Quantity, annotation_key, cidr_block, dns_label, dns_subdomain, eks_name,
    ensure, iam_role_name, one_of, security_group_id, service_account_name, sqs_queue_name,
    subnet_id, tag_key,
};
use crate::value::Value;

const LOG_TYPES: &[&str] = &[
    "api",
    "audit",
    "authenticator",
    "controllerManager",
    "scheduler",
];
const AUTHENTICATION_MODES: &[&str] = &["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"];
const VOLUME_TYPES: &[&str] = &["gp3", "gp2", "io1", "io2", "st1", "sc1", "standard"];
const AMI_FAMILIES: &[&str] = &[
    "al2",
    "al2023",
    "bottlerocket",
    "windows2019",
    "windows2022",
    "windows2025",
];
/// Tag keys Karpenter reserves on the instances it launches.
const RESERVED_NODE_TAGS: &[&str] = &[
    "eks:eks-cluster-name",
    "karpenter.sh/nodepool",
    "karpenter.sh/nodeclaim",
    "karpenter.k8s.aws/ec2nodeclass",
];
const MAX_SECURITY_GROUPS: usize = 5;
const MAX_VOLUME_GIB: i128 = 16_384;

pub(super) fn validate(config: &Value) -> Diagnostics {
    let root = Field::root(config);
    let mut diags = Diagnostics::default();
    check_cluster(&root, &mut diags);
    check_network(&root, &mut diags);
    check_endpoints(&root, &mut diags);
    check_karpenter(&root, &mut diags);
    check_node_class(&root.attr("node_class"), &mut diags);
    check_job_policies(&root.attr("job_policies"), &mut diags);
    timeouts::validate(&root.attr("timeouts"), &mut diags);
    diags
}

fn check_cluster(root: &Field, diags: &mut Diagnostics) {
    root.attr("name").check(diags, eks_name(100));
    root.attr("kubernetes_version")
        .check(diags, kubernetes_version);
    let logs = root.attr("enabled_log_types");
    logs.check_each(diags, one_of("log type", LOG_TYPES));
    validate::unique_strings(&logs, diags, "log type");
    root.attr("authentication_mode")
        .check(diags, one_of("authentication mode", AUTHENTICATION_MODES));
    validate::tags(&root.attr("tags"), diags);
}

fn kubernetes_version(value: &str) -> Result<(), Problem> {
    let numbers = value.split_once('.').filter(|(major, minor)| {
        [major, minor]
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    });
    ensure(numbers.is_some(), "Invalid Kubernetes version", || {
        format!("{value:?} is not a Kubernetes minor version; write e.g. \"1.31\".")
    })
}

fn check_network(root: &Field, diags: &mut Diagnostics) {
    let subnets = root.attr("subnet_ids");
    subnets.check_each(diags, subnet_id);
    validate::unique_strings(&subnets, diags, "subnet ID");
    if subnets.elements().is_some_and(|s| s.len() < 2) {
        diags.push(subnets.error(
            "Too few subnets",
            "EKS needs subnets in at least two availability zones; list at least two.",
        ));
    }
    let groups = root.attr("security_group_ids");
    groups.check_each(diags, security_group_id);
    validate::unique_strings(&groups, diags, "security group ID");
    if groups
        .elements()
        .is_some_and(|g| g.len() > MAX_SECURITY_GROUPS)
    {
        diags.push(groups.error(
            "Too many security groups",
            format!("EKS takes at most {MAX_SECURITY_GROUPS} security groups for a cluster."),
        ));
    }
}

fn check_endpoints(root: &Field, diags: &mut Diagnostics) {
    let private = root.attr("endpoint_private_access");
    let public = root.attr("endpoint_public_access");
    let cidrs = root.attr("public_access_cidrs");
    cidrs.check_each(diags, cidr_block);
    let public_off = public.is_null() || public.bool() == Some(false);
    let private_off = private.bool() == Some(false);
    if public_off && cidrs.elements().is_some_and(|c| !c.is_empty()) {
        diags.push(cidrs.error(
            "Public access CIDRs without a public endpoint",
            "public_access_cidrs only applies to the public endpoint; set \
             endpoint_public_access = true or remove public_access_cidrs.",
        ));
    }
    if private_off && public_off {
        diags.push(private.error(
            "No cluster endpoint",
            "With both endpoint_private_access and endpoint_public_access off nothing can \
             reach the API server. Enable at least one (private is the default).",
        ));
    }
}

fn check_karpenter(root: &Field, diags: &mut Diagnostics) {
    let karpenter = root.attr("karpenter");
    karpenter.attr("namespace").check(diags, dns_label);
    karpenter
        .attr("service_account")
        .check(diags, service_account_name);
    root.attr("node_role_name").check(diags, iam_role_name);
    root.attr("interruption_queue_name")
        .check(diags, sqs_queue_name);
}

fn check_node_class(block: &Field, diags: &mut Diagnostics) {
    block.attr("name").check(diags, dns_subdomain);
    block.attr("ami_alias").check(diags, ami_alias);
    block.attr("volume_size").check(diags, volume_size);
    block
        .attr("volume_type")
        .check(diags, one_of("volume type", VOLUME_TYPES));
    block.attr("discovery_tag").check(diags, tag_key);
    let tags = block.attr("tags");
    validate::tags(&tags, diags);
    for (key, value) in tags.entries().unwrap_or_default() {
        if let Err(problem) = node_tag_key(key) {
            diags.push(problem.at(value.path.clone()));
        }
    }
}

fn ami_alias(value: &str) -> Result<(), Problem> {
    let summary = "Invalid AMI alias";
    let (family, version) = value.split_once('@').unwrap_or((value, ""));
    ensure(
        AMI_FAMILIES.contains(&family) && !version.is_empty(),
        summary,
        || {
            format!(
                "{value:?} is not an AMI alias; write family@version with a family of {} \
             (e.g. \"al2023@v20250505\").",
                validate::quoted(AMI_FAMILIES)
            )
        },
    )?;
    ensure(
        !family.starts_with("windows") || version == "latest",
        summary,
        || format!("Windows AMI families only take the version \"latest\"; got {value:?}."),
    )
}

fn volume_size(value: &str) -> Result<(), Problem> {
    let binary = value.ends_with("Gi") || value.ends_with("Ti");
    let decimal = value.ends_with('G') || value.ends_with('T');
    let quantity = value.parse::<Quantity>().ok().filter(|_| binary || decimal);
    let gib = quantity.map(|q| (q.units() + (1 << 30) - 1) >> 30);
    let in_range = gib.is_some_and(|g| (1..=MAX_VOLUME_GIB).contains(&g));
    ensure(in_range, "Invalid volume size", || {
        format!(
            "{value:?} is not a volume size; write 1Gi to 16Ti in Gi, G, Ti or T, e.g. \"100Gi\"."
        )
    })
}

fn node_tag_key(key: &str) -> Result<(), Problem> {
    let reserved = RESERVED_NODE_TAGS.contains(&key) || key.starts_with("kubernetes.io/cluster");
    ensure(!reserved, "Reserved tag", || {
        format!("Tag key {key:?} is set by EKS or Karpenter on every node; remove it.")
    })
}

fn check_job_policies(block: &Field, diags: &mut Diagnostics) {
    let keys = [
        ("capacity_type_annotation", DEFAULT_CAPACITY_TYPE_ANNOTATION),
        ("gpu_annotation", DEFAULT_GPU_ANNOTATION),
        ("instance_type_annotation", DEFAULT_INSTANCE_TYPE_ANNOTATION),
    ]
    .map(|(name, default)| (block.attr(name), effective_key(&block.attr(name), default)));
    for (j, (later, key)) in keys.iter().enumerate() {
        later.check(diags, annotation_key);
        let clash = keys[..j]
            .iter()
            .find(|(_, earlier)| key.is_some() && earlier == key);
        if let Some((earlier, _)) = clash {
            let at = if later.is_null() { earlier } else { later };
            let detail = format!(
                "{:?} is used by two job policies; give each its own annotation key.",
                key.unwrap_or_default()
            );
            diags.push(at.error("Duplicate annotation key", detail));
        }
    }
}

/// The key a job policy uses: the configured one, or its default when null.
fn effective_key<'a>(key: &Field<'a>, default: &'static str) -> Option<&'a str> {
    if key.is_null() {
        Some(default)
    } else {
        key.str()
    }
}
