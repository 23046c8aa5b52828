//! Expansion of `ci_cluster`: which sub-objects, which wait for facts
//! only AWS knows, and what the IAM documents allow.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use super::expand::{ClusterInputs, Facts, expand, is_pending};
use super::schema::schema;
use crate::reconcile::Desired;
use crate::resources::testing::config;

const ACCOUNT: &str = "111122223333";
const ISSUER: &str = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC123";

fn inputs(json: Json) -> ClusterInputs {
    ClusterInputs::from_value(&config(&schema().block, &json)).expect("every input known")
}

fn minimal() -> ClusterInputs {
    inputs(json!({"name": "ci", "subnet_ids": ["subnet-01234567", "subnet-89abcdef"]}))
}

fn known() -> Facts {
    Facts {
        account: Some(ACCOUNT.to_string()),
        region: Some("eu-west-1".to_string()),
        issuer: Some(ISSUER.to_string()),
    }
}

fn spec<'a>(desired: &'a [Desired], id: &str) -> &'a Json {
    let found = desired.iter().find(|d| d.id == id);
    &found.unwrap_or_else(|| panic!("no {id}")).spec
}

#[test]
fn the_defaults_expand_into_every_documented_sub_object() {
    let desired = expand(&minimal(), &known(), &BTreeMap::new());

    let ids: Vec<&str> = desired.iter().map(|d| d.id.as_str()).collect();
    let policy = |name: &str| format!("arn:aws:iam::aws:policy/{name}");
    let mut expected = vec![
        "iam_role/ci-eks-cluster".to_string(),
        format!(
            "policy_attachment/ci-eks-cluster/{}",
            policy("AmazonEKSClusterPolicy")
        ),
        "eks_cluster/ci".to_string(),
        "iam_role/KarpenterNodeRole-ci".to_string(),
        "sqs_queue/karpenter-ci".to_string(),
        "oidc_provider/ci".to_string(),
        "iam_role/KarpenterController-ci".to_string(),
        "inline_policy/KarpenterController-ci/karpenter-controller".to_string(),
        "kube_object/ci/EC2NodeClass/_/default".to_string(),
        "kube_object/ci/ConfigMap/kube-system/aws-auth".to_string(),
    ];
    for name in [
        "AmazonEKSWorkerNodePolicy",
        "AmazonEKS_CNI_Policy",
        "AmazonEC2ContainerRegistryReadOnly",
        "AmazonSSMManagedInstanceCore",
    ] {
        expected.push(format!(
            "policy_attachment/KarpenterNodeRole-ci/{}",
            policy(name)
        ));
    }
    for rule in [
        "spot-interruption",
        "rebalance",
        "instance-state-change",
        "scheduled-change",
    ] {
        expected.push(format!("event_rule/karpenter-ci-{rule}"));
    }
    for policy in [
        "do-not-disrupt",
        "gpu",
        "pinned-instance-type",
        "spot-by-annotation",
        "zone-spread",
    ] {
        expected.push(format!("kube_object/ci/ClusterPolicy/_/ci-jobs-{policy}"));
    }
    let mut sorted_ids = ids.clone();
    sorted_ids.sort();
    expected.sort();
    assert_eq!(sorted_ids, expected);
    assert!(desired.iter().all(|d| !is_pending(&d.spec)));
}

#[test]
fn a_new_cluster_defers_exactly_what_names_the_account_or_the_issuer() {
    let facts = Facts {
        region: Some("eu-west-1".to_string()),
        ..Facts::default()
    };
    let desired = expand(&minimal(), &facts, &BTreeMap::new());

    let mut pending: Vec<&str> = desired
        .iter()
        .filter(|d| is_pending(&d.spec))
        .map(|d| d.id.as_str())
        .collect();
    pending.sort();
    assert_eq!(
        pending,
        [
            "eks_cluster/ci",
            "event_rule/karpenter-ci-instance-state-change",
            "event_rule/karpenter-ci-rebalance",
            "event_rule/karpenter-ci-scheduled-change",
            "event_rule/karpenter-ci-spot-interruption",
            "iam_role/KarpenterController-ci",
            "inline_policy/KarpenterController-ci/karpenter-controller",
            "kube_object/ci/ConfigMap/kube-system/aws-auth",
            "oidc_provider/ci",
            "sqs_queue/karpenter-ci",
        ]
    );
}

#[test]
fn karpenter_may_pass_only_the_node_role_and_describe_only_its_cluster() {
    let desired = expand(&minimal(), &known(), &BTreeMap::new());
    let document = &spec(
        &desired,
        "inline_policy/KarpenterController-ci/karpenter-controller",
    )["document"];
    let statements = document["Statement"].as_array().unwrap();
    let with_action = |action: &str| {
        statements
            .iter()
            .filter(|s| s["Action"] == json!(action))
            .collect::<Vec<_>>()
    };

    let pass = with_action("iam:PassRole");
    assert_eq!(pass.len(), 1);
    assert_eq!(
        pass[0]["Resource"],
        json!(format!("arn:aws:iam::{ACCOUNT}:role/KarpenterNodeRole-ci"))
    );
    assert!(pass[0]["Condition"]["StringEquals"]["iam:PassedToService"].is_array());
    let describe = with_action("eks:DescribeCluster");
    assert_eq!(
        describe[0]["Resource"],
        json!(format!("arn:aws:eks:eu-west-1:{ACCOUNT}:cluster/ci"))
    );
    for statement in statements {
        assert_ne!(statement["Action"], json!("*"), "{statement}");
        let actions = match &statement["Action"] {
            Json::Array(actions) => actions.clone(),
            action => vec![action.clone()],
        };
        if statement["Resource"] == json!("*") {
            // Only reads may name every resource, and EC2's only in the region.
            for action in actions.iter().filter_map(Json::as_str) {
                let read = action.starts_with("ec2:Describe") || action == "pricing:GetProducts";
                assert!(read, "{action} on every resource");
                if action.starts_with("ec2:") {
                    assert_eq!(
                        statement["Condition"]["StringEquals"]["aws:RequestedRegion"],
                        "eu-west-1"
                    );
                }
            }
        }
        let mutates = actions.iter().filter_map(Json::as_str).any(|a| {
            [
                "ec2:RunInstances",
                "ec2:TerminateInstances",
                "ec2:CreateTags",
                "ec2:DeleteLaunchTemplate",
            ]
            .contains(&a)
        });
        let shared_sources = statement["Sid"] == "LaunchFromSharedResources";
        if mutates && !shared_sources {
            let condition = statement["Condition"].to_string();
            assert!(
                condition.contains("kubernetes.io/cluster/ci"),
                "{statement}"
            );
        }
    }
}

#[test]
fn the_controller_role_trusts_only_karpenters_service_account() {
    let config = inputs(json!({
        "name": "ci",
        "subnet_ids": ["subnet-01234567", "subnet-89abcdef"],
        "karpenter": {"namespace": "karpenter", "service_account": "controller"},
    }));
    let desired = expand(&config, &known(), &BTreeMap::new());
    let trust = &spec(&desired, "iam_role/KarpenterController-ci")["assume_role_policy"];

    let host = ISSUER.trim_start_matches("https://");
    assert_eq!(
        trust["Statement"][0]["Condition"],
        json!({"StringEquals": {
            format!("{host}:sub"): "system:serviceaccount:karpenter:controller",
            format!("{host}:aud"): "sts.amazonaws.com",
        }})
    );
}

#[test]
fn nodes_join_through_aws_auth_or_an_access_entry_as_the_mode_allows() {
    for (mode, expected) in [
        ("CONFIG_MAP", true),
        ("API_AND_CONFIG_MAP", true),
        ("API", false),
    ] {
        let config = inputs(json!({
            "name": "ci",
            "subnet_ids": ["subnet-01234567", "subnet-89abcdef"],
            "authentication_mode": mode,
        }));
        let desired = expand(&config, &known(), &BTreeMap::new());
        let has = desired
            .iter()
            .any(|d| d.id.ends_with("/ConfigMap/kube-system/aws-auth"));
        assert_eq!(has, expected, "{mode}");
    }
}

#[test]
fn a_public_endpoint_without_cidrs_is_open_as_eks_reports_it() {
    let public = inputs(json!({
        "name": "ci",
        "subnet_ids": ["subnet-01234567", "subnet-89abcdef"],
        "endpoint_public_access": true,
    }));
    let private = minimal();

    let cidrs = |config: &ClusterInputs| {
        let desired = expand(config, &known(), &BTreeMap::new());
        spec(&desired, "eks_cluster/ci")["public_access_cidrs"].clone()
    };
    assert_eq!(cidrs(&public), json!(["0.0.0.0/0"]));
    assert_eq!(cidrs(&private), json!([]));
}

#[test]
fn every_aws_object_carries_the_ownership_tags_and_the_users_tags() {
    let config = inputs(json!({
        "name": "ci",
        "subnet_ids": ["subnet-01234567", "subnet-89abcdef"],
        "tags": {"team": "platform"},
    }));
    let defaults = BTreeMap::from([("cost-center".to_string(), "ci".to_string())]);
    let desired = expand(&config, &known(), &defaults);

    for d in desired.iter().filter(|d| d.spec.get("tags").is_some()) {
        let tags = &d.spec["tags"];
        assert_eq!(
            tags["ci-platform/managed-by"], "terraform-provider-ci",
            "{}",
            d.id
        );
        assert_eq!(tags["ci-platform/owner"], "ci", "{}", d.id);
        assert_eq!(tags["team"], "platform", "{}", d.id);
        assert_eq!(tags["cost-center"], "ci", "{}", d.id);
    }
}

#[test]
fn switching_a_job_policy_off_removes_only_its_object() {
    let config = inputs(json!({
        "name": "ci",
        "subnet_ids": ["subnet-01234567", "subnet-89abcdef"],
        "job_policies": {"gpu": false},
    }));
    let all = expand(&minimal(), &known(), &BTreeMap::new());
    let fewer = expand(&config, &known(), &BTreeMap::new());

    let ids = |desired: &[Desired]| desired.iter().map(|d| d.id.clone()).collect::<Vec<_>>();
    let gone: Vec<String> = ids(&all)
        .into_iter()
        .filter(|id| !ids(&fewer).contains(id))
        .collect();
    assert_eq!(gone, ["kube_object/ci/ClusterPolicy/_/ci-jobs-gpu"]);
}

#[test]
fn the_recorded_inputs_give_back_the_same_expansion() {
    let original = inputs(json!({
        "name": "ci",
        "subnet_ids": ["subnet-01234567", "subnet-89abcdef"],
        "node_class": {"name": "general", "ami_alias": "al2023@v20250505"},
        "job_policies": {"capacity_type_annotation": "example.com/capacity"},
    }));
    let ty = schema().block.value_type();

    let decoded = crate::value::json::decode(original.recorded.as_bytes(), &ty).unwrap();
    let again = ClusterInputs::from_value(&decoded).unwrap();

    assert_eq!(again, original);
}
