//! The Kubernetes backend against the kube-standin binary: server-side
//! apply, reads, deletes, CRD checks and the errors callers match on, with
//! the stand-in's request counts proving one HTTP call per operation.

use std::fmt::{self, Write as _};
use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};
use terraform_provider_ci::backends::kube::{Cluster, Kube, KubeError, ObjectRef};
use terraform_provider_ci::provider::config::{ProviderConfig, schema};
use terraform_provider_ci::value::json::decode;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

const CLUSTER: &str = "ci-main";
const NODE_POOL_CRD: &str = "nodepools.karpenter.sh";

/// A running kube-standin, killed when dropped.
struct Standin {
    child: Child,
    url: String,
}

impl Standin {
    fn start(extra_args: &[&str]) -> Standin {
        logs();
        let crds = crd_dir();
        let mut child = Command::new(standin_binary())
            .args(["--listen", "127.0.0.1:0", "--crds"])
            .arg(&crds)
            .args(extra_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("kube-standin starts");
        let url = read_url(&mut child);
        Standin { child, url }
    }

    /// A backend whose `kubernetes` block points at this stand-in.
    fn kube(&self) -> Kube {
        Kube::new(&provider_config(
            json!({ "kubernetes": { "host": self.url } }),
        ))
    }

    async fn cluster(&self) -> Cluster {
        self.kube().cluster(CLUSTER).await.expect("a client")
    }

    /// The stand-in's request counts: `{"total": N, "counts": {...}}`.
    async fn requests(&self) -> Value {
        let address = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).await.expect("connects");
        let request = format!(
            "GET /__standin/requests HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.expect("sends");
        let mut response = String::new();
        stream.read_to_string(&mut response).await.expect("reads");
        let (_, body) = response.split_once("\r\n\r\n").expect("a body");
        serde_json::from_str(body).expect("JSON counts")
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_url(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("a line on stdout");
    let url = line.trim().strip_prefix("listening ");
    url.unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string()
}

/// `target/debug/kube-standin` beside this test's own binary, built once
/// if it is missing.
fn standin_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let test = std::env::current_exe().expect("the test binary's path");
            let profile = test.parent().and_then(|deps| deps.parent());
            let binary = profile.expect("target/debug").join("kube-standin");
            if !binary.exists() {
                let built = Command::new(env!("CARGO"))
                    .args(["build", "-p", "kube-standin"])
                    .status()
                    .expect("cargo runs");
                assert!(built.success(), "cargo build -p kube-standin failed");
            }
            binary
        })
        .clone()
}

/// `$CI_SHARED_DIR/crds`, else the shared folder beside the repository.
fn crd_dir() -> PathBuf {
    let shared = std::env::var_os("CI_SHARED_DIR").map(PathBuf::from);
    let beside = || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    shared.unwrap_or_else(beside).join("crds")
}

/// A provider configuration from JSON, as Terraform would send it.
fn provider_config(json: Value) -> ProviderConfig {
    logs();
    let bytes = serde_json::to_vec(&json).expect("JSON");
    let value = decode(&bytes, &schema().value_type()).expect("a provider block");
    ProviderConfig::from_value(&value).expect("a valid provider block")
}

fn namespace(name: &str) -> Value {
    json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": name } })
}

fn service_account(namespace: &str, role_arn: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": "payments-prod",
            "namespace": namespace,
            "annotations": { "eks.amazonaws.com/role-arn": role_arn },
        },
    })
}

fn node_pool(consolidation_policy: &str) -> Value {
    json!({
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": { "name": "payments" },
        "spec": {
            "template": { "spec": {
                "nodeClassRef": {
                    "group": "karpenter.k8s.aws",
                    "kind": "EC2NodeClass",
                    "name": "default",
                },
                "requirements": [{
                    "key": "karpenter.sh/capacity-type",
                    "operator": "In",
                    "values": ["spot"],
                }],
            }},
            "disruption": {
                "consolidationPolicy": consolidation_policy,
                "consolidateAfter": "30s",
            },
        },
    })
}

fn role_arn(annotated: &Value) -> &Value {
    &annotated["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
}

const ROLE_A: &str = "arn:aws:iam::111111111111:role/payments-prod";
const ROLE_B: &str = "arn:aws:iam::222222222222:role/payments-prod";

#[tokio::test]
async fn apply_creates_a_namespace_and_an_annotated_service_account_that_get_reads_back() {
    let standin = Standin::start(&[]);
    let cluster = standin.cluster().await;

    let created = cluster.apply(&namespace("ci-payments")).await.unwrap();
    assert_eq!(created["metadata"]["name"], "ci-payments");
    let account = service_account("ci-payments", ROLE_A);
    let stored = cluster.apply(&account).await.unwrap();
    assert_eq!(role_arn(&stored), ROLE_A);

    let object = ObjectRef::of(&account).unwrap();
    let live = cluster
        .get(&object)
        .await
        .unwrap()
        .expect("the object exists");
    assert_eq!(role_arn(&live), ROLE_A);
    let managers = &live["metadata"]["managedFields"];
    assert_eq!(managers[0]["manager"], "terraform-provider-ci");
    assert_eq!(managers[0]["operation"], "Apply");
}

#[tokio::test]
async fn apply_again_with_a_changed_annotation_updates_the_object() {
    let standin = Standin::start(&[]);
    let cluster = standin.cluster().await;
    cluster.apply(&namespace("ci-payments")).await.unwrap();
    cluster
        .apply(&service_account("ci-payments", ROLE_A))
        .await
        .unwrap();

    let changed = service_account("ci-payments", ROLE_B);
    let stored = cluster.apply(&changed).await.unwrap();

    assert_eq!(role_arn(&stored), ROLE_B);
    let live = cluster
        .get(&ObjectRef::of(&changed).unwrap())
        .await
        .unwrap();
    assert_eq!(role_arn(&live.expect("the object exists")), ROLE_B);
}

#[tokio::test]
async fn delete_removes_the_object_and_a_second_delete_returns_false() {
    let standin = Standin::start(&[]);
    let cluster = standin.cluster().await;
    cluster.apply(&namespace("ci-payments")).await.unwrap();
    let account = service_account("ci-payments", ROLE_A);
    cluster.apply(&account).await.unwrap();
    let object = ObjectRef::of(&account).unwrap();

    assert!(cluster.delete(&object).await.unwrap(), "the first delete");
    assert_eq!(cluster.get(&object).await.unwrap(), None);
    assert!(!cluster.delete(&object).await.unwrap(), "the second delete");
}

#[tokio::test]
async fn a_missing_object_reads_as_none() {
    let standin = Standin::start(&[]);
    let cluster = standin.cluster().await;
    let missing = [
        ObjectRef::of(&service_account("default", ROLE_A)).unwrap(),
        ObjectRef::of(&namespace("never-created")).unwrap(),
        ObjectRef::of(&node_pool("WhenEmpty")).unwrap(),
    ];
    for object in missing {
        assert_eq!(cluster.get(&object).await.unwrap(), None, "{object}");
    }
}

#[tokio::test]
async fn a_node_pool_with_an_invalid_field_is_refused_with_422_naming_the_field() {
    let standin = Standin::start(&[]);
    let cluster = standin.cluster().await;

    let error = cluster.apply(&node_pool("Sometimes")).await.unwrap_err();

    assert_eq!(error.status(), Some(422), "{error}");
    assert_eq!(error.reason(), Some("Invalid"));
    let message = error.to_string();
    assert!(
        message.starts_with("cannot apply NodePool payments: "),
        "{message}"
    );
    assert!(
        message.contains("spec.disruption.consolidationPolicy"),
        "{message}"
    );
}

#[tokio::test]
async fn a_valid_node_pool_is_applied() {
    let standin = Standin::start(&[]);
    let cluster = standin.cluster().await;

    let stored = cluster.apply(&node_pool("WhenEmpty")).await.unwrap();

    assert_eq!(
        stored["spec"]["disruption"]["consolidationPolicy"],
        "WhenEmpty"
    );
    assert_eq!(stored["metadata"]["generation"], 1);
}

#[tokio::test]
async fn crd_installed_is_true_for_a_loaded_crd_and_false_without_it() {
    let with = Standin::start(&[]);
    let without = Standin::start(&["--without-crd", NODE_POOL_CRD]);

    let installed = with.cluster().await.crd_installed(NODE_POOL_CRD).await;
    let left_out = without.cluster().await.crd_installed(NODE_POOL_CRD).await;

    assert!(installed.unwrap());
    assert!(!left_out.unwrap());
}

#[tokio::test]
async fn applying_a_node_pool_without_its_crd_is_crd_missing_naming_it() {
    let standin = Standin::start(&["--without-crd", NODE_POOL_CRD]);
    let cluster = standin.cluster().await;

    let error = cluster.apply(&node_pool("WhenEmpty")).await.unwrap_err();

    let message = error.to_string();
    match &error {
        KubeError::CrdMissing { crd, object } => {
            assert_eq!(crd, NODE_POOL_CRD);
            assert_eq!(object.name, "payments");
        }
        other => panic!("expected CrdMissing, got {other:?}"),
    }
    assert_eq!(error.status(), Some(404));
    assert!(message.contains("nodepools.karpenter.sh"), "{message}");
    assert!(message.contains("Install Karpenter"), "{message}");
}

#[tokio::test]
async fn applying_into_a_missing_namespace_is_not_found_and_not_crd_missing() {
    let standin = Standin::start(&[]);
    let cluster = standin.cluster().await;
    let policy = json!({
        "apiVersion": "kyverno.io/v1",
        "kind": "Policy",
        "metadata": { "name": "spot", "namespace": "no-such-namespace" },
        "spec": { "rules": [] },
    });

    let error = cluster.apply(&policy).await.unwrap_err();

    assert!(matches!(error, KubeError::Api { .. }), "{error:?}");
    assert_eq!(error.status(), Some(404));
    let message = error.to_string();
    assert!(
        message.contains("namespaces \"no-such-namespace\" not found"),
        "{message}"
    );
}

#[tokio::test]
async fn each_operation_makes_exactly_one_call_and_no_discovery() {
    let standin = Standin::start(&[]);
    let cluster = standin.cluster().await;
    let account = service_account("default", ROLE_A);
    let object = ObjectRef::of(&account).unwrap();

    cluster.apply(&account).await.unwrap();
    cluster.get(&object).await.unwrap();
    cluster.delete(&object).await.unwrap();
    cluster.delete(&object).await.unwrap();
    cluster.get(&object).await.unwrap();
    cluster.crd_installed(NODE_POOL_CRD).await.unwrap();
    cluster.apply(&node_pool("WhenEmpty")).await.unwrap();

    let requests = standin.requests().await;
    let expected = json!({
        "total": 7,
        "counts": {
            "PATCH serviceaccounts": 1,
            "GET serviceaccounts": 2,
            "DELETE serviceaccounts": 2,
            "GET customresourcedefinitions.apiextensions.k8s.io": 1,
            "PATCH nodepools.karpenter.sh": 1,
        },
    });
    assert_eq!(requests, expected);
}

#[tokio::test]
async fn clients_are_cached_per_cluster_name() {
    let standin = Standin::start(&[]);
    let kube = standin.kube();

    kube.cluster("ci-main").await.unwrap();
    kube.cluster("ci-main").await.unwrap();
    kube.cluster("ci-other").await.unwrap();

    let shown = format!("{kube:?}");
    assert!(
        shown.contains(r#"clusters: ["ci-main", "ci-other"]"#),
        "{shown}"
    );
}

#[tokio::test]
async fn an_unknown_kind_is_an_error_naming_it_before_any_call() {
    let standin = Standin::start(&[]);
    let cluster = standin.cluster().await;
    let pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": { "name": "job", "namespace": "default" },
    });

    let error = cluster.apply(&pod).await.unwrap_err();

    assert!(matches!(error, KubeError::UnknownKind { .. }), "{error:?}");
    assert!(error.to_string().contains("kind Pod (v1)"), "{error}");
    assert_eq!(standin.requests().await["total"], 0);
}

#[tokio::test]
async fn without_a_kubernetes_block_a_cluster_has_no_endpoint() {
    let kube = Kube::new(&provider_config(json!({ "region": "eu-west-1" })));

    let error = kube.cluster(CLUSTER).await.unwrap_err();

    assert!(matches!(error, KubeError::NoEndpoint { .. }), "{error:?}");
    assert!(error.to_string().contains("cluster ci-main"), "{error}");
}

#[tokio::test]
async fn an_unreachable_server_names_the_call_and_never_the_token() {
    // Port 1 on loopback refuses connections.
    let settings = json!({ "kubernetes": { "host": "http://127.0.0.1:1", "token": "s3cr3t" } });
    let kube = Kube::new(&provider_config(settings));
    let cluster = kube.cluster(CLUSTER).await.unwrap();
    let object = ObjectRef::of(&namespace("ci-payments")).unwrap();

    let error = cluster.get(&object).await.unwrap_err();

    let message = error.to_string();
    assert!(matches!(error, KubeError::Transport { .. }), "{error:?}");
    assert!(
        message.starts_with("cannot get Namespace ci-payments: "),
        "{message}"
    );
    assert_eq!(error.status(), None);
    for shown in [
        message,
        format!("{error:?}"),
        format!("{kube:?} {cluster:?}"),
    ] {
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }
}

/// Every span and event of this test binary, as text lines.
///
/// Installed as the global subscriber before any test logs anything: a
/// thread-local one misses callsites that tests on other threads reached
/// first, since tracing caches whether a callsite is of interest.
fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::registry().with(captured.clone());
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        captured
    })
}

/// Every span and event, with its fields, as text lines.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<String>>>);

impl Captured {
    fn push(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }

    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Writes `name=value` pairs for every field it visits.
struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl<S: Subscriber> Layer<S> for Captured {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        let mut line = format!("span {}", attrs.metadata().name());
        attrs.record(&mut Fields(&mut line));
        self.push(line);
    }

    fn on_record(&self, _: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut line = "record".to_string();
        values.record(&mut Fields(&mut line));
        self.push(line);
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut line = format!("event {}", event.metadata().target());
        event.record(&mut Fields(&mut line));
        self.push(line);
    }
}

#[tokio::test]
async fn calls_log_the_verb_and_object_but_never_a_secrets_data() {
    let standin = Standin::start(&[]);
    let cluster = standin.cluster().await;
    let secret = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": { "name": "runner-token", "namespace": "default" },
        "data": { "token": "Z2xydC1TRUNSRVQ=" },
        "stringData": { "other": "glrt-PLAIN" },
    });

    cluster.apply(&secret).await.unwrap();
    cluster.get(&ObjectRef::of(&secret).unwrap()).await.unwrap();

    // Other tests log concurrently into the same lines; none may leak.
    let lines = logs().lines();
    let span = r#"span kube kube.cluster=ci-main kube.verb="apply" kube.object=Secret default/runner-token"#;
    assert!(lines.iter().any(|line| line == span), "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|line| line.contains("kube.outcome=applied")),
        "{lines:#?}"
    );
    for secret_text in [
        "Z2xydC1TRUNSRVQ",
        "glrt-SECRET",
        "glrt-PLAIN",
        "Z2xydC1QTEFJTg",
    ] {
        let leaks: Vec<&String> = lines.iter().filter(|l| l.contains(secret_text)).collect();
        assert!(leaks.is_empty(), "{secret_text} logged: {leaks:#?}");
    }
}
