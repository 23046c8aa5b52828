//! Node access: the `aws-auth` mapping that lets Karpenter's nodes join.
//!
//! Clusters whose authentication mode includes `CONFIG_MAP` map IAM
//! principals to Kubernetes users through the ConfigMap `kube-system/aws-auth`.
//! Its `mapRoles` entry is YAML *text* inside the ConfigMap's data: a list of
//! *role mappings*, each an IAM role ARN, the Kubernetes user name it acts
//! as, and that user's groups. A node maps to `system:node:<private DNS
//! name>`, which the authenticator fills in per instance, in the groups the
//! kubelet needs to bootstrap and run.

use serde_json::{Value as Json, json};

use super::node_class::metadata;

/// Where the EKS authenticator reads role mappings.
pub const NAMESPACE: &str = "kube-system";
pub const NAME: &str = "aws-auth";
/// The user name of a node; the authenticator replaces the placeholder.
pub const NODE_USERNAME: &str = "system:node:{{EC2PrivateDNSName}}";
/// The groups a node's kubelet needs.
pub const NODE_GROUPS: [&str; 2] = ["system:bootstrappers", "system:nodes"];

/// The `aws-auth` ConfigMap mapping `node_role_arn` to nodes.
pub fn aws_auth(owner: &str, node_role_arn: &str) -> Json {
    let mut metadata = metadata(owner, NAME);
    metadata["namespace"] = json!(NAMESPACE);
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata,
        "data": { "mapRoles": map_roles(node_role_arn) },
    })
}

/// The `mapRoles` text: one mapping, keys in a fixed order, every scalar
/// double-quoted (a JSON string is a YAML double-quoted scalar), so the
/// `{{` of the user name and the colons of the ARN need no further thought.
fn map_roles(node_role_arn: &str) -> String {
    let quoted = |text: &str| Json::from(text).to_string();
    let mut text = format!("- rolearn: {}\n", quoted(&without_path(node_role_arn)));
    text.push_str(&format!("  username: {}\n", quoted(NODE_USERNAME)));
    text.push_str("  groups:\n");
    for group in NODE_GROUPS {
        text.push_str(&format!("    - {}\n", quoted(group)));
    }
    text
}

/// The authenticator compares a node's role ARN without its IAM path, so a
/// mapping that keeps the path never matches: `role/ci/nodes/Name` must be
/// written `role/Name`.
fn without_path(arn: &str) -> String {
    match arn.split_once(":role/") {
        Some((prefix, path_and_name)) => {
            let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
            format!("{prefix}:role/{name}")
        }
        None => arn.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_paths_are_dropped_from_the_mapping() {
        assert_eq!(
            without_path("arn:aws:iam::111122223333:role/ci/nodes/KarpenterNodeRole-c"),
            "arn:aws:iam::111122223333:role/KarpenterNodeRole-c"
        );
        assert_eq!(
            without_path("arn:aws:iam::111122223333:role/KarpenterNodeRole-c"),
            "arn:aws:iam::111122223333:role/KarpenterNodeRole-c"
        );
    }
}
