//! What Karpenter's controller may do in AWS, as one IAM policy.
//!
//! Least privilege by construction: everything Karpenter creates carries
//! the tag `kubernetes.io/cluster/<cluster>=owned`, so launching,
//! tagging and terminating are allowed only for resources with (or
//! created with) that tag; `iam:PassRole` names only the node role and
//! only towards EC2; `eks:DescribeCluster` names only this cluster; the
//! interruption queue is the only queue it reads. Reads that EC2 cannot
//! scope by resource are limited to the cluster's region.

use serde_json::{Value as Json, json};

/// The facts the policy is made from.
#[derive(Debug, Clone, Copy)]
pub struct PolicyInputs<'a> {
    pub partition: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub cluster: &'a str,
    pub node_role_arn: &'a str,
    pub queue_arn: &'a str,
}

/// The EC2 resource types Karpenter creates for a node.
const LAUNCHED: [&str; 6] = [
    "fleet",
    "instance",
    "volume",
    "network-interface",
    "launch-template",
    "spot-instances-request",
];

/// The policy document.
pub fn render(inputs: &PolicyInputs) -> Json {
    let statements = vec![
        launch_from_shared(inputs),
        launch_from_own_templates(inputs),
        create_tagged(inputs),
        tag_on_create(inputs),
        retag_own_instances(inputs),
        delete_own(inputs),
        regional_reads(inputs),
        parameter_reads(inputs),
        pricing_reads(),
        interruption_queue(inputs),
        pass_node_role(inputs),
        create_instance_profiles(inputs),
        manage_instance_profiles(inputs),
        instance_profile_reads(inputs),
        describe_cluster(inputs),
    ];
    json!({ "Version": "2012-10-17", "Statement": statements })
}

fn ec2_arns(inputs: &PolicyInputs, types: &[&str]) -> Vec<String> {
    let base = format!("arn:{}:ec2:{}", inputs.partition, inputs.region);
    types
        .iter()
        .map(|kind| match *kind {
            // Images and snapshots are owned by AWS or another account.
            "image" | "snapshot" => format!("{base}::{kind}/*"),
            _ => format!("{base}:*:{kind}/*"),
        })
        .collect()
}

fn cluster_tag(inputs: &PolicyInputs) -> String {
    format!("kubernetes.io/cluster/{}", inputs.cluster)
}

/// `aws:RequestTag/...` or `aws:ResourceTag/...` conditions pinning the
/// cluster, and requiring some NodePool.
fn owned_by_cluster(inputs: &PolicyInputs, scope: &str) -> Json {
    json!({
        "StringEquals": { format!("aws:{scope}/{}", cluster_tag(inputs)): "owned" },
        "StringLike": { format!("aws:{scope}/karpenter.sh/nodepool"): "*" },
    })
}

/// Instances launch from shared images, snapshots, subnets and groups.
fn launch_from_shared(inputs: &PolicyInputs) -> Json {
    let resources = ec2_arns(inputs, &["image", "snapshot", "security-group", "subnet"]);
    json!({
        "Sid": "LaunchFromSharedResources",
        "Effect": "Allow",
        "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
        "Resource": resources,
    })
}

fn launch_from_own_templates(inputs: &PolicyInputs) -> Json {
    json!({
        "Sid": "LaunchFromOwnTemplates",
        "Effect": "Allow",
        "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
        "Resource": ec2_arns(inputs, &["launch-template"]),
        "Condition": owned_by_cluster(inputs, "ResourceTag"),
    })
}

fn create_tagged(inputs: &PolicyInputs) -> Json {
    let mut condition = owned_by_cluster(inputs, "RequestTag");
    condition["StringEquals"]["aws:RequestTag/eks:eks-cluster-name"] = json!(inputs.cluster);
    json!({
        "Sid": "CreateOnlyTaggedForTheCluster",
        "Effect": "Allow",
        "Action": ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
        "Resource": ec2_arns(inputs, &LAUNCHED),
        "Condition": condition,
    })
}

fn tag_on_create(inputs: &PolicyInputs) -> Json {
    let mut condition = owned_by_cluster(inputs, "RequestTag");
    condition["StringEquals"]["ec2:CreateAction"] =
        json!(["RunInstances", "CreateFleet", "CreateLaunchTemplate"]);
    json!({
        "Sid": "TagWhileCreating",
        "Effect": "Allow",
        "Action": "ec2:CreateTags",
        "Resource": ec2_arns(inputs, &LAUNCHED),
        "Condition": condition,
    })
}

/// Karpenter names its instances and records the node claim afterwards;
/// only those tag keys may change.
fn retag_own_instances(inputs: &PolicyInputs) -> Json {
    let mut condition = owned_by_cluster(inputs, "ResourceTag");
    condition["ForAllValues:StringEquals"] = json!({
        "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"],
    });
    json!({
        "Sid": "RetagOwnInstances",
        "Effect": "Allow",
        "Action": "ec2:CreateTags",
        "Resource": ec2_arns(inputs, &["instance"]),
        "Condition": condition,
    })
}

fn delete_own(inputs: &PolicyInputs) -> Json {
    json!({
        "Sid": "DeleteOwnInstancesAndTemplates",
        "Effect": "Allow",
        "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
        "Resource": ec2_arns(inputs, &["instance", "launch-template"]),
        "Condition": owned_by_cluster(inputs, "ResourceTag"),
    })
}

/// EC2's describe calls take no resource ARNs; the region is the limit.
fn regional_reads(inputs: &PolicyInputs) -> Json {
    let actions: Vec<String> = [
        "AvailabilityZones",
        "Images",
        "Instances",
        "InstanceTypeOfferings",
        "InstanceTypes",
        "LaunchTemplates",
        "SecurityGroups",
        "SpotPriceHistory",
        "Subnets",
    ]
    .iter()
    .map(|what| format!("ec2:Describe{what}"))
    .collect();
    json!({
        "Sid": "ReadInTheClusterRegion",
        "Effect": "Allow",
        "Action": actions,
        "Resource": "*",
        "Condition": { "StringEquals": { "aws:RequestedRegion": inputs.region } },
    })
}

/// AMI aliases resolve through AWS's public SSM parameters.
fn parameter_reads(inputs: &PolicyInputs) -> Json {
    json!({
        "Sid": "ResolvePublicAmiParameters",
        "Effect": "Allow",
        "Action": "ssm:GetParameter",
        "Resource": format!(
            "arn:{}:ssm:{}::parameter/aws/service/*",
            inputs.partition, inputs.region
        ),
    })
}

fn pricing_reads() -> Json {
    json!({
        "Sid": "ReadPrices",
        "Effect": "Allow",
        "Action": "pricing:GetProducts",
        "Resource": "*",
    })
}

fn interruption_queue(inputs: &PolicyInputs) -> Json {
    json!({
        "Sid": "ConsumeInterruptionQueue",
        "Effect": "Allow",
        "Action": ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
        "Resource": inputs.queue_arn,
    })
}

fn pass_node_role(inputs: &PolicyInputs) -> Json {
    json!({
        "Sid": "PassOnlyTheNodeRoleToEc2",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": inputs.node_role_arn,
        "Condition": {
            "StringEquals": { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] },
        },
    })
}

/// Karpenter makes one instance profile per `EC2NodeClass`, tagged for
/// the cluster and region: created with those tags, then managed only
/// while it has them.
fn create_instance_profiles(inputs: &PolicyInputs) -> Json {
    json!({
        "Sid": "CreateTaggedInstanceProfiles",
        "Effect": "Allow",
        "Action": ["iam:CreateInstanceProfile", "iam:TagInstanceProfile"],
        "Resource": instance_profile_arn(inputs),
        "Condition": instance_profile_tags(inputs, "RequestTag"),
    })
}

fn manage_instance_profiles(inputs: &PolicyInputs) -> Json {
    json!({
        "Sid": "ManageOwnInstanceProfiles",
        "Effect": "Allow",
        "Action": [
            "iam:TagInstanceProfile",
            "iam:AddRoleToInstanceProfile",
            "iam:RemoveRoleFromInstanceProfile",
            "iam:DeleteInstanceProfile",
        ],
        "Resource": instance_profile_arn(inputs),
        "Condition": instance_profile_tags(inputs, "ResourceTag"),
    })
}

fn instance_profile_tags(inputs: &PolicyInputs, scope: &str) -> Json {
    json!({
        "StringEquals": {
            format!("aws:{scope}/{}", cluster_tag(inputs)): "owned",
            format!("aws:{scope}/topology.kubernetes.io/region"): inputs.region,
        },
        "StringLike": { format!("aws:{scope}/karpenter.k8s.aws/ec2nodeclass"): "*" },
    })
}

fn instance_profile_reads(inputs: &PolicyInputs) -> Json {
    json!({
        "Sid": "ReadInstanceProfiles",
        "Effect": "Allow",
        "Action": "iam:GetInstanceProfile",
        "Resource": instance_profile_arn(inputs),
    })
}

fn instance_profile_arn(inputs: &PolicyInputs) -> String {
    format!(
        "arn:{}:iam::{}:instance-profile/*",
        inputs.partition, inputs.account
    )
}

fn describe_cluster(inputs: &PolicyInputs) -> Json {
    json!({
        "Sid": "FindTheApiServer",
        "Effect": "Allow",
        "Action": "eks:DescribeCluster",
        "Resource": format!(
            "arn:{}:eks:{}:{}:cluster/{}",
            inputs.partition, inputs.region, inputs.account, inputs.cluster
        ),
    })
}
