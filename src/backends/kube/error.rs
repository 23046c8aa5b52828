//! Errors of the Kubernetes backend, each naming the failed step and object.

use std::error::Error as _;
use std::fmt;

use thiserror::Error;

use super::ObjectRef;
use super::kinds;

/// The API verb of a call, as logged and as named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Apply,
    Delete,
}

impl Verb {
    /// The verb's name: `get`, `apply` or `delete`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Apply => "apply",
            Verb::Delete => "delete",
        }
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed Kubernetes operation.
#[derive(Debug, Error)]
pub enum KubeError {
    /// No API server is known for the cluster.
    #[error(
        "cannot reach the Kubernetes API of cluster {cluster}: {reason}. Without a \
         kubernetes block the provider finds the cluster with eks:DescribeCluster; set host \
         (and token, and cluster_ca_certificate or insecure) in the provider's kubernetes \
         block to reach it another way"
    )]
    NoEndpoint { cluster: String, reason: String },

    /// The `kubernetes` block does not make a usable client.
    #[error("cannot build a Kubernetes client for cluster {cluster}: {reason}")]
    Client { cluster: String, reason: String },

    /// An EKS token could not be signed.
    #[error("cannot sign an EKS token for cluster {cluster}: {reason}")]
    Token { cluster: String, reason: String },

    /// A manifest lacks what identifies its object, or contradicts its kind.
    #[error("invalid Kubernetes manifest: {reason}")]
    InvalidManifest { reason: String },

    /// The kind is not in the kind table.
    #[error(
        "unsupported Kubernetes kind {kind} ({api_version}): the provider manages only {}",
        kinds::supported()
    )]
    UnknownKind { api_version: String, kind: String },

    /// Applying a custom object failed because its CRD is not installed.
    #[error(
        "cannot apply {object}: the CustomResourceDefinition {crd} is not installed in the \
         cluster. Install {} (its Helm chart or EKS add-on installs the CRD), then apply again",
        kinds::controller_of(crd)
    )]
    CrdMissing { crd: String, object: ObjectRef },

    /// The API server refused the call.
    #[error("cannot {verb} {object}: {message} ({code} {reason})")]
    Api {
        verb: Verb,
        object: Box<ObjectRef>,
        code: u16,
        reason: String,
        message: String,
    },

    /// The call failed before the API server answered, or its answer was
    /// unreadable.
    #[error("cannot {verb} {object}: {}", chain(.error))]
    Transport {
        verb: Verb,
        object: Box<ObjectRef>,
        error: Box<kube::Error>,
    },
}

impl KubeError {
    /// The HTTP status of the API server's answer, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            KubeError::Api { code, .. } => Some(*code),
            KubeError::CrdMissing { .. } => Some(404),
            _ => None,
        }
    }

    /// The API server's reason (`NotFound`, `Conflict`, `Invalid` ...).
    pub fn reason(&self) -> Option<&str> {
        match self {
            KubeError::Api { reason, .. } => Some(reason),
            KubeError::CrdMissing { .. } => Some("NotFound"),
            _ => None,
        }
    }

    /// Wraps an error of `kube` for the call `verb` on `object`.
    pub(super) fn from_kube(verb: Verb, object: &ObjectRef, error: kube::Error) -> KubeError {
        let object = Box::new(object.clone());
        match error {
            kube::Error::Api(status) => KubeError::Api {
                verb,
                object,
                code: status.code,
                reason: status.reason,
                message: status.message,
            },
            error => KubeError::Transport {
                verb,
                object,
                error: Box::new(error),
            },
        }
    }
}

/// An error and its sources, `: `-separated, since kube's errors put the
/// useful part (connection refused, certificate rejected) in the sources.
fn chain(error: &kube::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}
