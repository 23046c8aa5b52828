//! Discovery documents and the request-count hook.

use kube::discovery::{Discovery, Scope};
use serde_json::Value;

use crate::support::start;

async fn get_json(client: &kube::Client, path: &str) -> Value {
    let request = http::Request::get(path)
        .body(Vec::new())
        .expect("a valid request");
    let text = client
        .request_text(request)
        .await
        .expect("the request succeeds");
    serde_json::from_str(&text).expect("a JSON body")
}

fn assert_scopes(discovery: &Discovery) {
    let kinds = [
        ("karpenter.sh", "NodePool", Scope::Cluster),
        ("kyverno.io", "Policy", Scope::Namespaced),
    ];
    for (group, kind, scope) in kinds {
        let group = discovery.get(group).expect("the group is discovered");
        let found = group
            .recommended_resources()
            .into_iter()
            .find(|(resource, _)| resource.kind == kind);
        let (_, capabilities) = found.expect("the kind is discovered");
        assert_eq!(capabilities.scope, scope, "{kind}");
    }
    let apps = discovery.get("apps").expect("apps is discovered");
    assert!(apps.recommended_kind("Deployment").is_some());
}

#[tokio::test]
async fn discovery_lists_built_in_and_custom_kinds_in_both_formats() {
    let standin = start().await;
    let legacy = Discovery::new(standin.client.clone())
        .run()
        .await
        .expect("legacy discovery");
    assert_scopes(&legacy);
    let aggregated = Discovery::new(standin.client.clone())
        .run_aggregated()
        .await
        .expect("aggregated");
    assert_scopes(&aggregated);
    let version = standin
        .client
        .apiserver_version()
        .await
        .expect("version is served");
    assert_eq!(version.major, "1");
}

#[tokio::test]
async fn request_counts_record_each_call_by_method_and_resource_and_reset() {
    let standin = start().await;
    let client = standin.client.clone();
    let configmaps: kube::Api<k8s_openapi::api::core::v1::ConfigMap> =
        kube::Api::default_namespaced(client.clone());
    let _ = configmaps
        .get_opt("absent")
        .await
        .expect("a missing object is not an error here");
    let _ = configmaps
        .get_opt("absent")
        .await
        .expect("a missing object is not an error here");
    let _ = client.apiserver_version().await.expect("version is served");

    let counts = get_json(&client, "/__standin/requests").await;
    assert_eq!(counts["counts"]["GET configmaps"], 2);
    assert_eq!(counts["counts"]["GET version"], 1);
    assert_eq!(counts["total"], 3, "hooks are not counted: {counts}");

    let request = http::Request::post("/__standin/reset-counts")
        .body(Vec::new())
        .expect("a valid request");
    client.request_text(request).await.expect("reset succeeds");
    assert_eq!(get_json(&client, "/__standin/requests").await["total"], 0);
}
