//! Golden tests of the cluster's Kubernetes manifests: the `EC2NodeClass`,
//! the job policies and the `aws-auth` ConfigMap, for the defaults, each
//! job policy switched off, and changed annotation keys.
//!
//! Each *case* has a golden file in `golden/` holding its input and the
//! manifests rendered from it. After an intended change, rewrite them with
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test --lib resources::cluster::golden
//! ```
//!
//! and review the diff like any other change.
//!
//! Beyond the files: every node class and policy goes through the upstream
//! CRD as an API server would take it (prune, default, validate), and
//! [`admission`] runs the policies against the job pods a real runner pool
//! would get.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{Value as Json, json};

use super::job_policies::{
    self, DO_NOT_DISRUPT_POLICY, GPU_POLICY, JobPolicies, PINNED_POLICY, SPOT_POLICY,
    ZONE_SPREAD_POLICY,
};
use super::node_access;
use super::node_class::{self, NodeClass};
use crate::kinds::{MANAGED_BY, MANAGED_BY_VALUE, OWNER};

mod admission;

const OWNER_ID: &str = "central";
const NODE_ROLE_ARN: &str = "arn:aws:iam::111122223333:role/KarpenterNodeRole-central";

// ---- cases and golden files ----

/// One golden file: a name, an input, and how manifests follow from it.
struct Case {
    file: String,
    input: Json,
    render: fn(&Json) -> Json,
}

fn node_class_input() -> Json {
    json!({
        "owner": OWNER_ID,
        "cluster_name": "central",
        "name": "default",
        "node_role_name": "KarpenterNodeRole-central",
        "ami_alias": "al2023@latest",
        "volume_size": "100Gi",
        "volume_type": "gp3",
        "discovery_tag": "karpenter.sh/discovery",
        "tags": {},
    })
}

fn render_node_class(input: &Json) -> Json {
    let text = |key: &str| input[key].as_str().expect(key);
    let tags: BTreeMap<String, String> = serde_json::from_value(input["tags"].clone()).unwrap();
    node_class::manifest(&NodeClass {
        owner: text("owner"),
        cluster_name: text("cluster_name"),
        name: text("name"),
        node_role_name: text("node_role_name"),
        ami_alias: text("ami_alias"),
        volume_size: text("volume_size"),
        volume_type: text("volume_type"),
        discovery_tag: text("discovery_tag"),
        tags: &tags,
    })
}

fn policies_input(policies: &JobPolicies) -> Json {
    json!({
        "spot_by_annotation": policies.spot_by_annotation,
        "zone_spread": policies.zone_spread,
        "do_not_disrupt": policies.do_not_disrupt,
        "gpu": policies.gpu,
        "pinned_instance_type": policies.pinned_instance_type,
        "capacity_type_annotation": policies.capacity_type_annotation,
        "gpu_annotation": policies.gpu_annotation,
        "instance_type_annotation": policies.instance_type_annotation,
    })
}

fn policies_from(input: &Json) -> JobPolicies {
    let flag = |key: &str| input[key].as_bool().expect(key);
    let text = |key: &str| input[key].as_str().expect(key).to_string();
    JobPolicies {
        spot_by_annotation: flag("spot_by_annotation"),
        zone_spread: flag("zone_spread"),
        do_not_disrupt: flag("do_not_disrupt"),
        gpu: flag("gpu"),
        pinned_instance_type: flag("pinned_instance_type"),
        capacity_type_annotation: text("capacity_type_annotation"),
        gpu_annotation: text("gpu_annotation"),
        instance_type_annotation: text("instance_type_annotation"),
    }
}

fn render_policies(input: &Json) -> Json {
    Json::Array(job_policies::manifests(OWNER_ID, &policies_from(input)))
}

fn render_aws_auth(input: &Json) -> Json {
    let text = |key: &str| input[key].as_str().expect(key);
    node_access::aws_auth(text("owner"), text("node_role_arn"))
}

/// A switch of [`JobPolicies`], the policy it controls, and where it is.
type Switch = (
    &'static str,
    &'static str,
    fn(&mut JobPolicies) -> &mut bool,
);

fn switches() -> [Switch; 5] {
    [
        ("spot_by_annotation", SPOT_POLICY, |p| {
            &mut p.spot_by_annotation
        }),
        ("zone_spread", ZONE_SPREAD_POLICY, |p| &mut p.zone_spread),
        ("do_not_disrupt", DO_NOT_DISRUPT_POLICY, |p| {
            &mut p.do_not_disrupt
        }),
        ("gpu", GPU_POLICY, |p| &mut p.gpu),
        ("pinned_instance_type", PINNED_POLICY, |p| {
            &mut p.pinned_instance_type
        }),
    ]
}

fn custom_annotations() -> JobPolicies {
    JobPolicies {
        capacity_type_annotation: "example.com/capacity".into(),
        gpu_annotation: "example.com/accelerator".into(),
        instance_type_annotation: "example.com/machine".into(),
        ..JobPolicies::default()
    }
}

fn cases() -> Vec<Case> {
    let node_class = |file: &str, changes: Json| {
        let mut input = node_class_input();
        for (key, value) in changes.as_object().unwrap() {
            input[key] = value.clone();
        }
        let file = file.to_string();
        Case {
            file,
            input,
            render: render_node_class,
        }
    };
    let policies = |file: &str, policies: &JobPolicies| Case {
        file: file.to_string(),
        input: policies_input(policies),
        render: render_policies,
    };
    let mut cases = vec![
        node_class("node_class_default", json!({})),
        node_class(
            "node_class_tagged",
            json!({"name": "ci", "discovery_tag": "ci.example.com/discovery",
                   "tags": {"cost-center": "ci-platform", "team": "platform"}}),
        ),
        node_class(
            "node_class_bottlerocket",
            json!({"ami_alias": "bottlerocket@1.30.0", "volume_size": "200Gi"}),
        ),
        policies("job_policies_default", &JobPolicies::default()),
        policies("job_policies_custom_annotations", &custom_annotations()),
        Case {
            file: "aws_auth".to_string(),
            input: json!({"owner": OWNER_ID, "node_role_arn": NODE_ROLE_ARN}),
            render: render_aws_auth,
        },
    ];
    for (field, _, switch) in switches() {
        let mut off = JobPolicies::default();
        *switch(&mut off) = false;
        cases.push(policies(&format!("job_policies_without_{field}"), &off));
    }
    cases
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/resources/cluster/golden")
}

fn golden_text(case: &Case) -> String {
    let content = json!({ "input": case.input, "manifests": (case.render)(&case.input) });
    serde_json::to_string_pretty(&content).unwrap() + "\n"
}

#[test]
fn golden_files_hold_what_is_rendered() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut stale = Vec::new();
    for case in cases() {
        let path = golden_dir().join(format!("{}.json", case.file));
        let rendered = golden_text(&case);
        if update {
            std::fs::write(&path, &rendered).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(rendered.as_str()) {
            stale.push(case.file);
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} differ from what is rendered; if the change is intended, rerun with \
         UPDATE_GOLDEN=1 and review the diff"
    );
}

#[test]
fn every_golden_file_has_a_case() {
    let files: Vec<String> = cases().iter().map(|c| format!("{}.json", c.file)).collect();
    for entry in std::fs::read_dir(golden_dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let golden = name.ends_with(".json");
        assert!(
            !golden || files.contains(&name),
            "{name} is left over from a removed case"
        );
    }
}

// ---- the upstream CRDs ----

/// A file of the project's `shared/` folder: `$CI_SHARED_DIR` when set (as
/// the harness honours it), else the folder beside the repository.
fn shared(path: &str) -> PathBuf {
    let dir = std::env::var_os("CI_SHARED_DIR").map(PathBuf::from);
    let dir = dir.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    dir.join(path)
}

/// The v1 `openAPIV3Schema` of the CRD in `file`.
fn crd_schema(file: &str) -> kube_standin::schema::Schema {
    let path = shared(&format!("crds/{file}"));
    let text = std::fs::read_to_string(&path).expect("the CRD in ../shared/crds");
    let documents = kube_standin::yaml::documents(&text).unwrap();
    let crd = documents.first().expect("one CRD");
    let versions = crd["spec"]["versions"].as_array().unwrap();
    let version = versions.iter().find(|v| v["name"] == "v1").expect("v1");
    kube_standin::schema::Schema::compile(&version["schema"]["openAPIV3Schema"])
}

fn node_class_schema() -> &'static kube_standin::schema::Schema {
    static SCHEMA: OnceLock<kube_standin::schema::Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| crd_schema("karpenter.k8s.aws_ec2nodeclasses.yaml"))
}

fn cluster_policy_schema() -> &'static kube_standin::schema::Schema {
    static SCHEMA: OnceLock<kube_standin::schema::Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| crd_schema("kyverno.io_clusterpolicies.yaml"))
}

/// What an API server would object to in `manifest`: fields it would
/// prune, then schema violations once defaults are in. Also returns the
/// object as stored.
fn admit_custom(manifest: &Json, schema: &kube_standin::schema::Schema) -> (Vec<String>, Json) {
    let mut stored = manifest.clone();
    let pruned = kube_standin::prune::prune_object(&mut stored, schema);
    let mut problems: Vec<String> = pruned.iter().map(|p| format!("{p}: pruned")).collect();
    kube_standin::defaults::default_object(&mut stored, schema);
    let errors = kube_standin::validate::validate_object(&stored, schema);
    problems.extend(errors.iter().map(ToString::to_string));
    (problems, stored)
}

/// Whether `observed` has every field of `sent` with the same value, as the
/// drift check projects an observed object onto what we send.
fn projects_onto(sent: &Json, observed: &Json) -> bool {
    match (sent, observed) {
        (Json::Object(fields), Json::Object(seen)) => fields
            .iter()
            .all(|(k, v)| seen.get(k).is_some_and(|o| projects_onto(v, o))),
        (Json::Array(items), Json::Array(seen)) => {
            items.len() == seen.len() && items.iter().zip(seen).all(|(a, b)| projects_onto(a, b))
        }
        _ => sent == observed,
    }
}

fn rendered_of_kind(kind: &str) -> Vec<Json> {
    let all = cases().into_iter().map(|case| (case.render)(&case.input));
    let manifests = all.flat_map(|m| match m {
        Json::Array(items) => items,
        one => vec![one],
    });
    manifests.filter(|m| m["kind"] == kind).collect()
}

fn assert_accepted_unchanged(kind: &str, schema: &kube_standin::schema::Schema) {
    let manifests = rendered_of_kind(kind);
    assert!(!manifests.is_empty());
    for manifest in manifests {
        let (problems, stored) = admit_custom(&manifest, schema);
        let name = &manifest["metadata"]["name"];
        assert!(problems.is_empty(), "{name}: {problems:?}");
        assert!(
            projects_onto(&manifest, &stored),
            "{name}: defaults change a field we send"
        );
    }
}

#[test]
fn every_node_class_is_accepted_by_the_upstream_crd_as_sent() {
    assert_accepted_unchanged("EC2NodeClass", node_class_schema());
}

#[test]
fn every_cluster_policy_is_accepted_by_the_upstream_crd_as_sent() {
    assert_accepted_unchanged("ClusterPolicy", cluster_policy_schema());
}

#[test]
fn the_crd_checks_reject_broken_manifests() {
    let mut node_class = render_node_class(&node_class_input());
    node_class["spec"]["blockDeviceMappings"][0]["ebs"]["volumeType"] = json!("gp9");
    assert!(!admit_custom(&node_class, node_class_schema()).0.is_empty());

    let mut misspelt = render_node_class(&node_class_input());
    misspelt["spec"]["amiSelectorTerm"] = misspelt["spec"]["amiSelectorTerms"].take();
    assert!(!admit_custom(&misspelt, node_class_schema()).0.is_empty());

    let mut policy = job_policies::manifests(OWNER_ID, &JobPolicies::default()).remove(0);
    policy["spec"]["rules"][0]["match"]["any"][0]["resources"]["operations"] = json!(["PATCH"]);
    assert!(!admit_custom(&policy, cluster_policy_schema()).0.is_empty());
}

// ---- content ----

fn default_policies() -> Vec<Json> {
    job_policies::manifests(OWNER_ID, &JobPolicies::default())
}

fn names(policies: &[Json]) -> Vec<&str> {
    policies
        .iter()
        .filter_map(|p| p["metadata"]["name"].as_str())
        .collect()
}

fn policy<'a>(policies: &'a [Json], name: &str) -> &'a Json {
    let found = policies.iter().find(|p| p["metadata"]["name"] == name);
    found.unwrap_or_else(|| panic!("no policy {name}"))
}

fn rule<'a>(policy: &'a Json, name: &str) -> &'a Json {
    let rules = policy["spec"]["rules"].as_array().unwrap();
    let found = rules.iter().find(|r| r["name"] == name);
    found.unwrap_or_else(|| panic!("no rule {name}"))
}

fn json_patch_of(rule: &Json) -> Vec<Json> {
    let text = rule["mutate"]["patchesJson6902"]
        .as_str()
        .expect("a JSON patch");
    serde_json::from_str(text).unwrap()
}

#[test]
fn policies_have_stable_names_in_order() {
    assert_eq!(
        names(&default_policies()),
        [
            "ci-jobs-do-not-disrupt",
            "ci-jobs-gpu",
            "ci-jobs-pinned-instance-type",
            "ci-jobs-spot-by-annotation",
            "ci-jobs-zone-spread",
        ]
    );
}

#[test]
fn the_spot_policy_selects_on_karpenter_sh_capacity_type() {
    let policies = default_policies();
    let spot = policy(&policies, SPOT_POLICY);
    let patch = json_patch_of(rule(spot, "spot"));
    let selector = patch.iter().find(|op| {
        let path = op["path"].as_str().unwrap();
        path.starts_with("/spec/nodeSelector/")
    });
    let selector = selector.expect("a node selector");
    assert_eq!(
        selector["path"],
        "/spec/nodeSelector/karpenter.sh~1capacity-type"
    );
    assert_eq!(selector["value"], "spot");
    let on_demand = &rule(spot, "on-demand")["mutate"]["patchStrategicMerge"];
    assert_eq!(
        on_demand["spec"]["nodeSelector"],
        json!({"karpenter.sh/capacity-type": "on-demand"})
    );
}

#[test]
fn zone_spread_skews_by_one_and_schedules_anyway_over_job_pods() {
    let policies = default_policies();
    let spread = policy(&policies, ZONE_SPREAD_POLICY);
    let patch = &rule(spread, "zone-spread")["mutate"]["patchStrategicMerge"];
    let constraint = &patch["spec"]["topologySpreadConstraints"][0];
    assert_eq!(constraint["maxSkew"], 1);
    assert_eq!(constraint["whenUnsatisfiable"], "ScheduleAnyway");
    assert_eq!(constraint["topologyKey"], "topology.kubernetes.io/zone");
    assert_eq!(
        constraint["labelSelector"]["matchLabels"], patch["metadata"]["labels"],
        "the selector matches the label the rule puts on job pods"
    );
}

#[test]
fn switching_a_policy_off_removes_exactly_that_policy() {
    let all = default_policies();
    for (field, name, switch) in switches() {
        let mut policies = JobPolicies::default();
        *switch(&mut policies) = false;
        let left = job_policies::manifests(OWNER_ID, &policies);
        let expected: Vec<&Json> = all
            .iter()
            .filter(|p| p["metadata"]["name"] != name)
            .collect();
        assert_eq!(left.iter().collect::<Vec<_>>(), expected, "{field}");
    }
}

#[test]
fn a_changed_annotation_key_replaces_the_old_one() {
    let changed = [
        (
            SPOT_POLICY,
            super::DEFAULT_CAPACITY_TYPE_ANNOTATION,
            "example.com/capacity",
        ),
        (
            GPU_POLICY,
            super::DEFAULT_GPU_ANNOTATION,
            "example.com/accelerator",
        ),
        (
            PINNED_POLICY,
            super::DEFAULT_INSTANCE_TYPE_ANNOTATION,
            "example.com/machine",
        ),
    ];
    let custom = job_policies::manifests(OWNER_ID, &custom_annotations());
    for (name, old, new) in changed {
        let text = policy(&custom, name).to_string();
        assert!(text.contains(new), "{name} lacks {new}");
        assert!(!text.contains(old), "{name} still has {old}");
    }
    let all_text = Json::Array(custom).to_string();
    assert!(
        !all_text.contains("k8s.gitlab.runner/"),
        "no default key left anywhere"
    );
}

#[test]
fn every_policy_mutates_job_pods_at_creation_only() {
    for policy in default_policies() {
        let spec = &policy["spec"];
        assert_eq!(spec["background"], false);
        assert_eq!(spec["webhookConfiguration"]["failurePolicy"], "Ignore");
        for rule in spec["rules"].as_array().unwrap() {
            let resources = &rule["match"]["any"][0]["resources"];
            assert_eq!(resources["kinds"], json!(["Pod"]));
            assert_eq!(resources["operations"], json!(["CREATE"]));
            let pool_key = &resources["namespaceSelector"]["matchExpressions"][0]["key"];
            assert_eq!(pool_key, job_policies::POOL_LABEL);
            assert!(
                rule["preconditions"]["all"][0]["key"]
                    .as_str()
                    .unwrap()
                    .contains(job_policies::POOL_LABEL)
            );
        }
    }
}

#[test]
fn every_manifest_carries_the_ownership_marks_and_no_empty_fields() {
    for case in cases() {
        let rendered = (case.render)(&case.input);
        let manifests = match rendered {
            Json::Array(items) => items,
            one => vec![one],
        };
        for manifest in manifests {
            let metadata = &manifest["metadata"];
            let name = format!("{}: {}", case.file, metadata["name"]);
            assert_eq!(metadata["labels"][MANAGED_BY], MANAGED_BY_VALUE, "{name}");
            assert_eq!(metadata["annotations"][OWNER], OWNER_ID, "{name}");
            let namespaced = manifest["kind"] == "ConfigMap";
            assert_eq!(metadata.get("namespace").is_some(), namespaced, "{name}");
            assert!(
                is_minimal(&manifest),
                "{name}: a null or an empty map or list"
            );
        }
    }
}

/// Whether `value` is free of nulls and of empty objects and arrays, which
/// server-side apply would record as fields we own.
fn is_minimal(value: &Json) -> bool {
    match value {
        Json::Null => false,
        Json::Object(map) => !map.is_empty() && map.values().all(is_minimal),
        Json::Array(items) => !items.is_empty() && items.iter().all(is_minimal),
        _ => true,
    }
}

#[test]
fn the_node_class_selects_by_discovery_tag_and_locks_down_instances() {
    let spec = &render_node_class(&node_class_input())["spec"];
    let discovery = json!([{"tags": {"karpenter.sh/discovery": "central"}}]);
    assert_eq!(spec["subnetSelectorTerms"], discovery);
    assert_eq!(spec["securityGroupSelectorTerms"], discovery);
    assert_eq!(
        spec["amiSelectorTerms"],
        json!([{"alias": "al2023@latest"}])
    );
    assert_eq!(spec["role"], "KarpenterNodeRole-central");
    let root = &spec["blockDeviceMappings"][0];
    assert_eq!(root["deviceName"], "/dev/xvda");
    assert_eq!(root["ebs"]["encrypted"], true);
    assert_eq!(root["ebs"]["deleteOnTermination"], true);
    assert_eq!(spec["metadataOptions"]["httpTokens"], "required");
    assert_eq!(spec["metadataOptions"]["httpPutResponseHopLimit"], 1);
    assert!(spec.get("tags").is_none(), "no tags, no field");
}

#[test]
fn bottlerocket_keeps_its_os_volume_and_gets_the_size_on_its_data_volume() {
    let mut input = node_class_input();
    input["ami_alias"] = json!("bottlerocket@latest");
    let devices = render_node_class(&input)["spec"]["blockDeviceMappings"].clone();
    assert_eq!(devices[0]["deviceName"], "/dev/xvda");
    assert_eq!(devices[1]["deviceName"], "/dev/xvdb");
    assert_eq!(devices[1]["ebs"]["volumeSize"], "100Gi");
}

#[test]
fn aws_auth_maps_the_node_role_to_nodes() {
    let config_map = node_access::aws_auth(OWNER_ID, NODE_ROLE_ARN);
    assert_eq!(config_map["metadata"]["namespace"], "kube-system");
    assert_eq!(config_map["metadata"]["name"], "aws-auth");
    let text = config_map["data"]["mapRoles"].as_str().unwrap();
    let parsed = kube_standin::yaml::document(text.as_bytes()).expect("YAML");
    assert_eq!(
        parsed,
        json!([{
            "rolearn": NODE_ROLE_ARN,
            "username": "system:node:{{EC2PrivateDNSName}}",
            "groups": ["system:bootstrappers", "system:nodes"],
        }])
    );
    assert_eq!(node_access::aws_auth(OWNER_ID, NODE_ROLE_ARN), config_map);
}
