//! Validation of `ci_account_access` configurations.

use super::trust_policy::{self, MAX_TRUST_POLICY_CHARS, TrustPolicyInputs};
use crate::diagnostics::Diagnostics;
use crate::resources::field::Field;
use crate::resources::validate::{
    self, IAM_POLICY, account_id, arn, dns_label, eks_name, iam_policy, iam_role_name,
    minified_len, oidc_issuer_url, service_account_name,
};
use crate::value::Value;

/// IAM's limit on managed policies attached to one role (quota maximum).
const MAX_POLICY_ARNS: usize = 20;
/// IAM's limit on the inline policies of one role, in characters.
const MAX_INLINE_POLICY_CHARS: usize = 10_240;
/// The account ID stands in for an unknown one when sizing the trust
/// policy: every account ID has 12 digits.
const PLACEHOLDER_ACCOUNT_ID: &str = "000000000000";

pub(super) fn validate(config: &Value) -> Diagnostics {
    let root = Field::root(config);
    let mut diags = Diagnostics::default();
    check_identity(&root, &mut diags);
    check_target(&root, &mut diags);
    check_policies(&root, &mut diags);
    validate::whole_number(
        &root.attr("max_session_duration"),
        &mut diags,
        "max_session_duration",
        3600,
        43_200,
    );
    validate::tags(&root.attr("tags"), &mut diags);
    if !diags.has_errors() {
        check_trust_policy_size(&root, &mut diags);
    }
    diags
}

fn check_identity(root: &Field, diags: &mut Diagnostics) {
    // The same rule as `ci_cluster.name`: any cluster it accepts can be used here.
    root.attr("cluster_name").check(diags, eks_name(100));
    root.attr("oidc_issuer_url").check(diags, oidc_issuer_url);
    root.attr("namespace").check(diags, dns_label);
    root.attr("service_account")
        .check(diags, service_account_name);
    root.attr("role_name").check(diags, iam_role_name);
}

fn check_target(root: &Field, diags: &mut Diagnostics) {
    let account = root.attr("account_id");
    account.check(diags, account_id);
    let target_role = root.attr("target_role_name");
    target_role.check(diags, iam_role_name);
    if target_role.str().is_some() && account.is_null() {
        diags.push(target_role.error(
            "target_role_name without account_id",
            "target_role_name names the role assumed in account_id, but no account_id is \
             set, so the provider's own credentials are used. Set account_id or remove \
             target_role_name.",
        ));
    }
}

fn check_policies(root: &Field, diags: &mut Diagnostics) {
    let arns = root.attr("policy_arns");
    arns.check_each(diags, arn(IAM_POLICY));
    validate::unique_strings(&arns, diags, "policy ARN");
    if arns
        .elements()
        .is_some_and(|list| list.len() > MAX_POLICY_ARNS)
    {
        diags.push(arns.error(
            "Too many policies",
            format!(
                "IAM attaches at most {MAX_POLICY_ARNS} managed policies to a role; \
                     combine some into one policy."
            ),
        ));
    }
    root.attr("permissions_boundary")
        .check(diags, arn(IAM_POLICY));
    check_inline_policy(&root.attr("inline_policy"), diags);
}

fn check_inline_policy(field: &Field, diags: &mut Diagnostics) {
    field.check(diags, iam_policy);
    let Some(document) = field.str().and_then(|text| serde_json::from_str(text).ok()) else {
        return;
    };
    let length = minified_len(&document);
    if length > MAX_INLINE_POLICY_CHARS {
        diags.push(field.error(
            "Inline policy too large",
            format!(
                "The policy has {length} characters without whitespace; IAM allows \
                 {MAX_INLINE_POLICY_CHARS} for a role's inline policies. Move statements \
                 into a managed policy and list it in policy_arns."
            ),
        ));
    }
}

/// Renders the trust policy from the inputs and checks IAM's size quota,
/// so an oversized policy fails at plan rather than halfway through apply.
fn check_trust_policy_size(root: &Field, diags: &mut Diagnostics) {
    let fields = ["oidc_issuer_url", "namespace", "service_account"].map(|name| root.attr(name));
    let Some(length) = trust_policy_length(root, &fields) else {
        return;
    };
    if length <= MAX_TRUST_POLICY_CHARS {
        return;
    }
    let longest = fields.iter().max_by_key(|f| f.str().map_or(0, str::len));
    diags.push(longest.unwrap_or(&fields[0]).error(
        "Trust policy too large",
        format!(
            "The role's trust policy would have {length} characters; IAM allows \
             {MAX_TRUST_POLICY_CHARS} by default (\"Role trust policy length\" quota). \
             Shorten the issuer URL, namespace or service account name."
        ),
    ));
}

/// The trust policy's length, once the issuer, namespace and service
/// account are known; an unknown account ID has 12 digits like any.
fn trust_policy_length(root: &Field, fields: &[Field; 3]) -> Option<usize> {
    let [issuer_url, namespace, service_account] = fields.each_ref().map(Field::str);
    let inputs = TrustPolicyInputs {
        account_id: root
            .attr("account_id")
            .str()
            .unwrap_or(PLACEHOLDER_ACCOUNT_ID),
        issuer_url: issuer_url?,
        namespace: namespace?,
        service_account: service_account?,
    };
    Some(minified_len(&trust_policy::render(&inputs)))
}
