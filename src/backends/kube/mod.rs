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

/// The Kubernetes backend: builds and caches one [`Cluster`] per name.
///
/// Cheap to build and to clone; it makes no call until a cluster is used.
#[derive(Clone)]
pub struct Kube {
    settings: KubernetesOverride,
    clusters: Arc<Mutex<HashMap<String, Cluster>>>,
}

impl Kube {
    /// A backend for the provider's configuration. Makes no call.
    pub fn new(config: &ProviderConfig) -> Kube {
        Kube {
            settings: config.kubernetes.clone(),
            clusters: Arc::default(),
        }
    }

    /// The client for the named cluster, built on first use and cached.
    ///
    /// With the provider's `kubernetes` block, the client uses its host,
    /// CA, token and `insecure` setting, for every cluster name.
    pub async fn cluster(&self, name: &str) -> Result<Cluster, KubeError> {
        if let Some(cluster) = self.cached(name) {
            return Ok(cluster);
        }
        let cluster = self.connect(name)?;
        Ok(self.remember(cluster))
    }

    fn connect(&self, name: &str) -> Result<Cluster, KubeError> {
        if self.settings.host.is_none() {
            // TODO: find the endpoint and CA with eks:DescribeCluster and
            // sign a token with `eks_token`, as `aws eks get-token` does.
            return Err(KubeError::NoEndpoint {
                cluster: name.to_string(),
            });
        }
        let client = connect::client(name, &self.settings)?;
        Ok(Cluster::new(name, client))
    }

    fn cached(&self, name: &str) -> Option<Cluster> {
        self.lock().get(name).cloned()
    }

    /// Keeps the first client built for a name: two concurrent first uses
    /// both build one, and the loser's is dropped.
    fn remember(&self, cluster: Cluster) -> Cluster {
        let mut clusters = self.lock();
        let name = cluster.name().to_string();
        clusters.entry(name).or_insert(cluster).clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cluster>> {
        self.clusters
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
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
