use super::*;
use crate::resources::testing::{
    Case, UNKNOWN, assert_hostile_values_never_panic, assert_unknowns_tolerated, assert_valid, bad,
    config, path, run_cases,
};
use serde_json::{Value as Json, json};

fn good() -> Json {
    json!({
        "region": "eu-west-1",
        "target_role_name": "ci-provisioner",
        "default_tags": {"team": "platform", "cost-center": "ci"},
        "max_attempts": 5,
        "retry_mode": "adaptive",
        "assume_role": {
            "role_arn": "arn:aws:iam::111111111111:role/ci-terraform",
            "session_name": "terraform",
            "external_id": "ci-platform-42"
        },
        "endpoints": {"iam": "http://127.0.0.1:5000", "sts": "https://sts.eu-west-1.amazonaws.com"},
        "kubernetes": {
            "host": "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
            "cluster_ca_certificate":
                "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "token": "secret-token"
        }
    })
}

fn resolve(json: &Json) -> ProviderConfig {
    ProviderConfig::from_value(&config(&schema().block, json)).expect("valid configuration")
}

#[test]
fn good_configuration_has_no_errors() {
    assert_valid(&schema().block, &good(), validate);
    assert_valid(&schema().block, &json!({}), validate);
}

#[test]
fn bad_values_are_reported_at_their_attribute() {
    let cases: Vec<Case> = vec![
        bad("/region", json!("eu-west"), "Invalid AWS region", "region"),
        bad(
            "/region",
            json!("EU-WEST-1"),
            "Invalid AWS region",
            "region",
        ),
        bad(
            "/target_role_name",
            json!("role with spaces"),
            "Invalid IAM role name",
            "target_role_name",
        ),
        bad(
            "/target_role_name",
            json!("r".repeat(65)),
            "Invalid IAM role name",
            "target_role_name",
        ),
        bad(
            "/default_tags/aws:owner",
            json!("me"),
            "Invalid tag",
            "default_tags[\"aws:owner\"]",
        ),
        bad(
            "/default_tags/team",
            json!("a".repeat(257)),
            "Invalid tag",
            "default_tags[\"team\"]",
        ),
        bad(
            "/max_attempts",
            json!(0),
            "Invalid max_attempts",
            "max_attempts",
        ),
        bad(
            "/max_attempts",
            json!(2.5),
            "Invalid max_attempts",
            "max_attempts",
        ),
        bad(
            "/retry_mode",
            json!("legacy"),
            "Invalid retry mode",
            "retry_mode",
        ),
        bad(
            "/assume_role/role_arn",
            json!("arn:aws:iam::111111111111:user/bob"),
            "Invalid ARN",
            "assume_role.role_arn",
        ),
        bad(
            "/assume_role/role_arn",
            json!("ci-terraform"),
            "Invalid ARN",
            "assume_role.role_arn",
        ),
        bad(
            "/assume_role/session_name",
            json!("x"),
            "Invalid session name",
            "assume_role.session_name",
        ),
        bad(
            "/assume_role/external_id",
            json!("has space"),
            "Invalid external ID",
            "assume_role.external_id",
        ),
        bad(
            "/endpoints/eks",
            json!("localhost:4566"),
            "Invalid URL",
            "endpoints.eks",
        ),
        bad(
            "/endpoints/scheduler",
            json!("ftp://example.com"),
            "Invalid URL",
            "endpoints.scheduler",
        ),
        bad(
            "/kubernetes/host",
            json!("https://user:pw@example.com"),
            "Invalid URL",
            "kubernetes.host",
        ),
        bad(
            "/kubernetes/cluster_ca_certificate",
            json!("LS0tLS1CRUdJTg=="),
            "Invalid CA certificate",
            "kubernetes.cluster_ca_certificate",
        ),
        bad(
            "/kubernetes/insecure",
            json!(true),
            "Conflicting TLS settings",
            "kubernetes.insecure",
        ),
        bad(
            "/kubernetes/token",
            json!(" "),
            "Empty token",
            "kubernetes.token",
        ),
    ];
    run_cases(&schema().block, &good(), &cases, validate);
}

#[test]
fn hostile_values_never_panic() {
    assert_hostile_values_never_panic(&schema().block, &good(), validate);
    assert_hostile_values_never_panic(&schema().block, &good(), |config| {
        ProviderConfig::from_value(config).err().unwrap_or_default()
    });
}

#[test]
fn unknown_values_are_never_errors() {
    assert_unknowns_tolerated(&schema().block, &good(), validate);
}

#[test]
fn defaults_fill_an_empty_configuration() {
    let resolved = resolve(&json!({}));
    assert_eq!(resolved.region, None);
    assert_eq!(resolved.target_role_name, DEFAULT_TARGET_ROLE_NAME);
    assert_eq!(
        resolved.retry,
        Retry {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            mode: RetryMode::Standard
        }
    );
    assert_eq!(resolved.endpoints, Endpoints::default());
    assert_eq!(resolved.kubernetes, KubernetesOverride::default());
    assert!(resolved.assume_role.is_none() && resolved.deferred.is_empty());
}

#[test]
fn configured_values_are_resolved() {
    let resolved = resolve(&good());
    assert_eq!(resolved.region.as_deref(), Some("eu-west-1"));
    assert_eq!(
        resolved.retry,
        Retry {
            max_attempts: 5,
            mode: RetryMode::Adaptive
        }
    );
    assert_eq!(resolved.default_tags.len(), 2);
    assert_eq!(
        resolved.endpoints.iam.as_deref(),
        Some("http://127.0.0.1:5000")
    );
    assert_eq!(
        resolved.assume_role.unwrap().external_id.as_deref(),
        Some("ci-platform-42")
    );
    assert_eq!(resolved.kubernetes.token.as_deref(), Some("secret-token"));
}

#[test]
fn unknown_values_are_deferred_not_defaulted_silently() {
    let mut json = good();
    json["kubernetes"]["host"] = json!(UNKNOWN);
    json["assume_role"] = json!(UNKNOWN);
    let resolved = resolve(&json);
    assert_eq!(
        resolved.deferred,
        vec![path("assume_role"), path("kubernetes.host")]
    );
    let errors = resolved.require_known().unwrap_err();
    assert_eq!(errors.0.len(), 2);
    assert_eq!(errors.0[0].summary, "Provider configuration not yet known");
}

#[test]
fn invalid_configuration_is_refused() {
    let mut json = good();
    json["region"] = json!("nowhere");
    let value = config(&schema().block, &json);
    assert!(ProviderConfig::from_value(&value).unwrap_err().has_errors());
}

#[test]
fn debug_output_hides_secrets() {
    let text = format!("{:?}", resolve(&good()));
    assert!(
        !text.contains("secret-token") && !text.contains("ci-platform-42"),
        "{text}"
    );
}

#[test]
fn schema_is_consistent() {
    assert_eq!(schema().block.problems(), Vec::<String>::new());
}

#[test]
fn blocks_are_single_objects() {
    let Type::Object(attributes) = schema().value_type() else {
        panic!("not an object")
    };
    let Type::Object(kubernetes) = &attributes["kubernetes"] else {
        panic!("not an object")
    };
    assert_eq!(kubernetes["insecure"], Type::Bool);
    assert_eq!(attributes["default_tags"], map_of(Type::String));
}
