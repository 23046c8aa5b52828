//! Expansion: one access's configuration into its sub-objects. Pure: no
//! API call, so plans can show exactly what apply will do.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use super::trust_policy::{self, TrustPolicyInputs};
use crate::kinds::iam_role::RoleFields;
use crate::kinds::inline_policy::InlinePolicyFields;
use crate::kinds::kube_object::KubeFields;
use crate::kinds::oidc_provider::{OidcFields, STS_AUDIENCE, user_tag};
use crate::kinds::policy_attachment::AttachmentFields;
use crate::kinds::{MANAGED_BY, MANAGED_BY_VALUE, OWNER, render};
use crate::reconcile::Desired;
use crate::resources::field::Field;
use crate::value::Value;

/// The annotation EKS's pod identity webhook reads.
pub const ROLE_ARN_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
/// Name of the one inline policy an access manages.
pub const INLINE_POLICY_NAME: &str = "ci-inline";
/// Tag naming the cluster whose service account a role trusts.
pub const CLUSTER_TAG: &str = "ci-platform/cluster";
const DEFAULT_MAX_SESSION: i32 = 3600;

/// The attributes expansion reads; all must be known to expand.
const INPUTS: [&str; 12] = [
    "cluster_name",
    "account_id",
    "target_role_name",
    "oidc_issuer_url",
    "namespace",
    "service_account",
    "role_name",
    "policy_arns",
    "inline_policy",
    "max_session_duration",
    "permissions_boundary",
    "tags",
];

/// One access's inputs, every one known.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    pub cluster: String,
    /// `None`: the provider's own account.
    pub account_id: Option<String>,
    pub target_role_name: Option<String>,
    pub issuer: String,
    pub namespace: String,
    pub service_account: String,
    pub role_name: String,
    pub policy_arns: Vec<String>,
    pub inline_policy: Option<Json>,
    pub max_session_duration: i32,
    pub permissions_boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
}

impl Access {
    /// Reads the inputs; `None` while any of them is unknown.
    pub fn from_value(config: &Value) -> Option<Access> {
        let known = |name: &str| config.attr(name).is_none_or(Value::is_wholly_known);
        if !INPUTS.iter().all(|name| known(name)) {
            return None;
        }
        let root = Field::root(config);
        let text = |name: &str| root.attr(name).str().map(str::to_string);
        let namespace = text("namespace")?;
        let service_account = text("service_account")?;
        let role_name = text("role_name")
            .unwrap_or_else(|| trust_policy::default_role_name(&namespace, &service_account));
        let inline_policy = text("inline_policy").and_then(|doc| serde_json::from_str(&doc).ok());
        let max_session = root
            .attr("max_session_duration")
            .number()
            .and_then(|n| n.as_i64());
        Some(Access {
            cluster: text("cluster_name")?,
            account_id: text("account_id"),
            target_role_name: text("target_role_name"),
            issuer: text("oidc_issuer_url")?,
            namespace,
            service_account,
            role_name,
            policy_arns: root
                .attr("policy_arns")
                .strings()
                .into_iter()
                .map(str::to_string)
                .collect(),
            inline_policy,
            max_session_duration: max_session.map_or(DEFAULT_MAX_SESSION, |n| n as i32),
            permissions_boundary: text("permissions_boundary"),
            tags: string_map(&root.attr("tags")),
        })
    }

    /// The resource id: `<account>/<role name>`, also the import id.
    pub fn id(&self, account: &str) -> String {
        format!("{account}/{}", self.role_name)
    }

    pub fn role_arn(&self, account: &str) -> String {
        let partition = trust_policy::partition(&self.issuer);
        format!("arn:{partition}:iam::{account}:role/{}", self.role_name)
    }

    pub fn oidc_provider_arn(&self, account: &str) -> String {
        trust_policy::oidc_provider_arn(account, &self.issuer)
    }

    /// The GitLab CI variables a job sets to use this access.
    pub fn ci_variables(&self) -> BTreeMap<String, String> {
        BTreeMap::from([(
            "KUBERNETES_SERVICE_ACCOUNT_OVERWRITE".to_string(),
            self.service_account.clone(),
        )])
    }
}

fn string_map(field: &Field) -> BTreeMap<String, String> {
    let entries = field.entries().unwrap_or_default();
    entries
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v.str()?.to_string())))
        .collect()
}

/// Sub-object ids, one function each so read and import build the same.
pub mod ids {
    pub fn oidc(account: &str) -> String {
        format!("oidc_provider/{account}")
    }
    pub fn role(account: &str, role: &str) -> String {
        format!("iam_role/{account}/{role}")
    }
    pub fn attachment(account: &str, role: &str, policy_arn: &str) -> String {
        format!("policy_attachment/{account}/{role}/{policy_arn}")
    }
    pub fn inline(account: &str, role: &str) -> String {
        format!(
            "inline_policy/{account}/{role}/{}",
            super::INLINE_POLICY_NAME
        )
    }
    pub fn service_account(cluster: &str, namespace: &str, name: &str) -> String {
        format!("kube_object/{cluster}/ServiceAccount/{namespace}/{name}")
    }
}

/// The sub-objects of `access` in `account`; `default_tags` come from the
/// provider block.
pub fn expand(
    access: &Access,
    account: &str,
    default_tags: &BTreeMap<String, String>,
) -> Vec<Desired> {
    let owner = access.id(account);
    let role_id = ids::role(account, &access.role_name);
    let oidc_id = ids::oidc(account);
    let mut desired = vec![
        Desired::new(&oidc_id, render(&oidc(access, account, &owner))),
        Desired::new(
            &role_id,
            render(&role(access, account, &owner, default_tags)),
        )
        .after(&oidc_id),
    ];
    for policy_arn in &access.policy_arns {
        let fields = AttachmentFields {
            account: account.to_string(),
            role: access.role_name.clone(),
            policy_arn: policy_arn.clone(),
        };
        let id = ids::attachment(account, &access.role_name, policy_arn);
        desired.push(Desired::new(id, render(&fields)).after(&role_id));
    }
    if let Some(document) = &access.inline_policy {
        let fields = InlinePolicyFields {
            account: account.to_string(),
            role: access.role_name.clone(),
            name: INLINE_POLICY_NAME.to_string(),
            document: document.clone(),
        };
        desired.push(
            Desired::new(ids::inline(account, &access.role_name), render(&fields)).after(&role_id),
        );
    }
    let sa_id = ids::service_account(&access.cluster, &access.namespace, &access.service_account);
    let sa = KubeFields::of(&access.cluster, service_account(access, account, &owner));
    desired.push(Desired::new(sa_id, render(&sa)).after(&role_id));
    desired
}

fn oidc(access: &Access, account: &str, owner: &str) -> OidcFields {
    OidcFields {
        account: account.to_string(),
        url: access.issuer.clone(),
        arn: access.oidc_provider_arn(account),
        client_ids: vec![STS_AUDIENCE.to_string()],
        user: Some(user_tag(owner)),
    }
}

fn role(
    access: &Access,
    account: &str,
    owner: &str,
    default_tags: &BTreeMap<String, String>,
) -> RoleFields {
    let trust = TrustPolicyInputs {
        account_id: account,
        issuer_url: &access.issuer,
        namespace: &access.namespace,
        service_account: &access.service_account,
    };
    let mut tags = default_tags.clone();
    tags.extend(access.tags.clone());
    tags.insert(MANAGED_BY.to_string(), MANAGED_BY_VALUE.to_string());
    tags.insert(OWNER.to_string(), owner.to_string());
    tags.insert(CLUSTER_TAG.to_string(), access.cluster.clone());
    RoleFields {
        account: account.to_string(),
        name: access.role_name.clone(),
        assume_role_policy: trust_policy::render(&trust),
        max_session_duration: access.max_session_duration,
        permissions_boundary: access.permissions_boundary.clone(),
        tags,
        description: None,
    }
}

fn service_account(access: &Access, account: &str, owner: &str) -> Json {
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": access.service_account,
            "namespace": access.namespace,
            "labels": {
                MANAGED_BY: MANAGED_BY_VALUE,
                "app.kubernetes.io/managed-by": "terraform-provider-ci",
            },
            "annotations": {
                ROLE_ARN_ANNOTATION: access.role_arn(account),
                OWNER: owner,
            },
        },
    })
}
