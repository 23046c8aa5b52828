//! Kubernetes: one client per cluster, and the four calls the sub-object
//! kinds need.
//!
//! Words used here:
//!
//! - **cluster**: an EKS cluster the provider manages, named as in AWS. A
//!   [`Cluster`] is a client for its API server, built once per name and
//!   cached by [`Kube`].
//! - **manifest**: a full object as JSON (`apiVersion`, `kind`,
//!   `metadata.name`, `metadata.namespace` for namespaced kinds, and the
//!   fields we manage). Objects stay untyped (`serde_json::Value`) so that one
//!   code path serves every kind.
//! - **object ref**: what identifies an object: [`ObjectRef`].
//! - **kind table**: the kinds the provider manages, with the REST path of
//!   each (see [`kinds`]). There is no discovery: every operation is exactly
//!   one HTTP call, which keeps reads cheap and lets tests count them.
//! - **apply**: server-side apply with the field manager [`FIELD_MANAGER`],
//!   forced, so that the provider owns exactly the fields it sends.
//!
//! Nothing here logs an object's body or a token: spans carry the verb and
//! the object ref only, so a Secret's `data` never reaches the logs.

mod cluster;
mod connect;
mod eks_token;
mod error;
pub mod kinds;
mod object_ref;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::backends::aws::Aws;

use crate::provider::config::{KubernetesOverride, ProviderConfig};

pub use cluster::{Cluster, FIELD_MANAGER};
pub use eks_token::{TOKEN_PREFIX, eks_token};
pub use error::{KubeError, Verb};
pub use object_ref::ObjectRef;

/// Log field names of the spans around Kubernetes calls, defined once.
pub mod fields {
    /// The cluster's name, e.g. `ci-main`.
    pub const CLUSTER: &str = "kube.cluster";
    /// The API verb: `get`, `apply` or `delete`.
    pub const VERB: &str = "kube.verb";
    /// The object ref, e.g. `ServiceAccount ci-payments/runner`.
    pub const OBJECT: &str = "kube.object";
    /// What came of the call: `found`, `absent`, `applied`, `deleted` or
    /// the HTTP status of a failure.
    pub const OUTCOME: &str = "kube.outcome";
}

/// How long a client built from a signed EKS token is used. EKS accepts a
/// token for 15 minutes after signing; a client is rebuilt (and the token
/// signed again) a minute before, and each operation fetches its client
/// afresh, so no call goes out with a stale token.
const TOKEN_LIFETIME: Duration = Duration::from_secs(14 * 60);

/// The Kubernetes backend: builds and caches one [`Cluster`] per name.
///
/// Cheap to build and to clone; it makes no call until a cluster is used.
#[derive(Clone)]
pub struct Kube {
    settings: KubernetesOverride,
    /// Times a request is sent when connections break (the provider's
    /// `max_attempts`, shared with AWS calls).
    attempts: u32,
    /// Finds clusters and signs tokens when there is no override.
    aws: Option<Arc<Aws>>,
    clusters: Arc<Mutex<HashMap<String, Cached>>>,
}

/// A client and when it stops being usable (`None`: never).
#[derive(Clone)]
struct Cached {
    cluster: Cluster,
    expires: Option<Instant>,
}

impl Kube {
    /// A backend for the provider's configuration. Makes no call.
    pub fn new(config: &ProviderConfig) -> Kube {
        Kube {
            settings: config.kubernetes.clone(),
            attempts: config.retry.max_attempts,
            aws: None,
            clusters: Arc::default(),
        }
    }

    /// Finds clusters through `aws` when the configuration has no
    /// `kubernetes` block.
    pub fn with_aws(self, aws: Arc<Aws>) -> Kube {
        Kube {
            aws: Some(aws),
            ..self
        }
    }

    /// The client for the named cluster, built on first use and cached.
    ///
    /// With the provider's `kubernetes` block, the client uses its host,
    /// CA, token and `insecure` setting, for every cluster name. Without
    /// it, `eks:DescribeCluster` gives the endpoint and CA, and the token
    /// is signed from the provider's AWS credentials.
    pub async fn cluster(&self, name: &str) -> Result<Cluster, KubeError> {
        if let Some(cluster) = self.cached(name) {
            return Ok(cluster);
        }
        if self.settings.host.is_some() {
            let client = connect::client(name, &self.settings)?;
            return Ok(self.remember(Cluster::new(name, client, self.attempts), None));
        }
        let settings = self.discover(name).await?;
        let client = connect::client(name, &settings)?;
        let expires = Instant::now() + TOKEN_LIFETIME;
        Ok(self.remember(Cluster::new(name, client, self.attempts), Some(expires)))
    }

    /// Endpoint, CA and a fresh token for an EKS cluster.
    async fn discover(&self, name: &str) -> Result<KubernetesOverride, KubeError> {
        let no_endpoint = |reason: String| KubeError::NoEndpoint {
            cluster: name.to_string(),
            reason,
        };
        let aws = self
            .aws
            .as_ref()
            .ok_or_else(|| no_endpoint("no AWS backend".into()))?;
        let account = aws
            .account(None, "")
            .await
            .map_err(|e| no_endpoint(e.to_string()))?;
        let described = account.eks().describe_cluster(name).await;
        let info = described.map_err(|e| no_endpoint(e.to_string()))?;
        let info = info.ok_or_else(|| no_endpoint("no EKS cluster has this name".into()))?;
        let endpoint = info
            .endpoint
            .ok_or_else(|| no_endpoint("EKS reports no endpoint yet".into()))?;
        let ca = info
            .certificate_authority
            .as_deref()
            .map(decode_ca)
            .transpose();
        let ca =
            ca.map_err(|reason| no_endpoint(format!("its CA data is unreadable: {reason}")))?;

        let region = aws.region().await.map_err(|e| no_endpoint(e.to_string()))?;
        let credentials = aws
            .home_credentials()
            .await
            .map_err(|e| no_endpoint(e.to_string()))?;
        let token = eks_token(name, &region, &credentials, SystemTime::now())?;
        Ok(KubernetesOverride {
            host: Some(endpoint),
            cluster_ca_certificate: ca,
            token: Some(token),
            insecure: false,
        })
    }

    fn cached(&self, name: &str) -> Option<Cluster> {
        let cached = self.lock().get(name).cloned()?;
        let fresh = cached.expires.is_none_or(|at| Instant::now() < at);
        fresh.then_some(cached.cluster)
    }

    /// Keeps the newest client built for a name.
    fn remember(&self, cluster: Cluster, expires: Option<Instant>) -> Cluster {
        let name = cluster.name().to_string();
        let cached = Cached {
            cluster: cluster.clone(),
            expires,
        };
        self.lock().insert(name, cached);
        cluster
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        self.clusters
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

/// EKS gives the CA as base64 of its PEM text.
fn decode_ca(data: &str) -> Result<String, String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|error| error.to_string())?;
    String::from_utf8(bytes).map_err(|error| error.to_string())
}

impl fmt::Debug for Kube {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut clusters: Vec<String> = self.lock().keys().cloned().collect();
        clusters.sort();
        f.debug_struct("Kube")
            .field("settings", &self.settings)
            .field("clusters", &clusters)
            .finish()
    }
}
