//! The AWS backend against moto in server mode: IAM roles, OIDC providers
//! and policies round trip; target accounts are reached by one
//! `sts:AssumeRole` each; errors carry AWS's code.
//!
//! Each test starts its own moto on a free loopback port, so tests share
//! no state. moto's home account is 123456789012; assuming a role in
//! another account id makes later calls act in that account, and moto does
//! not require the assumed role to exist.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::io::{BufRead as _, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use aws_credential_types::Credentials;
use serde_json::{Value, json};
use terraform_provider_ci::backends::aws::policy_document::{PercentDecodeError, percent_decode};
use terraform_provider_ci::backends::aws::{Account, Aws, RoleSpec, code};
use terraform_provider_ci::provider::config::{
    AssumeRole, DEFAULT_TARGET_ROLE_NAME, Endpoints, ProviderConfig, Retry, RetryMode,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

const HOME_ACCOUNT: &str = "123456789012";
const TARGET_ACCOUNT: &str = "111111111111";
const OTHER_TARGET_ACCOUNT: &str = "222222222222";
const TARGET_ROLE: &str = "ci-provisioner";
const ISSUER: &str = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";

/// A running moto server, killed when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    fn start() -> Moto {
        let binary = moto_binary();
        let mut child = Command::new(&binary)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", binary.display()));
        let (lines, received) = mpsc::channel();
        forward_lines(child.stdout.take(), lines.clone());
        forward_lines(child.stderr.take(), lines);
        let url = read_url(&received);
        Moto { child, url }
    }

    /// Provider settings pointing IAM and STS at this moto.
    fn config(&self) -> ProviderConfig {
        config_for(&self.url)
    }

    /// The backend with moto's dummy credentials.
    fn aws(&self) -> Aws {
        aws_with(&self.config())
    }

    /// The home account.
    async fn home(&self) -> Account {
        let aws = self.aws();
        aws.account(None, TARGET_ROLE).await.expect("home account")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Provider settings pointing IAM and STS at `url`.
fn config_for(url: &str) -> ProviderConfig {
    ProviderConfig {
        region: Some("eu-west-1".to_string()),
        assume_role: None,
        target_role_name: DEFAULT_TARGET_ROLE_NAME.to_string(),
        default_tags: BTreeMap::new(),
        retry: Retry {
            max_attempts: 3,
            mode: RetryMode::Standard,
        },
        endpoints: Endpoints {
            iam: Some(url.to_string()),
            sts: Some(url.to_string()),
            ..Endpoints::default()
        },
        kubernetes: Default::default(),
        deferred: Vec::new(),
    }
}

fn moto_binary() -> PathBuf {
    let binary = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/venv/bin/moto_server");
    assert!(
        binary.exists(),
        "{} is missing: run scripts/setup-tools.sh to install moto",
        binary.display()
    );
    binary
}

/// Sends each line of `stream` to `lines`, and keeps reading to the end so
/// that moto never blocks on a full pipe.
fn forward_lines(stream: Option<impl Read + Send + 'static>, lines: Sender<String>) {
    let Some(stream) = stream else { return };
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
}

/// moto's URL, from its "Running on http://127.0.0.1:PORT" line.
fn read_url(lines: &Receiver<String>) -> String {
    let mut seen = Vec::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(60)) {
        if let Some(at) = line.find("http://127.0.0.1:") {
            let url = line[at..].split_whitespace().next().unwrap_or_default();
            return url.to_string();
        }
        seen.push(line);
    }
    panic!(
        "moto did not report its address; it said:\n{}",
        seen.join("\n")
    );
}

/// The environment of a CI run must not decide where these tests act, so
/// the dummy credentials are handed in rather than read from it (setting
/// variables in this process would need `unsafe`, which the crate forbids).
fn aws_with(config: &ProviderConfig) -> Aws {
    install_global_subscriber();
    let credentials = Credentials::new("AKIAIOSFODNN7EXAMPLE", "testing", None, None, "test");
    Aws::with_credentials(config, credentials)
}

fn trust_policy(service_account: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Federated": format!("arn:aws:iam::{HOME_ACCOUNT}:oidc-provider/x") },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": { "StringEquals": {
                "x:sub": format!("system:serviceaccount:ci-payments:{service_account}"),
                "x:aud": "sts.amazonaws.com",
            }},
        }],
    })
}

fn role_spec(name: &str) -> RoleSpec {
    RoleSpec {
        name: name.to_string(),
        assume_role_policy: trust_policy("deploy"),
        tags: tags(&[("ci:owner", "terraform-provider-ci")]),
        max_session_duration: 3600,
        permissions_boundary: None,
        description: Some("CI access for payments".to_string()),
    }
}

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    let pairs = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    pairs.collect()
}

fn read_only_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*" }],
    })
}

/// Creates a customer managed policy with the SDK directly: the backend
/// never creates managed policies, only attaches them.
async fn create_managed_policy(moto: &Moto, name: &str) -> String {
    let credentials = Credentials::new("AKIAIOSFODNN7EXAMPLE", "testing", None, None, "test");
    let config = aws_sdk_iam::Config::builder()
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .region(aws_sdk_iam::config::Region::new("eu-west-1"))
        .endpoint_url(&moto.url)
        .credentials_provider(credentials)
        .build();
    let output = aws_sdk_iam::Client::from_conf(config)
        .create_policy()
        .policy_name(name)
        .policy_document(read_only_policy().to_string())
        .send()
        .await
        .expect("policy created");
    output.policy.and_then(|p| p.arn).expect("policy ARN")
}

#[tokio::test]
async fn a_role_is_created_read_back_updated_tagged_and_deleted() {
    let moto = Moto::start();
    let iam = moto.home().await.iam();
    let spec = role_spec("ci-payments");

    let created = iam.create_role(&spec).await.expect("role created");
    assert_eq!(created.arn, "arn:aws:iam::123456789012:role/ci-payments");
    let read = iam
        .get_role("ci-payments")
        .await
        .unwrap()
        .expect("role exists");
    assert_eq!(read, created);
    assert_eq!(read.assume_role_policy, trust_policy("deploy"));

    iam.update_assume_role_policy("ci-payments", &trust_policy("release"))
        .await
        .unwrap();
    iam.update_role("ci-payments", 7200, None).await.unwrap();
    iam.tag_role("ci-payments", &tags(&[("team", "payments")]))
        .await
        .unwrap();
    iam.untag_role("ci-payments", &["ci:owner".to_string()])
        .await
        .unwrap();
    let read = iam.get_role("ci-payments").await.unwrap().unwrap();
    assert_eq!(read.assume_role_policy, trust_policy("release"));
    assert_eq!(read.max_session_duration, 7200);
    assert_eq!(read.description, None);
    assert_eq!(read.tags, tags(&[("team", "payments")]));

    assert!(iam.delete_role("ci-payments").await.unwrap());
    assert_eq!(iam.get_role("ci-payments").await.unwrap(), None);
    assert!(!iam.delete_role("ci-payments").await.unwrap());
}

#[tokio::test]
async fn a_permissions_boundary_is_set_and_removed() {
    let moto = Moto::start();
    let iam = moto.home().await.iam();
    let boundary = create_managed_policy(&moto, "ci-boundary").await;
    iam.create_role(&role_spec("ci-bounded")).await.unwrap();

    iam.put_permissions_boundary("ci-bounded", &boundary)
        .await
        .unwrap();
    let read = iam.get_role("ci-bounded").await.unwrap().unwrap();
    assert_eq!(
        read.permissions_boundary.as_deref(),
        Some(boundary.as_str())
    );

    assert!(iam.delete_permissions_boundary("ci-bounded").await.unwrap());
    let read = iam.get_role("ci-bounded").await.unwrap().unwrap();
    assert_eq!(read.permissions_boundary, None);
}

#[tokio::test]
async fn missing_objects_read_as_none_or_false() {
    let moto = Moto::start();
    let iam = moto.home().await.iam();
    let missing_policy = "arn:aws:iam::123456789012:policy/missing";

    assert_eq!(iam.get_role("missing").await.unwrap(), None);
    assert_eq!(iam.find_oidc_provider(ISSUER).await.unwrap(), None);
    assert_eq!(iam.get_inline_policy("missing", "x").await.unwrap(), None);
    assert!(
        iam.list_attached_policies("missing")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!iam.policy_exists(missing_policy).await.unwrap());
    assert!(!iam.delete_role("missing").await.unwrap());
    assert!(!iam.delete_inline_policy("missing", "x").await.unwrap());
}

#[tokio::test]
async fn an_oidc_provider_round_trips() {
    let moto = Moto::start();
    let iam = moto.home().await.iam();
    let audiences = vec!["sts.amazonaws.com".to_string()];
    let thumbprints = vec!["9e99a48a9960b14926bb7f3b02e22da2b0ab7280".to_string()];
    let owner = tags(&[("ci:owner", "terraform-provider-ci")]);

    let arn = iam
        .create_oidc_provider(ISSUER, &audiences, &thumbprints, &owner)
        .await
        .expect("provider created");
    assert_eq!(arn, iam.oidc_provider_arn(ISSUER));
    let found = iam
        .find_oidc_provider(ISSUER)
        .await
        .unwrap()
        .expect("found");
    assert_eq!(found.arn, arn);
    assert_eq!(found.url, ISSUER.trim_start_matches("https://"));
    assert_eq!(found.client_ids, audiences);
    assert_eq!(found.thumbprints, thumbprints);
    assert_eq!(found.tags, owner);

    iam.tag_oidc_provider(&arn, &tags(&[("team", "platform")]))
        .await
        .unwrap();
    iam.untag_oidc_provider(&arn, &["ci:owner".to_string()])
        .await
        .unwrap();
    let found = iam.find_oidc_provider(ISSUER).await.unwrap().unwrap();
    assert_eq!(found.tags, tags(&[("team", "platform")]));

    assert!(iam.delete_oidc_provider(&arn).await.unwrap());
    assert_eq!(iam.find_oidc_provider(ISSUER).await.unwrap(), None);
    // AWS answers NoSuchEntity (false) to a second delete, moto success.
    let again = iam.delete_oidc_provider(&arn).await;
    again.expect("deleting twice is not an error");
}

#[tokio::test]
async fn managed_policies_are_attached_listed_and_detached() {
    let moto = Moto::start();
    let iam = moto.home().await.iam();
    let policy = create_managed_policy(&moto, "ci-read").await;
    iam.create_role(&role_spec("ci-reader")).await.unwrap();

    assert!(iam.policy_exists(&policy).await.unwrap());
    iam.attach_policy("ci-reader", &policy).await.unwrap();
    let attached = iam.list_attached_policies("ci-reader").await.unwrap();
    assert_eq!(attached, vec![policy.clone()]);

    assert!(iam.detach_policy("ci-reader", &policy).await.unwrap());
    assert!(!iam.detach_policy("ci-reader", &policy).await.unwrap());
    let attached = iam.list_attached_policies("ci-reader").await.unwrap();
    assert!(attached.is_empty());
}

#[tokio::test]
async fn attaching_a_policy_that_does_not_exist_is_an_error() {
    let moto = Moto::start();
    let iam = moto.home().await.iam();
    iam.create_role(&role_spec("ci-reader")).await.unwrap();
    let missing = "arn:aws:iam::123456789012:policy/missing";

    let error = iam.attach_policy("ci-reader", missing).await.unwrap_err();
    assert_eq!(error.code(), Some(code::NO_SUCH_ENTITY), "{error}");
    let message = error.to_string();
    assert!(message.contains(missing), "{message}");
    assert!(message.contains("ci-reader"), "{message}");
}

#[tokio::test]
async fn inline_policies_round_trip_as_json() {
    let moto = Moto::start();
    let iam = moto.home().await.iam();
    iam.create_role(&role_spec("ci-inline")).await.unwrap();
    let mut document = read_only_policy();
    document["Statement"][0]["Condition"] =
        json!({ "StringLike": { "s3:prefix": ["a b+c/%2F/é/*"] } });

    iam.put_inline_policy("ci-inline", "access", &document)
        .await
        .unwrap();
    let read = iam.get_inline_policy("ci-inline", "access").await.unwrap();
    assert_eq!(read, Some(document));

    assert!(
        iam.delete_inline_policy("ci-inline", "access")
            .await
            .unwrap()
    );
    let read = iam.get_inline_policy("ci-inline", "access").await.unwrap();
    assert_eq!(read, None);
}

#[tokio::test]
async fn creating_the_same_role_twice_fails_with_entity_already_exists() {
    let moto = Moto::start();
    let iam = moto.home().await.iam();
    iam.create_role(&role_spec("ci-payments")).await.unwrap();

    let error = iam
        .create_role(&role_spec("ci-payments"))
        .await
        .unwrap_err();
    assert!(error.is(code::ENTITY_ALREADY_EXISTS), "{error:?}");
    let message = error.to_string();
    let expected = "cannot create IAM role ci-payments in account 123456789012: ";
    assert!(message.starts_with(expected), "{message}");
}

#[tokio::test]
async fn a_target_account_is_reached_by_assuming_its_role() {
    let moto = Moto::start();
    let aws = moto.aws();
    let target = aws
        .account(Some(TARGET_ACCOUNT), TARGET_ROLE)
        .await
        .unwrap();
    let home = aws.account(None, TARGET_ROLE).await.unwrap();
    assert_eq!(target.id(), TARGET_ACCOUNT);
    assert_eq!(home.id(), HOME_ACCOUNT);

    let role = target.iam().create_role(&role_spec("ci-payments")).await;
    assert_eq!(
        role.unwrap().arn,
        "arn:aws:iam::111111111111:role/ci-payments"
    );
    assert!(
        target
            .iam()
            .get_role("ci-payments")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(home.iam().get_role("ci-payments").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_for_one_account_share_one_assume_role() {
    let moto = Moto::start();
    let aws = Arc::new(moto.aws());

    let callers = (0..20).map(|_| {
        let aws = aws.clone();
        tokio::spawn(async move { aws.account(Some(TARGET_ACCOUNT), TARGET_ROLE).await })
    });
    for caller in callers.collect::<Vec<_>>() {
        let account = caller.await.unwrap().expect("account");
        assert_eq!(account.id(), TARGET_ACCOUNT);
    }
    assert_eq!(aws.assume_role_calls(), 1);

    aws.account(Some(OTHER_TARGET_ACCOUNT), TARGET_ROLE)
        .await
        .unwrap();
    aws.account(Some(TARGET_ACCOUNT), TARGET_ROLE)
        .await
        .unwrap();
    assert_eq!(aws.assume_role_calls(), 2);
}

#[tokio::test]
async fn the_home_role_is_assumed_first_and_target_roles_from_it() {
    let moto = Moto::start();
    let mut config = moto.config();
    config.assume_role = Some(AssumeRole {
        role_arn: format!("arn:aws:iam::{HOME_ACCOUNT}:role/ci-terraform"),
        session_name: Some("ci-nightly".to_string()),
        external_id: Some("platform".to_string()),
    });
    let aws = aws_with(&config);

    let home = aws.account(None, TARGET_ROLE).await.unwrap();
    assert_eq!(home.id(), HOME_ACCOUNT);
    assert_eq!(aws.assume_role_calls(), 1);
    let target = aws
        .account(Some(TARGET_ACCOUNT), TARGET_ROLE)
        .await
        .unwrap();
    assert_eq!(target.id(), TARGET_ACCOUNT);
    assert_eq!(aws.assume_role_calls(), 2);
}

#[tokio::test]
async fn an_unreachable_endpoint_names_the_role_it_could_not_assume() {
    let mut config = config_for("http://127.0.0.1:9");
    config.retry.max_attempts = 1;
    let aws = aws_with(&config);

    let error = aws
        .account(Some(TARGET_ACCOUNT), TARGET_ROLE)
        .await
        .unwrap_err();
    let message = error.to_string();
    let role = "arn:aws:iam::111111111111:role/ci-provisioner";
    assert!(
        message.starts_with(&format!("cannot assume role {role}: ")),
        "{message}"
    );
    assert_eq!(error.code(), None);
    assert!(
        !message.contains("testing"),
        "no secret in errors: {message}"
    );
}

#[tokio::test]
async fn calls_are_logged_with_operation_object_and_account_but_no_secret() {
    let moto = Moto::start();
    let captured = Captured::default();
    let subscriber = tracing_subscriber::registry().with(captured.clone());
    let _default = tracing::subscriber::set_default(subscriber);
    let aws = moto.aws();

    let target = aws
        .account(Some(TARGET_ACCOUNT), TARGET_ROLE)
        .await
        .unwrap();
    target.iam().get_role("ci-payments").await.unwrap();

    let log = captured.text();
    let get_role = r#"aws.operation="GetRole" aws.object="ci-payments" aws.account="111111111111""#;
    assert!(log.contains(get_role), "{log}");
    assert!(log.contains(r#"aws.operation="AssumeRole""#), "{log}");
    let assumed = log.lines().find(|line| line.contains("assumed role"));
    let account = r#"aws.account="111111111111""#;
    assert!(assumed.is_some_and(|line| line.contains(account)), "{log}");
    assert!(!log.contains("testing"), "a secret was logged: {log}");
}

/// Installs a do-nothing global subscriber before any of this crate's
/// spans or events first runs. tracing caches each callsite's interest
/// process-wide when first reached; a test thread with no subscriber would
/// cache "never" and hide the callsite from the capturing test's
/// thread-local subscriber.
fn install_global_subscriber() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry());
    });
}

/// Records this crate's spans and events, one line each, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<String>>>);

impl Captured {
    fn text(&self) -> String {
        self.0.lock().unwrap().join("\n")
    }

    fn record(&self, metadata: &Metadata<'_>, fields: impl FnOnce(&mut Line)) {
        if metadata.target().starts_with("terraform_provider_ci") {
            let mut line = Line(String::new());
            fields(&mut line);
            self.0.lock().unwrap().push(line.0);
        }
    }
}

impl<S: Subscriber> Layer<S> for Captured {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        self.record(attrs.metadata(), |line| attrs.record(line));
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        self.record(event.metadata(), |line| event.record(line));
    }
}

/// Fields as `name=value`, the message bare.
struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let separator = if self.0.is_empty() { "" } else { " " };
        let _ = match field.name() {
            "message" => write!(self.0, "{separator}{value:?}"),
            name => write!(self.0, "{separator}{name}={value:?}"),
        };
    }
}

#[test]
fn the_percent_decoder_handles_tricky_input() {
    let cases: &[(&str, Result<&str, PercentDecodeError>)] = &[
        ("", Ok("")),
        ("plain", Ok("plain")),
        ("%7B%22a%22%3A1%7D", Ok(r#"{"a":1}"#)),
        ("%7b%7D", Ok("{}")),
        ("a+b", Ok("a+b")),
        ("a%20b%2Bc", Ok("a b+c")),
        ("%2525", Ok("%25")),
        ("caf%C3%A9", Ok("café")),
        ("%F0%9F%9A%80", Ok("🚀")),
        ("already é", Ok("already é")),
        ("%", Err(PercentDecodeError::BadEscape(0))),
        ("ab%2", Err(PercentDecodeError::BadEscape(2))),
        ("%zz", Err(PercentDecodeError::BadEscape(0))),
        ("%+1", Err(PercentDecodeError::BadEscape(0))),
        ("%C3", Err(PercentDecodeError::NotUtf8)),
        ("%FF%FE", Err(PercentDecodeError::NotUtf8)),
    ];
    for (input, expected) in cases {
        let expected = expected.clone().map(str::to_string);
        assert_eq!(percent_decode(input), expected, "input {input:?}");
    }
}
