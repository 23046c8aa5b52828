//! Expansion: one cluster's configuration into its sub-objects. Pure: no
//! API call.
//!
//! Some sub-objects name things only AWS knows: the CI account's id (in
//! ARNs), the region, and the cluster's OIDC issuer (made by EKS at
//! creation). Expansion takes them as [`Facts`]; a fact not known yet is
//! written as a *placeholder*, and a sub-object holding one is *pending*:
//! a plan shows it as known after apply, and apply creates it only once
//! the fact is known (the issuer after the cluster is `ACTIVE`).

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use super::job_policies::{self, JobPolicies};
use super::karpenter_policy::{self, PolicyInputs};
use super::node_class::{self, NodeClass};
use super::{
    DEFAULT_AMI_ALIAS, DEFAULT_AUTHENTICATION_MODE, DEFAULT_DISCOVERY_TAG,
    DEFAULT_KARPENTER_NAMESPACE, DEFAULT_KARPENTER_SERVICE_ACCOUNT, DEFAULT_NODE_CLASS,
    DEFAULT_VOLUME_SIZE, DEFAULT_VOLUME_TYPE, default_interruption_queue_name,
    default_node_role_name, node_access,
};
use crate::kinds::access_entry::AccessEntryFields;
use crate::kinds::eks_cluster::EksClusterFields;
use crate::kinds::event_rule::RuleFields;
use crate::kinds::iam_role::RoleFields;
use crate::kinds::inline_policy::InlinePolicyFields;
use crate::kinds::kube_object::KubeFields;
use crate::kinds::oidc_provider::{OidcFields, STS_AUDIENCE, user_tag};
use crate::kinds::policy_attachment::AttachmentFields;
use crate::kinds::sqs_queue::QueueFields;
use crate::kinds::{MANAGED_BY, MANAGED_BY_VALUE, OWNER, render};
use crate::reconcile::Desired;
use crate::resources::account_access::trust_policy::{self, TrustPolicyInputs};
use crate::resources::field::Field;
use crate::resources::fit_name;
use crate::value::Value;

/// Tag on the EKS cluster naming its `EC2NodeClass`, where import finds
/// the recorded inputs.
pub const NODE_CLASS_TAG: &str = "ci-platform/node-class";
/// Annotation on the `EC2NodeClass` holding the resource's inputs.
pub const INPUTS_ANNOTATION: &str = "ci-platform/inputs";
/// The interruption queue keeps messages this long: Karpenter reads them
/// within seconds, and a two-minute spot warning is stale after five.
const QUEUE_RETENTION_SECONDS: &str = "300";
/// The target id of each rule's one target.
const RULE_TARGET: &str = "KarpenterInterruptionQueue";
const CONTROLLER_POLICY: &str = "karpenter-controller";
const CLUSTER_POLICY: &str = "AmazonEKSClusterPolicy";
/// What nodes need: join the cluster, run the VPC CNI, pull images, and be
/// reachable through SSM for debugging.
const NODE_POLICIES: [&str; 4] = [
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore",
];

/// The placeholders of facts not known yet, found again by [`MARK`]. They
/// are plain ASCII so that they survive any quoting (the YAML of
/// `aws-auth`), and no valid configuration value contains them.
const MARK: &str = "@@known-after-apply:";
const ACCOUNT: &str = "@@known-after-apply:account@@";
const REGION: &str = "@@known-after-apply:region@@";
const ISSUER: &str = "https://@@known-after-apply:issuer@@";

/// What AWS knows and the configuration does not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub account: Option<String>,
    pub region: Option<String>,
    pub issuer: Option<String>,
}

/// The `EC2NodeClass` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeClassInputs {
    pub name: String,
    pub ami_alias: String,
    pub volume_size: String,
    pub volume_type: String,
    pub discovery_tag: String,
    pub tags: BTreeMap<String, String>,
}

/// One cluster's inputs, every one known, defaults filled.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterInputs {
    pub name: String,
    pub version: Option<String>,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub endpoint_private_access: bool,
    pub endpoint_public_access: bool,
    pub public_access_cidrs: Vec<String>,
    pub log_types: Vec<String>,
    pub authentication_mode: String,
    pub tags: BTreeMap<String, String>,
    pub node_role_name: String,
    pub queue_name: String,
    pub karpenter_namespace: String,
    pub karpenter_service_account: String,
    pub node_class: NodeClassInputs,
    pub job_policies: JobPolicies,
    /// The configuration's inputs as JSON, recorded for import.
    pub recorded: String,
}

impl ClusterInputs {
    /// Reads the inputs; `None` while any of them is unknown.
    pub fn from_value(config: &Value) -> Option<ClusterInputs> {
        let recorded = recorded_inputs(config)?;
        let root = Field::root(config);
        let text = |field: &Field, name: &str| field.attr(name).str().map(str::to_string);
        let name = text(&root, "name")?;
        let karpenter = root.attr("karpenter");
        let public = root.attr("endpoint_public_access").bool().unwrap_or(false);
        let mut public_cidrs = strings(&root.attr("public_access_cidrs"));
        if public && public_cidrs.is_empty() {
            // What EKS sets, and reports, for a public endpoint without CIDRs.
            public_cidrs.push("0.0.0.0/0".to_string());
        }
        let mut log_types = strings(&root.attr("enabled_log_types"));
        log_types.sort();
        Some(ClusterInputs {
            version: text(&root, "kubernetes_version"),
            subnet_ids: strings(&root.attr("subnet_ids")),
            security_group_ids: strings(&root.attr("security_group_ids")),
            endpoint_private_access: root.attr("endpoint_private_access").bool().unwrap_or(true),
            endpoint_public_access: public,
            public_access_cidrs: if public { public_cidrs } else { Vec::new() },
            log_types,
            authentication_mode: text(&root, "authentication_mode")
                .unwrap_or_else(|| DEFAULT_AUTHENTICATION_MODE.to_string()),
            tags: string_map(&root.attr("tags")),
            node_role_name: text(&root, "node_role_name")
                .unwrap_or_else(|| default_node_role_name(&name)),
            queue_name: text(&root, "interruption_queue_name")
                .unwrap_or_else(|| default_interruption_queue_name(&name)),
            karpenter_namespace: text(&karpenter, "namespace")
                .unwrap_or_else(|| DEFAULT_KARPENTER_NAMESPACE.to_string()),
            karpenter_service_account: text(&karpenter, "service_account")
                .unwrap_or_else(|| DEFAULT_KARPENTER_SERVICE_ACCOUNT.to_string()),
            node_class: node_class_inputs(&root.attr("node_class")),
            job_policies: job_policy_inputs(&root.attr("job_policies")),
            recorded,
            name,
        })
    }

    pub fn cluster_role_name(&self) -> String {
        fit_name(&format!("{}-eks-cluster", self.name), 64)
    }

    pub fn controller_role_name(&self) -> String {
        fit_name(&format!("KarpenterController-{}", self.name), 64)
    }

    /// The name of one interruption rule, `what` like `spot-interruption`.
    pub fn rule_name(&self, what: &str) -> String {
        fit_name(&format!("karpenter-{}-{what}", self.name), 64)
    }

    /// The job pod annotation keys, for the `job_annotation_keys` output.
    pub fn annotation_keys(&self) -> BTreeMap<String, String> {
        let policies = &self.job_policies;
        BTreeMap::from([
            (
                "capacity_type".to_string(),
                policies.capacity_type_annotation.clone(),
            ),
            ("gpu".to_string(), policies.gpu_annotation.clone()),
            (
                "instance_type".to_string(),
                policies.instance_type_annotation.clone(),
            ),
        ])
    }
}

/// The configuration with outputs and timeouts nulled, as JSON; `None`
/// while an input is unknown.
fn recorded_inputs(config: &Value) -> Option<String> {
    let Value::Object(attributes) = config else {
        return None;
    };
    let block = super::schema::schema().block;
    let mut inputs = attributes.clone();
    for attribute in block
        .attributes
        .iter()
        .filter(|a| !a.optional && !a.required)
    {
        inputs.insert(attribute.name.clone(), Value::Null);
    }
    inputs.insert("timeouts".to_string(), Value::Null);
    let inputs = Value::Object(inputs);
    if !inputs.is_wholly_known() {
        return None;
    }
    let bytes = crate::value::json::encode(&inputs, &block.value_type()).ok()?;
    String::from_utf8(bytes).ok()
}

fn node_class_inputs(block: &Field) -> NodeClassInputs {
    let text = |name: &str, default: &str| block.attr(name).str().unwrap_or(default).to_string();
    NodeClassInputs {
        name: text("name", DEFAULT_NODE_CLASS),
        ami_alias: text("ami_alias", DEFAULT_AMI_ALIAS),
        volume_size: text("volume_size", DEFAULT_VOLUME_SIZE),
        volume_type: text("volume_type", DEFAULT_VOLUME_TYPE),
        discovery_tag: text("discovery_tag", DEFAULT_DISCOVERY_TAG),
        tags: string_map(&block.attr("tags")),
    }
}

fn job_policy_inputs(block: &Field) -> JobPolicies {
    let defaults = JobPolicies::default();
    let switch = |name: &str, default: bool| block.attr(name).bool().unwrap_or(default);
    let key = |name: &str, default: &str| block.attr(name).str().unwrap_or(default).to_string();
    JobPolicies {
        spot_by_annotation: switch("spot_by_annotation", defaults.spot_by_annotation),
        zone_spread: switch("zone_spread", defaults.zone_spread),
        do_not_disrupt: switch("do_not_disrupt", defaults.do_not_disrupt),
        gpu: switch("gpu", defaults.gpu),
        pinned_instance_type: switch("pinned_instance_type", defaults.pinned_instance_type),
        capacity_type_annotation: key(
            "capacity_type_annotation",
            &defaults.capacity_type_annotation,
        ),
        gpu_annotation: key("gpu_annotation", &defaults.gpu_annotation),
        instance_type_annotation: key(
            "instance_type_annotation",
            &defaults.instance_type_annotation,
        ),
    }
}

fn strings(field: &Field) -> Vec<String> {
    field.strings().into_iter().map(str::to_string).collect()
}

fn string_map(field: &Field) -> BTreeMap<String, String> {
    let entries = field.entries().unwrap_or_default();
    entries
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v.str()?.to_string())))
        .collect()
}

/// Whether a sub-object still holds a placeholder.
pub fn is_pending(spec: &Json) -> bool {
    match spec {
        Json::String(text) => text.contains(MARK),
        Json::Array(items) => items.iter().any(is_pending),
        Json::Object(fields) => fields
            .iter()
            .any(|(k, v)| k.contains(MARK) || is_pending(v)),
        _ => false,
    }
}

/// Sub-object ids, one function each so that read and import agree.
pub mod ids {
    pub fn role(name: &str) -> String {
        format!("iam_role/{name}")
    }
    pub fn attachment(role: &str, policy_arn: &str) -> String {
        format!("policy_attachment/{role}/{policy_arn}")
    }
    pub fn inline(role: &str, name: &str) -> String {
        format!("inline_policy/{role}/{name}")
    }
    pub fn cluster(name: &str) -> String {
        format!("eks_cluster/{name}")
    }
    pub fn oidc(cluster: &str) -> String {
        format!("oidc_provider/{cluster}")
    }
    pub fn queue(name: &str) -> String {
        format!("sqs_queue/{name}")
    }
    pub fn rule(name: &str) -> String {
        format!("event_rule/{name}")
    }
    pub fn access_entry(cluster: &str, role: &str) -> String {
        format!("access_entry/{cluster}/{role}")
    }
}

/// The names, ARNs and settings the sub-objects share.
struct Names<'a> {
    inputs: &'a ClusterInputs,
    /// Empty: the provider's own account, where every object lives.
    account: &'a str,
    account_id: &'a str,
    region: &'a str,
    partition: &'static str,
    issuer: &'a str,
    tags: BTreeMap<String, String>,
}

impl Names<'_> {
    fn role_arn(&self, name: &str) -> String {
        format!(
            "arn:{}:iam::{}:role/{name}",
            self.partition, self.account_id
        )
    }

    fn managed_policy(&self, name: &str) -> String {
        format!("arn:{}:iam::aws:policy/{name}", self.partition)
    }

    fn queue_arn(&self) -> String {
        let queue = &self.inputs.queue_name;
        format!(
            "arn:{}:sqs:{}:{}:{queue}",
            self.partition, self.region, self.account_id
        )
    }
}

/// The ARN partition of a region.
fn partition(region: &str) -> &'static str {
    crate::backends::aws::partition_of(region)
}

/// The sub-objects of the cluster; `default_tags` come from the provider.
pub fn expand(
    inputs: &ClusterInputs,
    facts: &Facts,
    default_tags: &BTreeMap<String, String>,
) -> Vec<Desired> {
    let region = facts.region.as_deref().unwrap_or(REGION);
    let mut tags = default_tags.clone();
    tags.extend(inputs.tags.clone());
    tags.insert(MANAGED_BY.to_string(), MANAGED_BY_VALUE.to_string());
    tags.insert(OWNER.to_string(), inputs.name.clone());
    let names = Names {
        inputs,
        account: "",
        account_id: facts.account.as_deref().unwrap_or(ACCOUNT),
        region,
        partition: partition(facts.region.as_deref().unwrap_or_default()),
        issuer: facts.issuer.as_deref().unwrap_or(ISSUER),
        tags,
    };
    let mut desired = Vec::new();
    desired.extend(control_plane(&names));
    desired.extend(nodes(&names));
    desired.extend(interruption(&names));
    desired.extend(controller(&names));
    desired.extend(in_cluster(&names));
    desired
}

fn role(names: &Names, name: &str, trust: Json, description: &str) -> RoleFields {
    RoleFields {
        account: names.account.to_string(),
        name: name.to_string(),
        assume_role_policy: trust,
        max_session_duration: 3600,
        permissions_boundary: None,
        tags: names.tags.clone(),
        description: Some(description.to_string()),
    }
}

/// A trust policy letting an AWS service assume the role.
fn service_trust(service: &str) -> Json {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sts:AssumeRole",
        }],
    })
}

fn attachments(names: &Names, role: &str, policies: &[&str]) -> Vec<Desired> {
    policies
        .iter()
        .map(|policy| {
            let fields = AttachmentFields {
                account: names.account.to_string(),
                role: role.to_string(),
                policy_arn: names.managed_policy(policy),
            };
            let id = ids::attachment(role, &fields.policy_arn);
            Desired::new(id, render(&fields)).after(&ids::role(role))
        })
        .collect()
}

/// The cluster role and the EKS cluster.
fn control_plane(names: &Names) -> Vec<Desired> {
    let inputs = names.inputs;
    let role_name = inputs.cluster_role_name();
    let trust = service_trust("eks.amazonaws.com");
    let cluster_role = role(
        names,
        &role_name,
        trust,
        "EKS control plane of a CI cluster",
    );
    let mut desired = vec![Desired::new(ids::role(&role_name), render(&cluster_role))];
    desired.extend(attachments(names, &role_name, &[CLUSTER_POLICY]));

    let mut tags = names.tags.clone();
    tags.insert(NODE_CLASS_TAG.to_string(), inputs.node_class.name.clone());
    let cluster = EksClusterFields {
        account: names.account.to_string(),
        name: inputs.name.clone(),
        role_arn: names.role_arn(&role_name),
        version: inputs.version.clone(),
        subnet_ids: inputs.subnet_ids.clone(),
        security_group_ids: inputs.security_group_ids.clone(),
        endpoint_private_access: inputs.endpoint_private_access,
        endpoint_public_access: inputs.endpoint_public_access,
        public_access_cidrs: inputs.public_access_cidrs.clone(),
        log_types: inputs.log_types.clone(),
        authentication_mode: inputs.authentication_mode.clone(),
        tags,
    };
    let attachment = ids::attachment(&role_name, &names.managed_policy(CLUSTER_POLICY));
    desired.push(
        Desired::new(ids::cluster(&inputs.name), render(&cluster))
            .after(&ids::role(&role_name))
            .after(&attachment),
    );
    desired
}

/// Karpenter's node role and its managed policies.
fn nodes(names: &Names) -> Vec<Desired> {
    let role_name = &names.inputs.node_role_name;
    let trust = service_trust("ec2.amazonaws.com");
    let node_role = role(
        names,
        role_name,
        trust,
        "Nodes of a CI cluster (Karpenter and warm pools)",
    );
    let mut desired = vec![Desired::new(ids::role(role_name), render(&node_role))];
    desired.extend(attachments(names, role_name, &NODE_POLICIES));
    desired
}

/// The interruption queue and the rules that feed it.
fn interruption(names: &Names) -> Vec<Desired> {
    let inputs = names.inputs;
    let queue_arn = names.queue_arn();
    let queue = QueueFields {
        account: names.account.to_string(),
        name: inputs.queue_name.clone(),
        message_retention_seconds: QUEUE_RETENTION_SECONDS.to_string(),
        managed_encryption: true,
        policy: queue_policy(&queue_arn),
        tags: names.tags.clone(),
    };
    let queue_id = ids::queue(&inputs.queue_name);
    let mut desired = vec![Desired::new(&queue_id, render(&queue))];
    for (what, source, detail_type) in INTERRUPTION_EVENTS {
        let rule = RuleFields {
            account: names.account.to_string(),
            name: inputs.rule_name(what),
            event_pattern: json!({ "source": [source], "detail-type": [detail_type] }),
            target_id: RULE_TARGET.to_string(),
            target_arn: queue_arn.clone(),
            tags: names.tags.clone(),
        };
        desired.push(Desired::new(ids::rule(&rule.name), render(&rule)).after(&queue_id));
    }
    desired
}

/// The events Karpenter acts on: rule suffix, source, detail type.
const INTERRUPTION_EVENTS: [(&str, &str, &str); 4] = [
    (
        "spot-interruption",
        "aws.ec2",
        "EC2 Spot Instance Interruption Warning",
    ),
    (
        "rebalance",
        "aws.ec2",
        "EC2 Instance Rebalance Recommendation",
    ),
    (
        "instance-state-change",
        "aws.ec2",
        "EC2 Instance State-change Notification",
    ),
    ("scheduled-change", "aws.health", "AWS Health Event"),
];

/// EventBridge (and SQS itself) may send to the queue, over TLS only.
fn queue_policy(queue_arn: &str) -> Json {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EventBridgeSends",
                "Effect": "Allow",
                "Principal": { "Service": ["events.amazonaws.com", "sqs.amazonaws.com"] },
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
            },
            {
                "Sid": "DenyPlainHttp",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": queue_arn,
                "Condition": { "Bool": { "aws:SecureTransport": "false" } },
            },
        ],
    })
}

/// The cluster's OIDC provider and Karpenter's controller role (IRSA).
fn controller(names: &Names) -> Vec<Desired> {
    let inputs = names.inputs;
    let oidc = OidcFields {
        account: names.account.to_string(),
        url: names.issuer.to_string(),
        arn: trust_policy::oidc_provider_arn(names.account_id, names.issuer),
        client_ids: vec![STS_AUDIENCE.to_string()],
        user: Some(user_tag(&format!("cluster/{}", inputs.name))),
    };
    let trust = trust_policy::render(&TrustPolicyInputs {
        account_id: names.account_id,
        issuer_url: names.issuer,
        namespace: &inputs.karpenter_namespace,
        service_account: &inputs.karpenter_service_account,
    });
    let role_name = inputs.controller_role_name();
    let controller_role = role(
        names,
        &role_name,
        trust,
        "Karpenter's controller in a CI cluster",
    );
    let policy = karpenter_policy::render(&PolicyInputs {
        partition: names.partition,
        region: names.region,
        account: names.account_id,
        cluster: &inputs.name,
        node_role_arn: &names.role_arn(&inputs.node_role_name),
        queue_arn: &names.queue_arn(),
    });
    let inline = InlinePolicyFields {
        account: names.account.to_string(),
        role: role_name.clone(),
        name: CONTROLLER_POLICY.to_string(),
        document: policy,
    };
    let oidc_id = ids::oidc(&inputs.name);
    let role_id = ids::role(&role_name);
    vec![
        Desired::new(&oidc_id, render(&oidc)).after(&ids::cluster(&inputs.name)),
        Desired::new(&role_id, render(&controller_role)).after(&oidc_id),
        Desired::new(ids::inline(&role_name, CONTROLLER_POLICY), render(&inline)).after(&role_id),
    ]
}

/// Node access, the `EC2NodeClass` and the job policies.
fn in_cluster(names: &Names) -> Vec<Desired> {
    let inputs = names.inputs;
    let owner = inputs.name.as_str();
    let class = &inputs.node_class;
    let mut node_class = node_class::manifest(&NodeClass {
        owner,
        cluster_name: &inputs.name,
        name: &class.name,
        node_role_name: &inputs.node_role_name,
        ami_alias: &class.ami_alias,
        volume_size: &class.volume_size,
        volume_type: &class.volume_type,
        discovery_tag: &class.discovery_tag,
        tags: &class.tags,
    });
    node_class["metadata"]["annotations"][INPUTS_ANNOTATION] = json!(inputs.recorded);
    let mut manifests = vec![node_class];
    manifests.extend(job_policies::manifests(owner, &inputs.job_policies));
    let node_role_arn = names.role_arn(&inputs.node_role_name);
    let reads_config_map = inputs.authentication_mode != "API";
    if reads_config_map {
        manifests.push(node_access::aws_auth(owner, &node_role_arn));
    }
    let cluster_id = ids::cluster(&inputs.name);
    let mut desired: Vec<Desired> = manifests
        .into_iter()
        .map(|manifest| {
            let id = crate::kinds::kube_object::object_id(&inputs.name, &manifest);
            let fields = KubeFields::of(&inputs.name, manifest);
            Desired::new(id, render(&fields)).after(&cluster_id)
        })
        .collect();
    if !reads_config_map {
        desired.push(node_access_entry(names, &node_role_arn));
    }
    desired
}

/// With `API` authentication, nodes join through an access entry (which
/// moto does not serve: the aws-auth modes are the ones tested end to end).
fn node_access_entry(names: &Names, node_role_arn: &str) -> Desired {
    let inputs = names.inputs;
    let entry = AccessEntryFields {
        account: names.account.to_string(),
        cluster: inputs.name.clone(),
        principal_arn: node_role_arn.to_string(),
        kind: "EC2_LINUX".to_string(),
        tags: names.tags.clone(),
    };
    Desired::new(
        ids::access_entry(&inputs.name, &inputs.node_role_name),
        render(&entry),
    )
    .after(&ids::cluster(&inputs.name))
    .after(&ids::role(&inputs.node_role_name))
}
