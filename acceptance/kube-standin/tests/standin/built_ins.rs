//! Built-in kinds: config maps, deployments, namespaces and the errors a
//! real API server returns for them.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::json;

use crate::support::{MANAGER, api_status, apply_params, start};

fn config_map(name: &str, data: serde_json::Value) -> ConfigMap {
    serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"app": "runner"}},
        "data": data,
    }))
    .expect("a valid config map")
}

fn deployment(name: &str, replicas: i32) -> Deployment {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "runner", "image": "gitlab/gitlab-runner:v17.0.0"}]},
            },
        },
    }))
    .expect("a valid deployment")
}

#[tokio::test]
async fn a_config_map_can_be_created_read_listed_applied_and_deleted() {
    let standin = start().await;
    let api: Api<ConfigMap> = Api::namespaced(standin.client.clone(), "default");

    let created = api
        .create(
            &PostParams::default(),
            &config_map("runner", json!({"a": "1"})),
        )
        .await;
    let created = created.expect("create succeeds");
    let metadata = &created.metadata;
    assert!(metadata.uid.is_some() && metadata.creation_timestamp.is_some());
    assert!(metadata.resource_version.is_some());

    let read = api.get("runner").await.expect("get succeeds");
    assert_eq!(read.data, created.data);

    let listed = api
        .list(&ListParams::default().labels("app=runner"))
        .await
        .expect("list succeeds");
    assert_eq!(listed.items.len(), 1);
    let none = api
        .list(&ListParams::default().labels("app=other"))
        .await
        .expect("list succeeds");
    assert!(none.items.is_empty());

    let applied = config_map("runner", json!({"a": "1", "b": "2"}));
    let applied = api
        .patch("runner", &apply_params(), &Patch::Apply(&applied))
        .await;
    let applied = applied.expect("apply succeeds");
    assert_eq!(applied.data.as_ref().map(|d| d.len()), Some(2));
    let managers: Vec<String> = applied
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .filter_map(|e| e.manager.clone())
        .collect();
    assert!(
        managers.contains(&MANAGER.to_owned()),
        "managers: {managers:?}"
    );

    api.delete("runner", &DeleteParams::default())
        .await
        .expect("delete succeeds");
    let status = api_status(api.get("runner").await);
    assert_eq!((status.code, status.reason.as_str()), (404, "NotFound"));
    assert_eq!(status.message, "configmaps \"runner\" not found");
}

#[tokio::test]
async fn applying_a_deployment_creates_it_and_bumps_generation_only_on_spec_changes() {
    let standin = start().await;
    let api: Api<Deployment> = Api::namespaced(standin.client.clone(), "default");

    let first = api
        .patch(
            "runner",
            &apply_params(),
            &Patch::Apply(&deployment("runner", 1)),
        )
        .await;
    let first = first.expect("apply creates the deployment");
    assert_eq!(first.metadata.generation, Some(1));

    let again = api
        .patch(
            "runner",
            &apply_params(),
            &Patch::Apply(&deployment("runner", 1)),
        )
        .await;
    let again = again.expect("the same apply succeeds");
    assert_eq!(
        again.metadata.resource_version,
        first.metadata.resource_version
    );

    let scaled = api
        .patch(
            "runner",
            &apply_params(),
            &Patch::Apply(&deployment("runner", 3)),
        )
        .await;
    let scaled = scaled.expect("a changed apply succeeds");
    assert_eq!(scaled.metadata.generation, Some(2));
    assert_eq!(scaled.spec.and_then(|s| s.replicas), Some(3));

    let labelled = json!({"metadata": {"labels": {"team": "a"}}});
    let labelled = api
        .patch("runner", &PatchParams::default(), &Patch::Merge(&labelled))
        .await;
    assert_eq!(
        labelled.expect("merge patch succeeds").metadata.generation,
        Some(2)
    );

    let ready = json!({"status": {"availableReplicas": 3, "replicas": 3}});
    let ready = api
        .patch_status("runner", &PatchParams::default(), &Patch::Merge(&ready))
        .await;
    let ready = ready.expect("a status patch succeeds");
    assert_eq!(ready.status.and_then(|s| s.available_replicas), Some(3));
    assert_eq!(
        ready.metadata.generation,
        Some(2),
        "status writes leave generation alone"
    );
    let ignored = json!({"spec": {"replicas": 9}, "status": {"availableReplicas": 0}});
    let ignored = api
        .patch("runner", &PatchParams::default(), &Patch::Merge(&ignored))
        .await;
    let ignored = ignored.expect("a main-resource patch succeeds");
    assert_eq!(
        ignored.status.and_then(|s| s.available_replicas),
        Some(3),
        "status kept"
    );

    api.delete("runner", &DeleteParams::default())
        .await
        .expect("delete succeeds");
    assert_eq!(api_status(api.get("runner").await).code, 404);
}

#[tokio::test]
async fn a_field_owned_by_another_manager_conflicts_unless_the_apply_is_forced() {
    let standin = start().await;
    let api: Api<ConfigMap> = Api::namespaced(standin.client.clone(), "default");
    let mine = config_map("shared", json!({"key": "ours"}));
    api.patch("shared", &apply_params(), &Patch::Apply(&mine))
        .await
        .expect("first apply succeeds");

    let theirs = config_map("shared", json!({"key": "theirs"}));
    let polite = PatchParams::apply("kubectl");
    let status = api_status(api.patch("shared", &polite, &Patch::Apply(&theirs)).await);
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
    assert!(status.message.contains(".data.key"), "{}", status.message);

    let forced = PatchParams::apply("kubectl").force();
    let taken = api
        .patch("shared", &forced, &Patch::Apply(&theirs))
        .await
        .expect("forced apply succeeds");
    assert_eq!(
        taken.data.and_then(|d| d.get("key").cloned()).as_deref(),
        Some("theirs")
    );
}

#[tokio::test]
async fn create_replace_and_patch_report_the_errors_a_real_server_reports() {
    let standin = start().await;
    let api: Api<ConfigMap> = Api::namespaced(standin.client.clone(), "default");
    let created = api
        .create(&PostParams::default(), &config_map("c", json!({"a": "1"})))
        .await;
    let created = created.expect("create succeeds");

    let again = api_status(
        api.create(&PostParams::default(), &config_map("c", json!({})))
            .await,
    );
    assert_eq!((again.code, again.reason.as_str()), (409, "AlreadyExists"));

    let mut current = created.clone();
    current.data = Some([("a".to_owned(), "2".to_owned())].into());
    api.replace("c", &PostParams::default(), &current)
        .await
        .expect("a current replace succeeds");
    let stale = api_status(api.replace("c", &PostParams::default(), &created).await);
    let conflict = stale;
    assert_eq!((conflict.code, conflict.reason.as_str()), (409, "Conflict"));

    let strategic = Patch::Strategic(json!({"data": {"a": "3"}}));
    let unsupported = api_status(api.patch("c", &PatchParams::default(), &strategic).await);
    assert_eq!(
        (unsupported.code, unsupported.reason.as_str()),
        (415, "UnsupportedMediaType")
    );

    let bad_name = config_map("Not_A_Name", json!({}));
    let invalid = api_status(api.create(&PostParams::default(), &bad_name).await);
    assert_eq!((invalid.code, invalid.reason.as_str()), (422, "Invalid"));
    assert!(
        invalid
            .message
            .contains("metadata.name: Invalid value: \"Not_A_Name\"")
    );

    let missing = api_status(
        api.patch("nope", &PatchParams::default(), &Patch::Merge(json!({})))
            .await,
    );
    assert_eq!(missing.code, 404);
    let gone = api_status(api.delete("nope", &DeleteParams::default()).await);
    assert_eq!((gone.code, gone.reason.as_str()), (404, "NotFound"));
}

#[tokio::test]
async fn objects_in_a_missing_namespace_are_refused_and_deleting_a_namespace_empties_it() {
    let standin = start().await;
    let client = standin.client.clone();
    let in_team: Api<ConfigMap> = Api::namespaced(client.clone(), "team-a");
    let orphan = api_status(
        in_team
            .create(&PostParams::default(), &config_map("c", json!({})))
            .await,
    );
    assert_eq!(orphan.code, 404);
    assert_eq!(orphan.message, "namespaces \"team-a\" not found");

    let namespaces: Api<Namespace> = Api::all(client.clone());
    let namespace: Namespace =
        serde_json::from_value(json!({"metadata": {"name": "team-a"}})).expect("valid");
    let created = namespaces
        .create(&PostParams::default(), &namespace)
        .await
        .expect("namespace created");
    assert_eq!(
        created.status.and_then(|s| s.phase).as_deref(),
        Some("Active")
    );
    in_team
        .create(&PostParams::default(), &config_map("c", json!({})))
        .await
        .expect("create succeeds");

    namespaces
        .delete("team-a", &DeleteParams::default())
        .await
        .expect("namespace deleted");
    let system = api_status(namespaces.delete("default", &DeleteParams::default()).await);
    assert_eq!((system.code, system.reason.as_str()), (403, "Forbidden"));
    let all: Api<ConfigMap> = Api::all(client);
    let left = all
        .list(&ListParams::default())
        .await
        .expect("list succeeds");
    assert!(left.items.is_empty(), "left behind: {:?}", left.items);
}

#[tokio::test]
async fn a_secret_written_with_string_data_is_stored_base64_encoded() {
    let standin = start().await;
    let api: Api<Secret> = Api::namespaced(standin.client.clone(), "default");
    let secret: Secret = serde_json::from_value(json!({
        "metadata": {"name": "runner-token"},
        "stringData": {"token": "glrt-secret"},
    }))
    .expect("a valid secret");
    let created = api
        .create(&PostParams::default(), &secret)
        .await
        .expect("create succeeds");
    let token = created
        .data
        .and_then(|d| d.get("token").cloned())
        .expect("token stored in data");
    assert_eq!(token.0, b"glrt-secret");
    assert!(created.string_data.is_none());
    assert_eq!(created.type_.as_deref(), Some("Opaque"));
}
