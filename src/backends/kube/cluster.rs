//! A client for one cluster, and the calls on its objects: get, apply,
//! delete, and whether a CRD is installed. Each is exactly one HTTP call,
//! in a debug span that names the verb and the object (never its body).

use std::fmt;
use std::sync::Arc;

use kube::Client;
use kube::core::Request;
use kube::core::params::{DeleteParams, GetParams, Patch, PatchParams};
use serde_json::Value;
use tracing::Instrument as _;

use super::kinds::{self, KindInfo};
use super::{KubeError, ObjectRef, Verb, fields};

/// The field manager of every apply: the provider owns the fields it sends
/// under this name, and only those.
pub const FIELD_MANAGER: &str = "terraform-provider-ci";

/// A client for one cluster's API server. Cheap to clone.
#[derive(Clone)]
pub struct Cluster {
    name: Arc<str>,
    client: Client,
    /// Times a request is sent when the connection breaks before an answer.
    attempts: u32,
}

/// The result of one call: the parsed body, or the error `kube` reported.
type Answer = Result<Value, kube::Error>;

impl Cluster {
    pub(super) fn new(name: &str, client: Client, attempts: u32) -> Cluster {
        Cluster {
            name: name.into(),
            client,
            attempts: attempts.max(1),
        }
    }

    /// The cluster's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The live object, or `None` if it does not exist. One HTTP call.
    pub async fn get(&self, object: &ObjectRef) -> Result<Option<Value>, KubeError> {
        let info = object.kind_info()?;
        let request = Request::new(info.collection_path(object.namespace.as_deref()));
        let request = request.get(&object.name, &GetParams::default());
        match self.call(Verb::Get, object, request).await {
            Ok(live) => Ok(Some(live)),
            Err(error) if status_code(&error) == Some(404) => Ok(None),
            Err(error) => Err(KubeError::from_kube(Verb::Get, object, error)),
        }
    }

    /// Server-side apply of a full manifest, forced, as [`FIELD_MANAGER`];
    /// returns the object as stored. One HTTP call.
    ///
    /// Field validation is strict: a field the server does not know fails
    /// the apply (400) instead of being dropped with a warning, since a
    /// dropped field would show as drift on every plan.
    pub async fn apply(&self, manifest: &Value) -> Result<Value, KubeError> {
        let object = ObjectRef::of(manifest)?;
        let info = object.kind_info()?;
        let request = Request::new(info.collection_path(object.namespace.as_deref()));
        let params = PatchParams::apply(FIELD_MANAGER)
            .force()
            .validation_strict();
        let request = request.patch(&object.name, &params, &Patch::Apply(manifest));
        let error = match self.call(Verb::Apply, &object, request).await {
            Ok(stored) => return Ok(stored),
            Err(error) => error,
        };
        match crd_missing(info, &error) {
            Some(crd) => Err(KubeError::CrdMissing { crd, object }),
            None => Err(KubeError::from_kube(Verb::Apply, &object, error)),
        }
    }

    /// Deletes the object; `Ok(false)` when it was already gone. One HTTP
    /// call. Dependents are removed in the background by the server.
    pub async fn delete(&self, object: &ObjectRef) -> Result<bool, KubeError> {
        let info = object.kind_info()?;
        let request = Request::new(info.collection_path(object.namespace.as_deref()));
        let request = request.delete(&object.name, &DeleteParams::background());
        match self.call(Verb::Delete, object, request).await {
            Ok(_) => Ok(true),
            Err(error) if status_code(&error) == Some(404) => Ok(false),
            Err(error) => Err(KubeError::from_kube(Verb::Delete, object, error)),
        }
    }

    /// Whether the CRD `name` (e.g. `nodepools.karpenter.sh`) is installed.
    /// One HTTP call, asking for the CRD's metadata only (the Kyverno CRDs
    /// are over a megabyte each).
    pub async fn crd_installed(&self, name: &str) -> Result<bool, KubeError> {
        let kind = "CustomResourceDefinition";
        let object = ObjectRef::cluster_scoped(kinds::CRD_API_VERSION, kind, name);
        let info = object.kind_info()?;
        let request = Request::new(info.collection_path(None));
        let request = request.get_metadata(name, &GetParams::default());
        match self.call(Verb::Get, &object, request).await {
            Ok(_) => Ok(true),
            Err(error) if status_code(&error) == Some(404) => Ok(false),
            Err(error) => Err(KubeError::from_kube(Verb::Get, &object, error)),
        }
    }

    /// Sends one request in a span naming the cluster, verb and object.
    async fn call(
        &self,
        verb: Verb,
        object: &ObjectRef,
        request: Result<http::Request<Vec<u8>>, kube::core::request::Error>,
    ) -> Answer {
        let span = tracing::debug_span!(
            "kube",
            { fields::CLUSTER } = %self.name,
            { fields::VERB } = verb.as_str(),
            { fields::OBJECT } = %object,
        );
        let send = async {
            let request = request.map_err(kube::Error::BuildRequest)?;
            self.send_retrying(request).await
        };
        let answer = send.instrument(span.clone()).await;
        span.in_scope(|| log_outcome(verb, &answer));
        answer
    }
}

impl Cluster {
    /// Sends `request`, again after a short wait when the connection broke
    /// before an answer came. Every request here (get, server-side apply,
    /// delete) is idempotent, so sending it twice is safe; `kube` itself
    /// retries only answers (429, 503, 504), not broken connections.
    async fn send_retrying(&self, request: http::Request<Vec<u8>>) -> Answer {
        let mut wait = FIRST_RETRY_WAIT;
        for _ in 1..self.attempts {
            let Some(copy) = copy_request(&request) else {
                break;
            };
            match self.client.request::<Value>(copy).await {
                Err(error) if is_transport(&error) => {
                    tracing::debug!(%error, "connection broke before an answer; sending again");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(LONGEST_RETRY_WAIT);
                }
                answer => return answer,
            }
        }
        self.client.request::<Value>(request).await
    }
}

/// The wait before the first resend, doubled for each one after it up to
/// the longest.
const FIRST_RETRY_WAIT: std::time::Duration = std::time::Duration::from_millis(100);
const LONGEST_RETRY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether the request failed below HTTP: no answer came at all.
fn is_transport(error: &kube::Error) -> bool {
    matches!(error, kube::Error::HyperError(_) | kube::Error::Service(_))
}

/// A copy of a request (http requests are not `Clone`).
fn copy_request(request: &http::Request<Vec<u8>>) -> Option<http::Request<Vec<u8>>> {
    let mut builder = http::Request::builder()
        .method(request.method().clone())
        .uri(request.uri().clone())
        .version(request.version());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    builder.body(request.body().clone()).ok()
}

/// One debug event per call: what came of it, never the body.
fn log_outcome(verb: Verb, answer: &Answer) {
    let outcome = match (answer, status_code_of(answer)) {
        (Ok(_), _) if verb == Verb::Apply => "applied".to_string(),
        (Ok(_), _) if verb == Verb::Delete => "deleted".to_string(),
        (Ok(_), _) => "found".to_string(),
        (Err(_), Some(404)) => "absent".to_string(),
        (Err(_), Some(code)) => code.to_string(),
        (Err(_), None) => "unreachable".to_string(),
    };
    tracing::debug!({ fields::OUTCOME } = %outcome, "kubernetes call done");
}

fn status_code_of(answer: &Answer) -> Option<u16> {
    answer.as_ref().err().and_then(status_code)
}

/// The HTTP status of an API server's refusal.
fn status_code(error: &kube::Error) -> Option<u16> {
    match error {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}

/// The CRD a failed apply of a custom kind lacks, if that is why it failed.
///
/// Without its CRD the server has no route for the kind and answers 404.
/// The other 404 an apply can meet names the missing namespace in its
/// details (apply creates the object itself when it is absent).
fn crd_missing(info: &KindInfo, error: &kube::Error) -> Option<String> {
    let kube::Error::Api(status) = error else {
        return None;
    };
    let missing = status.details.as_ref().map(|details| details.kind.as_str());
    let namespace_missing = missing == Some("namespaces");
    (status.code == 404 && !namespace_missing)
        .then(|| info.crd_name())
        .flatten()
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster").field("name", &self.name).finish()
    }
}
