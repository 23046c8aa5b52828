//! The default Karpenter `EC2NodeClass` of a cluster.
//!
//! A *node class* tells Karpenter how to launch an EC2 instance: which AMI
//! (an *alias*, `family@version`, that Karpenter resolves to the EKS
//! optimised image), which IAM role, which subnets and security groups, and
//! which volumes. Subnets and security groups are found by the *discovery
//! tag*: a tag key whose value is the cluster name. The *data volume* is the
//! volume holding images, container layers and job workspaces; on AL2 and
//! AL2023 it is the root volume, on Bottlerocket a second volume beside a
//! small OS volume.
//!
//! [`metadata`] is shared by every manifest of the cluster.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::kinds::{MANAGED_BY, MANAGED_BY_VALUE, OWNER};

/// The inputs of one `EC2NodeClass`, defaults already applied.
#[derive(Debug, Clone, Copy)]
pub struct NodeClass<'a> {
    /// The owning resource id, written to the owner annotation.
    pub owner: &'a str,
    pub cluster_name: &'a str,
    /// Name of the `EC2NodeClass`.
    pub name: &'a str,
    /// Name of the IAM role the nodes run with.
    pub node_role_name: &'a str,
    /// AMI alias, e.g. `al2023@latest`.
    pub ami_alias: &'a str,
    /// Size of the data volume, e.g. `100Gi`.
    pub volume_size: &'a str,
    /// EBS volume type, e.g. `gp3`.
    pub volume_type: &'a str,
    /// Tag key selecting subnets and security groups; its value is the
    /// cluster name.
    pub discovery_tag: &'a str,
    /// Tags for the instances and volumes Karpenter launches.
    pub tags: &'a BTreeMap<String, String>,
}

/// Size of Bottlerocket's OS volume, as Karpenter gives it by default.
const BOTTLEROCKET_OS_VOLUME: &str = "4Gi";

/// Ownership marks and name of a manifest of the cluster owned by `owner`,
/// without a namespace.
pub(super) fn metadata(owner: &str, name: &str) -> Json {
    json!({
        "name": name,
        "labels": {
            MANAGED_BY: MANAGED_BY_VALUE,
            "app.kubernetes.io/managed-by": MANAGED_BY_VALUE,
        },
        "annotations": { OWNER: owner },
    })
}

/// The `karpenter.k8s.aws/v1` `EC2NodeClass` for `node_class`.
pub fn manifest(node_class: &NodeClass<'_>) -> Json {
    let mut spec = json!({
        "role": node_class.node_role_name,
        "amiSelectorTerms": [{ "alias": node_class.ami_alias }],
        "subnetSelectorTerms": [discovery(node_class)],
        "securityGroupSelectorTerms": [discovery(node_class)],
        "blockDeviceMappings": block_devices(node_class),
        "metadataOptions": metadata_options(),
    });
    if !node_class.tags.is_empty() {
        spec["tags"] = json!(node_class.tags);
    }
    json!({
        "apiVersion": "karpenter.k8s.aws/v1",
        "kind": "EC2NodeClass",
        "metadata": metadata(node_class.owner, node_class.name),
        "spec": spec,
    })
}

fn discovery(node_class: &NodeClass<'_>) -> Json {
    json!({ "tags": { node_class.discovery_tag: node_class.cluster_name } })
}

/// Karpenter's defaults, written out for two reasons. Job pods run
/// arbitrary code; with IMDSv2 and a hop limit of 1 a pod (one network hop
/// from the instance) cannot read the node role's credentials and has to
/// use IRSA, which is how the platform grants access. And drift is only
/// computed on the fields we send, so sending them makes a loosened
/// setting show up in a plan.
fn metadata_options() -> Json {
    json!({
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
    })
}

/// A Karpenter node class with `blockDeviceMappings` uses exactly those
/// volumes, so the mapping must name each device the AMI family boots
/// from: Bottlerocket needs its OS volume as well as its data volume.
fn block_devices(node_class: &NodeClass<'_>) -> Vec<Json> {
    let family = node_class.ami_alias.split('@').next().unwrap_or_default();
    let data = |device: &str| volume(node_class, device, node_class.volume_size);
    match family {
        "bottlerocket" => vec![
            volume(node_class, "/dev/xvda", BOTTLEROCKET_OS_VOLUME),
            data("/dev/xvdb"),
        ],
        windows if windows.starts_with("windows") => vec![data("/dev/sda1")],
        _ => vec![data("/dev/xvda")],
    }
}

fn volume(node_class: &NodeClass<'_>, device: &str, size: &str) -> Json {
    json!({
        "deviceName": device,
        "ebs": {
            "volumeSize": size,
            "volumeType": node_class.volume_type,
            "encrypted": true,
            "deleteOnTermination": true,
        },
    })
}
