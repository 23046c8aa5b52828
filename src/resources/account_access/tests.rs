use super::trust_policy::{self, TrustPolicyInputs};
use super::*;
use crate::resources::testing::{
    Case, assert_hostile_values_never_panic, assert_unknowns_tolerated, assert_valid, bad,
    run_cases,
};
use serde_json::{Value as Json, json};

const ISSUER: &str = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";

fn good() -> Json {
    json!({
        "oidc_issuer_url": ISSUER,
        "namespace": "payments",
        "service_account": "payments-prod",
        "account_id": "123456789012",
        "target_role_name": "ci-provisioner",
        "role_name": "payments-prod-deployer",
        "policy_arns": [
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:iam::123456789012:policy/deploy"
        ],
        "inline_policy": policy(json!({
            "Effect": "Allow", "Action": ["s3:GetObject", "s3:List*"], "Resource": "*"
        })),
        "max_session_duration": 7200,
        "permissions_boundary": "arn:aws:iam::123456789012:policy/ci-boundary",
        "tags": {"team": "payments"}
    })
}

fn policy(statement: Json) -> String {
    json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
}

fn check(config: &crate::value::Value) -> Diagnostics {
    AccountAccess.validate(config)
}

#[test]
fn good_configurations_have_no_errors() {
    let block = AccountAccess.schema().block;
    assert_valid(&block, &good(), check);
    let minimal = json!({"oidc_issuer_url": ISSUER, "namespace": "a", "service_account": "b"});
    assert_valid(&block, &minimal, check);
}

#[test]
fn bad_values_are_reported_at_their_attribute() {
    let many_arns: Vec<String> = (0..21)
        .map(|i| format!("arn:aws:iam::123456789012:policy/p{i}"))
        .collect();
    let long_issuer = format!("{ISSUER}{}", "/x".repeat(500));
    let huge_policy = policy(json!({
        "Effect": "Allow", "Action": "s3:GetObject",
        "Resource": (0..400).map(|i| format!("arn:aws:s3:::bucket-{i}/*")).collect::<Vec<_>>()
    }));
    let cases: Vec<Case> = vec![
        bad(
            "/account_id",
            json!("12345678901"),
            "Invalid AWS account ID",
            "account_id",
        ),
        bad(
            "/account_id",
            json!("12345678901a"),
            "Invalid AWS account ID",
            "account_id",
        ),
        bad(
            "/service_account",
            json!("payments-*"),
            "Wildcard in service account name",
            "service_account",
        ),
        bad(
            "/service_account",
            json!("*"),
            "Wildcard in service account name",
            "service_account",
        ),
        bad(
            "/service_account",
            json!("Payments"),
            "Invalid Kubernetes name",
            "service_account",
        ),
        bad(
            "/namespace",
            json!("payments.prod"),
            "Invalid Kubernetes name",
            "namespace",
        ),
        bad(
            "/namespace",
            json!("-payments"),
            "Invalid Kubernetes name",
            "namespace",
        ),
        bad(
            "/oidc_issuer_url",
            json!("http://oidc.eks.eu-west-1.amazonaws.com/id/X"),
            "Invalid URL",
            "oidc_issuer_url",
        ),
        bad(
            "/oidc_issuer_url",
            json!(format!("{ISSUER}/")),
            "Invalid OIDC issuer URL",
            "oidc_issuer_url",
        ),
        bad(
            "/oidc_issuer_url",
            json!(long_issuer),
            "Trust policy too large",
            "oidc_issuer_url",
        ),
        bad(
            "/role_name",
            json!("team/role"),
            "Invalid IAM role name",
            "role_name",
        ),
        bad(
            "/target_role_name",
            json!(""),
            "Invalid IAM role name",
            "target_role_name",
        ),
        bad(
            "/account_id",
            json!(null),
            "target_role_name without account_id",
            "target_role_name",
        ),
        bad(
            "/policy_arns/1",
            json!("arn:aws:iam::123456789012:role/deploy"),
            "Invalid ARN",
            "policy_arns[1]",
        ),
        bad(
            "/policy_arns/1",
            json!("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            "Duplicate policy ARN",
            "policy_arns[1]",
        ),
        bad(
            "/policy_arns",
            json!(many_arns),
            "Too many policies",
            "policy_arns",
        ),
        bad(
            "/inline_policy",
            json!("{not json"),
            "Invalid IAM policy",
            "inline_policy",
        ),
        bad(
            "/inline_policy",
            json!(r#"{"Statement": []}"#),
            "Invalid IAM policy",
            "inline_policy",
        ),
        bad(
            "/inline_policy",
            json!(policy(
                json!({"Effect": "allow", "Action": "*", "Resource": "*"})
            )),
            "Invalid IAM policy",
            "inline_policy",
        ),
        bad(
            "/inline_policy",
            json!(policy(
                json!({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
            )),
            "Invalid IAM policy",
            "inline_policy",
        ),
        bad(
            "/inline_policy",
            json!(huge_policy),
            "Inline policy too large",
            "inline_policy",
        ),
        bad(
            "/max_session_duration",
            json!(60),
            "Invalid max_session_duration",
            "max_session_duration",
        ),
        bad(
            "/permissions_boundary",
            json!("arn:aws:iam::123456789012:role/boundary"),
            "Invalid ARN",
            "permissions_boundary",
        ),
        bad(
            "/tags/aws:owner",
            json!("me"),
            "Invalid tag",
            "tags[\"aws:owner\"]",
        ),
    ];
    run_cases(&AccountAccess.schema().block, &good(), &cases, check);
}

#[test]
fn hostile_values_never_panic() {
    assert_hostile_values_never_panic(&AccountAccess.schema().block, &good(), check);
}

#[test]
fn unknown_values_are_never_errors() {
    assert_unknowns_tolerated(&AccountAccess.schema().block, &good(), check);
}

#[test]
fn trust_policy_pins_subject_and_audience_with_string_equals() {
    let inputs = TrustPolicyInputs {
        account_id: "123456789012",
        issuer_url: ISSUER,
        namespace: "payments",
        service_account: "payments-prod",
    };
    let document = trust_policy::render(&inputs);
    let statement = &document["Statement"][0];
    let host = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
    assert_eq!(statement["Action"], "sts:AssumeRoleWithWebIdentity");
    assert_eq!(
        statement["Principal"]["Federated"],
        format!("arn:aws:iam::123456789012:oidc-provider/{host}")
    );
    let conditions = statement["Condition"].as_object().unwrap();
    assert_eq!(conditions.keys().collect::<Vec<_>>(), ["StringEquals"]);
    let equals = &conditions["StringEquals"];
    assert_eq!(
        equals[format!("{host}:sub")],
        "system:serviceaccount:payments:payments-prod"
    );
    assert_eq!(equals[format!("{host}:aud")], "sts.amazonaws.com");
}

#[test]
fn partition_follows_the_issuer_region() {
    assert_eq!(trust_policy::partition(ISSUER), "aws");
    assert_eq!(
        trust_policy::partition("https://oidc.eks.cn-north-1.amazonaws.com.cn/id/X"),
        "aws-cn"
    );
    assert_eq!(
        trust_policy::partition("https://oidc.eks.us-gov-west-1.amazonaws.com/id/X"),
        "aws-us-gov"
    );
}

#[test]
fn default_role_names_fit_iam_and_stay_stable() {
    assert_eq!(
        default_role_name("payments", "deployer"),
        "ci-payments-deployer"
    );
    let long = default_role_name(&"n".repeat(63), &"s".repeat(100));
    assert_eq!(long.len(), 64);
    assert_eq!(long, default_role_name(&"n".repeat(63), &"s".repeat(100)));
    assert_ne!(long, default_role_name(&"n".repeat(63), &"s".repeat(101)));
    assert!(crate::resources::validate::iam_role_name(&long).is_ok());
}

#[test]
fn schema_is_consistent() {
    assert_eq!(
        AccountAccess.schema().block.problems(),
        Vec::<String>::new()
    );
}
