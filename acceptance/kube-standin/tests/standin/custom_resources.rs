//! Custom resources: registration from the real CRDs, schema validation,
//! pruning and defaulting.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DeleteParams, Patch, PatchParams, ValidationDirective};
use serde_json::json;

use crate::support::{
    api_status, apply_params, custom_resource, dynamic, node_classes, node_pools, start,
    start_without, valid_node_class, valid_node_pool,
};

#[tokio::test]
async fn a_valid_node_pool_is_accepted_and_read_back_with_schema_defaults() {
    let standin = start().await;
    let classes = node_classes(&standin.client);
    let class = dynamic(valid_node_class("default"));
    classes
        .patch("default", &apply_params(), &Patch::Apply(&class))
        .await
        .expect("node class accepted");

    let pools = node_pools(&standin.client);
    let pool = dynamic(valid_node_pool("team-a"));
    let stored = pools
        .patch("team-a", &apply_params(), &Patch::Apply(&pool))
        .await;
    let stored = stored.expect("node pool accepted");
    assert_eq!(stored.metadata.generation, Some(1));
    assert!(
        stored.metadata.namespace.is_none(),
        "node pools are cluster-scoped"
    );

    let disruption = &stored.data["spec"]["disruption"];
    assert_eq!(disruption["consolidationPolicy"], "WhenEmpty");
    assert_eq!(
        disruption["budgets"],
        json!([{"nodes": "10%"}]),
        "defaulted by the schema"
    );
    assert_eq!(
        stored.data["spec"]["template"]["spec"]["expireAfter"],
        "720h"
    );

    let read = pools.get("team-a").await.expect("get succeeds");
    assert_eq!(
        read.data["spec"]["limits"],
        json!({"cpu": "1000", "memory": "1000Gi"})
    );
    pools
        .delete("team-a", &DeleteParams::default())
        .await
        .expect("delete succeeds");
    let status = api_status(pools.get("team-a").await);
    assert_eq!(
        status.message,
        "nodepools.karpenter.sh \"team-a\" not found"
    );
}

#[tokio::test]
async fn a_node_pool_with_an_unsupported_consolidation_policy_is_invalid_at_that_field() {
    let standin = start().await;
    let mut manifest = valid_node_pool("team-a");
    manifest["spec"]["disruption"]["consolidationPolicy"] = json!("Sometimes");
    let pools = node_pools(&standin.client);
    let status = api_status(
        pools
            .patch("team-a", &apply_params(), &Patch::Apply(&dynamic(manifest)))
            .await,
    );
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"));
    let expected = "NodePool.karpenter.sh \"team-a\" is invalid: spec.disruption.consolidationPolicy: \
                    Unsupported value: \"Sometimes\"";
    assert!(status.message.starts_with(expected), "{}", status.message);
    let causes = status.details.map(|d| d.causes).unwrap_or_default();
    assert_eq!(causes[0].field, "spec.disruption.consolidationPolicy");
    assert_eq!(
        api_status(pools.get("team-a").await).code,
        404,
        "nothing was stored"
    );
}

#[tokio::test]
async fn a_node_pool_breaking_several_rules_names_every_field() {
    let standin = start().await;
    let mut manifest = valid_node_pool("team-a");
    manifest["spec"]["template"]["spec"]["requirements"][0]["operator"] = json!("Maybe");
    manifest["spec"]["disruption"]["consolidateAfter"] = json!("soon");
    manifest["spec"]["weight"] = json!(0);
    let pools = node_pools(&standin.client);
    let status = api_status(
        pools
            .patch("team-a", &apply_params(), &Patch::Apply(&dynamic(manifest)))
            .await,
    );
    assert_eq!(status.code, 422);
    for expected in [
        "spec.template.spec.requirements[0].operator: Unsupported value: \"Maybe\"",
        "spec.disruption.consolidateAfter: Invalid value: \"soon\": spec.disruption.consolidateAfter \
         in body should match",
        "spec.weight: Invalid value: 0: spec.weight in body should be greater than or equal to 1",
    ] {
        assert!(
            status.message.contains(expected),
            "missing {expected:?} in {}",
            status.message
        );
    }
}

#[tokio::test]
async fn a_node_pool_without_its_template_is_missing_a_required_value() {
    let standin = start().await;
    let mut manifest = valid_node_pool("team-a");
    manifest["spec"]
        .as_object_mut()
        .map(|spec| spec.remove("template"));
    let pools = node_pools(&standin.client);
    let status = api_status(
        pools
            .patch("team-a", &apply_params(), &Patch::Apply(&dynamic(manifest)))
            .await,
    );
    assert!(
        status.message.contains("spec.template: Required value"),
        "{}",
        status.message
    );
}

#[tokio::test]
async fn unknown_fields_are_pruned_by_default_and_rejected_when_strict() {
    let standin = start().await;
    let pools = node_pools(&standin.client);
    let mut manifest = valid_node_pool("team-a");
    manifest["spec"]["colour"] = json!("blue");

    let path = "/apis/karpenter.sh/v1/nodepools/team-a?fieldManager=terraform-provider-ci";
    let request = http::Request::patch(path)
        .header(http::header::CONTENT_TYPE, "application/apply-patch+yaml")
        .body(kube::client::Body::from(
            serde_json::to_vec(&manifest).expect("serialisable"),
        ))
        .expect("a valid request");
    let response = standin
        .client
        .send(request)
        .await
        .expect("the apply is answered");
    assert_eq!(response.status(), 201);
    let warning = response
        .headers()
        .get(http::header::WARNING)
        .and_then(|w| w.to_str().ok());
    assert_eq!(warning, Some(r#"299 - "unknown field \"spec.colour\"""#));
    let stored = pools
        .get("team-a")
        .await
        .expect("unknown fields are dropped, not refused");
    assert!(stored.data["spec"].get("colour").is_none());

    let mut strict = apply_params();
    strict.field_validation = Some(ValidationDirective::Strict);
    let status = api_status(
        pools
            .patch("team-a", &strict, &Patch::Apply(&dynamic(manifest)))
            .await,
    );
    assert_eq!((status.code, status.reason.as_str()), (400, "BadRequest"));
    assert!(
        status.message.contains("unknown field \"spec.colour\""),
        "{}",
        status.message
    );
}

#[tokio::test]
async fn merge_and_json_patches_of_a_custom_resource_are_validated_too() {
    let standin = start().await;
    let pools = node_pools(&standin.client);
    let pool = dynamic(valid_node_pool("team-a"));
    pools
        .patch("team-a", &apply_params(), &Patch::Apply(&pool))
        .await
        .expect("node pool accepted");

    let merge = json!({"spec": {"disruption": {"consolidationPolicy": "Sometimes"}}});
    let status = api_status(
        pools
            .patch("team-a", &PatchParams::default(), &Patch::Merge(&merge))
            .await,
    );
    assert_eq!(status.code, 422);

    let operations: json_patch::Patch = serde_json::from_value(json!([
        {"op": "add", "path": "/spec/weight", "value": 50},
    ]))
    .expect("a valid JSON patch");
    let patched = pools
        .patch(
            "team-a",
            &PatchParams::default(),
            &Patch::Json::<()>(operations),
        )
        .await;
    let patched = patched.expect("a valid JSON patch succeeds");
    assert_eq!(patched.data["spec"]["weight"], 50);
    assert_eq!(patched.metadata.generation, Some(2));
}

#[tokio::test]
async fn kyverno_policies_are_served_cluster_wide_and_per_namespace() {
    let standin = start().await;
    let cluster_policies = crate::support::custom_api(
        &standin.client,
        "kyverno.io",
        "v1",
        "ClusterPolicy",
        "clusterpolicies",
    );
    let policy = dynamic(json!({
        "apiVersion": "kyverno.io/v1",
        "kind": "ClusterPolicy",
        "metadata": {"name": "spot-by-annotation"},
        "spec": {
            "rules": [{
                "name": "spot",
                "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                "mutate": {"patchStrategicMerge": {
                    "spec": {"nodeSelector": {"karpenter.sh/capacity-type": "spot"}},
                }},
            }],
        },
    }));
    let stored = cluster_policies
        .patch(
            "spot-by-annotation",
            &apply_params(),
            &Patch::Apply(&policy),
        )
        .await;
    let stored = stored.expect("cluster policy accepted");
    let mutate = &stored.data["spec"]["rules"][0]["mutate"]["patchStrategicMerge"];
    assert_eq!(
        mutate["spec"]["nodeSelector"]["karpenter.sh/capacity-type"], "spot",
        "preserved, not pruned"
    );

    let resource = custom_resource("kyverno.io", "v1", "Policy", "policies");
    let policies: Api<kube::api::DynamicObject> =
        Api::namespaced_with(standin.client.clone(), "default", &resource);
    let mut namespaced = dynamic(json!({
        "apiVersion": "kyverno.io/v1", "kind": "Policy", "metadata": {"name": "zone-spread"},
        "spec": {"rules": [{"name": "r", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                 "validate": {"message": "m", "pattern": {"metadata": {"name": "?*"}}}}]},
    }));
    namespaced.metadata.namespace = Some("default".to_owned());
    let stored = policies
        .patch("zone-spread", &apply_params(), &Patch::Apply(&namespaced))
        .await;
    assert_eq!(
        stored
            .expect("policy accepted")
            .metadata
            .namespace
            .as_deref(),
        Some("default")
    );
}

#[tokio::test]
async fn installed_crds_can_be_read_and_a_crd_left_out_is_not_found() {
    let standin = start_without(&["nodepools.karpenter.sh"]).await;
    let crds: Api<CustomResourceDefinition> = Api::all(standin.client.clone());

    let class = crds
        .get("ec2nodeclasses.karpenter.k8s.aws")
        .await
        .expect("installed CRD is found");
    let established = class.status.and_then(|s| s.conditions).unwrap_or_default();
    assert!(
        established
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True")
    );

    let status = api_status(crds.get("nodepools.karpenter.sh").await);
    assert_eq!((status.code, status.reason.as_str()), (404, "NotFound"));
    let pools = node_pools(&standin.client);
    assert_eq!(api_status(pools.get("team-a").await).code, 404);

    let names: Vec<String> = crds
        .list(&Default::default())
        .await
        .expect("list succeeds")
        .items
        .into_iter()
        .filter_map(|crd| crd.metadata.name)
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}
