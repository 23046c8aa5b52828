//! The provider binary started as Terraform starts it, called over mutual
//! TLS through a real gRPC client, one RPC at a time.

mod support;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use support::{ClientIdentity, connect, launch, provider_client};
use terraform_provider_ci::proto::plugin::grpc_controller_client::GrpcControllerClient;
use terraform_provider_ci::proto::tfplugin6 as pb;
use terraform_provider_ci::schema::{Block, Nesting};
use terraform_provider_ci::value::{Value, msgpack};

/// An object for `block` with every attribute null and no nested blocks.
fn empty_config(block: &Block) -> BTreeMap<String, Value> {
    let mut object: BTreeMap<String, Value> = block
        .attributes
        .iter()
        .map(|a| (a.name.clone(), Value::Null))
        .collect();
    for nested in &block.blocks {
        let empty = match nested.nesting {
            Nesting::Single => Value::Null,
            Nesting::Group => Value::Object(empty_config(&nested.block)),
            Nesting::List => Value::List(Vec::new()),
            Nesting::Set => Value::Set(Vec::new()),
            Nesting::Map => Value::Map(BTreeMap::new()),
        };
        object.insert(nested.name.clone(), empty);
    }
    object
}

fn dynamic(value: &Value, block: &Block) -> pb::DynamicValue {
    let bytes = msgpack::encode(value, &block.value_type()).expect("encodable");
    pb::DynamicValue {
        msgpack: bytes,
        json: Vec::new(),
    }
}

fn resource_block(type_name: &str) -> Block {
    let resources = terraform_provider_ci::resources::all();
    let resource = resources
        .iter()
        .find(|r| r.type_name() == type_name)
        .expect("resource");
    resource.schema().block
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn without_the_magic_cookie_the_binary_explains_itself_and_exits_1() {
    let output = Command::new(support::binary())
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .expect("binary runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("plugin for Terraform"), "stderr: {stderr}");
}

#[test]
fn handshake_announces_protocol_6_on_a_private_unix_socket() {
    use std::os::unix::fs::PermissionsExt;

    let client = ClientIdentity::like_terraform();
    let plugin = launch(Some(&client));
    let fields: Vec<&str> = plugin.handshake.trim_end().split('|').collect();
    assert_eq!(&fields[..3], ["1", "6", "unix"]);
    assert_eq!(fields[4], "grpc");
    assert!(
        !fields[5].contains('='),
        "certificate must be unpadded base64"
    );

    let dir = plugin.socket.parent().expect("socket directory");
    let mode = std::fs::metadata(dir)
        .expect("directory exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700, "socket directory must be private");
}

/// Whether the plugin refuses a client presenting `identity`: either the
/// TLS handshake fails or the first call does.
fn refuses(plugin: &support::Plugin, identity: Option<&ClientIdentity>) -> bool {
    runtime().block_on(async {
        match connect(plugin, identity).await {
            Err(_) => true,
            Ok(channel) => {
                let request = pb::get_metadata::Request {};
                provider_client(channel)
                    .get_metadata(request)
                    .await
                    .is_err()
            }
        }
    })
}

#[test]
fn a_client_with_another_certificate_is_refused() {
    let terraform = ClientIdentity::like_terraform();
    let stranger = ClientIdentity::like_terraform();
    let plugin = launch(Some(&terraform));
    assert!(
        refuses(&plugin, Some(&stranger)),
        "another certificate must not be served"
    );
    assert!(
        !refuses(&plugin, Some(&terraform)),
        "Terraform's own certificate is served"
    );
}

#[test]
fn a_client_without_a_certificate_is_refused() {
    let terraform = ClientIdentity::like_terraform();
    let plugin = launch(Some(&terraform));
    assert!(
        refuses(&plugin, None),
        "a client without a certificate must not be served"
    );
}

#[test]
fn shutdown_makes_the_process_exit_promptly() {
    let client = ClientIdentity::like_terraform();
    let mut plugin = launch(Some(&client));
    runtime().block_on(async {
        let channel = connect(&plugin, Some(&client)).await.expect("connects");
        let mut controller = GrpcControllerClient::new(channel);
        controller
            .shutdown(terraform_provider_ci::proto::plugin::Empty {})
            .await
            .expect("ok");
    });
    let status = wait_for_exit(&mut plugin, Duration::from_secs(2));
    assert!(status.success(), "clean exit, got {status}");
    assert!(!plugin.socket.exists(), "socket removed on exit");
}

#[test]
fn sigterm_makes_the_process_exit_and_remove_its_socket() {
    let client = ClientIdentity::like_terraform();
    let mut plugin = launch(Some(&client));
    let socket_dir = plugin.socket.parent().expect("a directory").to_path_buf();

    let sent = std::process::Command::new("kill")
        .args(["-TERM", &plugin.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());

    let status = wait_for_exit(&mut plugin, Duration::from_secs(2));
    assert!(status.success(), "clean exit, got {status}");
    assert!(!socket_dir.exists(), "socket directory removed on SIGTERM");
}

fn wait_for_exit(plugin: &mut support::Plugin, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = plugin.child.try_wait().expect("wait") {
            return status;
        }
        assert!(started.elapsed() < limit, "still running after {limit:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn every_rpc_answers_through_mutual_tls() {
    let client = ClientIdentity::like_terraform();
    let plugin = launch(Some(&client));
    runtime().block_on(async {
        let channel = connect(&plugin, Some(&client))
            .await
            .expect("mutual TLS connects");
        let mut provider = provider_client(channel.clone());

        health_reports_the_plugin_serving(channel).await;
        metadata_lists_the_four_resources(&mut provider).await;
        schema_describes_provider_and_resources(&mut provider).await;
        validation_points_at_the_bad_attribute(&mut provider).await;
        configure_accepts_an_empty_provider_block(&mut provider).await;
        plan_marks_computed_attributes_unknown(&mut provider).await;
        destroy_plans_are_null(&mut provider).await;
        upgrade_reads_current_json_state(&mut provider).await;
        unknown_types_get_diagnostics_not_crashes(&mut provider).await;
        functions_and_moves_answer_cleanly(&mut provider).await;
        unserved_rpcs_are_unimplemented(&mut provider).await;
        stop_provider_answers(&mut provider).await;
    });
}

async fn health_reports_the_plugin_serving(channel: tonic::transport::Channel) {
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus};

    let mut health = HealthClient::new(channel);
    let request = HealthCheckRequest {
        service: "plugin".into(),
    };
    let status = health
        .check(request)
        .await
        .expect("health answers")
        .into_inner()
        .status;
    assert_eq!(status, ServingStatus::Serving as i32);
}

type Client = pb::provider_client::ProviderClient<tonic::transport::Channel>;

async fn metadata_lists_the_four_resources(provider: &mut Client) {
    let metadata = provider
        .get_metadata(pb::get_metadata::Request {})
        .await
        .expect("ok");
    let metadata = metadata.into_inner();
    let names: Vec<_> = metadata
        .resources
        .iter()
        .map(|r| r.type_name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "ci_account_access",
            "ci_cluster",
            "ci_runner_pool",
            "ci_warm_pool"
        ]
    );
    let capabilities = metadata.server_capabilities.expect("capabilities");
    assert!(capabilities.plan_destroy && capabilities.get_provider_schema_optional);
}

async fn schema_describes_provider_and_resources(provider: &mut Client) {
    let request = pb::get_provider_schema::Request {};
    let schema = provider
        .get_provider_schema(request)
        .await
        .expect("ok")
        .into_inner();
    assert!(schema.diagnostics.is_empty());
    let provider_block = schema
        .provider
        .and_then(|s| s.block)
        .expect("provider block");
    assert!(provider_block.attributes.iter().any(|a| a.name == "region"));
    assert_eq!(schema.resource_schemas.len(), 4);
    for (name, resource) in &schema.resource_schemas {
        let block = resource.block.as_ref().expect("every schema has a block");
        assert!(!block.description.is_empty(), "{name} has a description");
        for attribute in &block.attributes {
            assert!(
                !attribute.description.is_empty(),
                "{name}.{} described",
                attribute.name
            );
            if attribute.nested_type.is_none() {
                let ty = serde_json::from_slice::<serde_json::Value>(&attribute.r#type);
                assert!(ty.is_ok(), "{name}.{} has a JSON type", attribute.name);
            }
        }
    }
}

async fn validation_points_at_the_bad_attribute(provider: &mut Client) {
    let block = resource_block("ci_account_access");
    let mut config = empty_config(&block);
    config.insert("account_id".into(), Value::String("12345".into()));
    let request = pb::validate_resource_config::Request {
        type_name: "ci_account_access".into(),
        config: Some(dynamic(&Value::Object(config), &block)),
        client_capabilities: None,
    };
    let response = provider
        .validate_resource_config(request)
        .await
        .expect("ok")
        .into_inner();
    let at_account = response.diagnostics.iter().find(|d| {
        let steps = d
            .attribute
            .as_ref()
            .map(|p| p.steps.as_slice())
            .unwrap_or_default();
        matches!(
            steps.first().and_then(|s| s.selector.as_ref()),
            Some(pb::attribute_path::step::Selector::AttributeName(name)) if name == "account_id"
        )
    });
    let diagnostic = at_account.expect("a diagnostic at account_id");
    assert_eq!(diagnostic.severity, pb::diagnostic::Severity::Error as i32);
}

async fn configure_accepts_an_empty_provider_block(provider: &mut Client) {
    let request = pb::get_provider_schema::Request {};
    let schema = provider
        .get_provider_schema(request)
        .await
        .expect("ok")
        .into_inner();
    assert!(schema.provider.is_some());
    let block = terraform_provider_ci::provider::config::schema().block;
    let config = Value::Object(empty_config(&block));
    let validate = pb::validate_provider_config::Request {
        config: Some(dynamic(&config, &block)),
    };
    let response = provider
        .validate_provider_config(validate)
        .await
        .expect("ok")
        .into_inner();
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    let configure = pb::configure_provider::Request {
        terraform_version: "1.0.3".into(),
        config: Some(dynamic(&config, &block)),
        client_capabilities: None,
    };
    let response = provider
        .configure_provider(configure)
        .await
        .expect("ok")
        .into_inner();
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
}

async fn plan_marks_computed_attributes_unknown(provider: &mut Client) {
    let block = resource_block("ci_account_access");
    let config = Value::Object(valid_access_config(&block));
    let request = pb::plan_resource_change::Request {
        type_name: "ci_account_access".into(),
        prior_state: None,
        proposed_new_state: Some(dynamic(&config, &block)),
        config: Some(dynamic(&config, &block)),
        ..Default::default()
    };
    let response = provider
        .plan_resource_change(request)
        .await
        .expect("ok")
        .into_inner();
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    let planned = response.planned_state.expect("planned state");
    let planned = msgpack::decode(&planned.msgpack, &block.value_type()).expect("decodes");
    assert!(
        planned.attr("id").is_some_and(Value::is_unknown),
        "id unknown until apply"
    );
    assert_eq!(
        planned.attr("account_id"),
        config.attr("account_id"),
        "config kept as is"
    );
}

/// A configuration of `ci_account_access` every check accepts.
fn valid_access_config(block: &Block) -> BTreeMap<String, Value> {
    let mut config = empty_config(block);
    let set = |config: &mut BTreeMap<String, Value>, name: &str, value: &str| {
        if config.contains_key(name) {
            config.insert(name.into(), Value::String(value.into()));
        }
    };
    set(&mut config, "account_id", "123456789012");
    set(
        &mut config,
        "oidc_issuer_url",
        "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC123",
    );
    set(&mut config, "namespace", "payments");
    set(&mut config, "service_account", "payments-prod");
    config
}

async fn destroy_plans_are_null(provider: &mut Client) {
    let block = resource_block("ci_account_access");
    let prior = Value::Object(valid_access_config(&block));
    let request = pb::plan_resource_change::Request {
        type_name: "ci_account_access".into(),
        prior_state: Some(dynamic(&prior, &block)),
        proposed_new_state: None,
        config: None,
        ..Default::default()
    };
    let response = provider
        .plan_resource_change(request)
        .await
        .expect("ok")
        .into_inner();
    let planned = response.planned_state.expect("planned state");
    assert_eq!(planned.msgpack, vec![0xc0], "a destroy plan is null");
}

async fn upgrade_reads_current_json_state(provider: &mut Client) {
    let block = resource_block("ci_account_access");
    let state = Value::Object(valid_access_config(&block));
    let json =
        terraform_provider_ci::value::json::encode(&state, &block.value_type()).expect("json");
    let schema = terraform_provider_ci::resources::all()
        .into_iter()
        .find(|r| r.type_name() == "ci_account_access")
        .map(|r| r.schema().version)
        .expect("resource");
    let request = pb::upgrade_resource_state::Request {
        type_name: "ci_account_access".into(),
        version: schema,
        raw_state: Some(pb::RawState {
            json,
            flatmap: Default::default(),
        }),
    };
    let response = provider
        .upgrade_resource_state(request)
        .await
        .expect("ok")
        .into_inner();
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    let upgraded = response.upgraded_state.expect("state");
    let upgraded = msgpack::decode(&upgraded.msgpack, &block.value_type()).expect("decodes");
    assert_eq!(upgraded, state);

    let newer = pb::upgrade_resource_state::Request {
        type_name: "ci_account_access".into(),
        version: schema + 1,
        raw_state: Some(pb::RawState {
            json: b"{}".to_vec(),
            flatmap: Default::default(),
        }),
    };
    let response = provider
        .upgrade_resource_state(newer)
        .await
        .expect("ok")
        .into_inner();
    assert_eq!(
        response.diagnostics[0].summary,
        "State written by a newer provider"
    );
}

async fn unknown_types_get_diagnostics_not_crashes(provider: &mut Client) {
    let request = pb::validate_resource_config::Request {
        type_name: "ci_nonexistent".into(),
        config: None,
        client_capabilities: None,
    };
    let response = provider
        .validate_resource_config(request)
        .await
        .expect("ok")
        .into_inner();
    assert_eq!(response.diagnostics[0].summary, "Unknown resource type");

    let request = pb::read_data_source::Request {
        type_name: "ci_nothing".into(),
        ..Default::default()
    };
    let response = provider
        .read_data_source(request)
        .await
        .expect("ok")
        .into_inner();
    assert_eq!(response.diagnostics[0].summary, "Unknown data source");

    let garbage = pb::validate_resource_config::Request {
        type_name: "ci_account_access".into(),
        config: Some(pb::DynamicValue {
            msgpack: vec![0x81, 0xa1],
            json: Vec::new(),
        }),
        client_capabilities: None,
    };
    let response = provider
        .validate_resource_config(garbage)
        .await
        .expect("ok")
        .into_inner();
    assert_eq!(
        response.diagnostics[0].summary,
        "Cannot decode a value from Terraform"
    );
}

async fn functions_and_moves_answer_cleanly(provider: &mut Client) {
    let functions = provider
        .get_functions(pb::get_functions::Request {})
        .await
        .expect("ok");
    assert!(functions.into_inner().diagnostics.is_empty());
    let call = pb::call_function::Request {
        name: "nope".into(),
        arguments: Vec::new(),
    };
    let response = provider.call_function(call).await.expect("ok").into_inner();
    assert!(response.error.is_some());
    let moved = pb::move_resource_state::Request {
        target_type_name: "ci_cluster".into(),
        source_type_name: "aws_eks_cluster".into(),
        ..Default::default()
    };
    let response = provider
        .move_resource_state(moved)
        .await
        .expect("ok")
        .into_inner();
    assert_eq!(response.diagnostics.len(), 1);
}

async fn unserved_rpcs_are_unimplemented(provider: &mut Client) {
    let request = pb::get_resource_identity_schemas::Request {};
    let status = provider
        .get_resource_identity_schemas(request)
        .await
        .expect_err("unserved");
    assert_eq!(status.code(), tonic::Code::Unimplemented);
}

async fn stop_provider_answers(provider: &mut Client) {
    let response = provider
        .stop_provider(pb::stop_provider::Request {})
        .await
        .expect("ok");
    assert!(response.into_inner().error.is_empty());
}
