//! EKS clusters: create, describe, update, delete, and waiting for a
//! cluster to settle.
//!
//! EKS accepts one update at a time per cluster and takes minutes over
//! each, so every change here waits until the cluster is `ACTIVE` again
//! before returning. Waits poll `DescribeCluster` and log progress at
//! info, since a create takes 10 to 15 minutes on real AWS.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_eks::types::{
    AuthenticationMode, CreateAccessConfigRequest, LogSetup, LogType, Logging,
    UpdateAccessConfigRequest, VpcConfigRequest,
};
use tokio::time::Instant;

use super::found;
use crate::backends::aws::error::AwsError;
use crate::backends::aws::request::Request;
use crate::backends::aws::service::Eks;

/// Every control plane log type, so that updates can switch off the ones
/// not asked for.
pub const LOG_TYPES: [&str; 5] = [
    "api",
    "audit",
    "authenticator",
    "controllerManager",
    "scheduler",
];

/// How often a wait asks EKS for the cluster's status.
const POLL: Duration = Duration::from_secs(10);

/// What we set on a cluster.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClusterSettings {
    pub name: String,
    pub role_arn: String,
    /// `None`: the version EKS picks.
    pub version: Option<String>,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub endpoint_private_access: bool,
    pub endpoint_public_access: bool,
    pub public_access_cidrs: Vec<String>,
    /// Enabled control plane log types.
    pub log_types: Vec<String>,
    /// `None` when EKS does not report it (emulators).
    pub authentication_mode: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// A cluster as EKS describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClusterInfo {
    pub settings: ClusterSettings,
    pub arn: String,
    /// `CREATING`, `ACTIVE`, `UPDATING`, `DELETING`, `FAILED`.
    pub status: String,
    pub endpoint: Option<String>,
    /// Base64 PEM of the API server's CA.
    pub certificate_authority: Option<String>,
    pub oidc_issuer: Option<String>,
}

impl Eks {
    /// Starts creating a cluster; see [`Eks::wait_active`].
    pub async fn create_cluster(&self, cluster: &ClusterSettings) -> Result<(), AwsError> {
        let request = Request::new(
            "CreateCluster",
            &cluster.name,
            format!("create EKS cluster {}", cluster.name),
        );
        let access = CreateAccessConfigRequest::builder()
            .set_authentication_mode(
                cluster
                    .authentication_mode
                    .as_deref()
                    .map(AuthenticationMode::from),
            )
            .build();
        let call = self
            .sdk
            .create_cluster()
            .name(&cluster.name)
            .role_arn(&cluster.role_arn)
            .set_version(cluster.version.clone())
            .resources_vpc_config(vpc_config(cluster))
            .logging(logging(&cluster.log_types))
            .access_config(access)
            .set_tags(Some(hash_map(&cluster.tags)).filter(|tags| !tags.is_empty()))
            .send();
        self.send(request, call).await.map(drop)
    }

    /// The cluster named `name`, or `None` when there is none.
    pub async fn describe_cluster(&self, name: &str) -> Result<Option<ClusterInfo>, AwsError> {
        let action = format!("describe EKS cluster {name}");
        let request = Request::new("DescribeCluster", name, action.clone());
        let call = self.sdk.describe_cluster().name(name).send();
        let Some(output) = found(self.send(request, call).await)? else {
            return Ok(None);
        };
        let cluster = output.cluster.ok_or_else(|| self.incomplete(action))?;
        Ok(Some(info(cluster)))
    }

    /// Changes the network settings: endpoints, public CIDRs, security
    /// groups. Subnets cannot change in place.
    pub async fn update_cluster_network(&self, cluster: &ClusterSettings) -> Result<(), AwsError> {
        let name = &cluster.name;
        let request = Request::new(
            "UpdateClusterConfig",
            name,
            format!("update the endpoints of EKS cluster {name}"),
        );
        let mut vpc = VpcConfigRequest::builder()
            .endpoint_private_access(cluster.endpoint_private_access)
            .endpoint_public_access(cluster.endpoint_public_access)
            .set_security_group_ids(Some(cluster.security_group_ids.clone()));
        if cluster.endpoint_public_access {
            vpc = vpc.set_public_access_cidrs(Some(cluster.public_access_cidrs.clone()));
        }
        let call = self
            .sdk
            .update_cluster_config()
            .name(name)
            .resources_vpc_config(vpc.build())
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Enables exactly `log_types` and disables the others.
    pub async fn update_cluster_logging(
        &self,
        name: &str,
        log_types: &[String],
    ) -> Result<(), AwsError> {
        let request = Request::new(
            "UpdateClusterConfig",
            name,
            format!("update the control plane logs of EKS cluster {name}"),
        );
        let call = self
            .sdk
            .update_cluster_config()
            .name(name)
            .logging(logging(log_types))
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Changes how IAM principals authenticate (EKS only widens it:
    /// `CONFIG_MAP` to `API_AND_CONFIG_MAP` to `API`).
    pub async fn update_authentication_mode(&self, name: &str, mode: &str) -> Result<(), AwsError> {
        let request = Request::new(
            "UpdateClusterConfig",
            name,
            format!("change the authentication mode of EKS cluster {name} to {mode}"),
        );
        let access = UpdateAccessConfigRequest::builder()
            .authentication_mode(AuthenticationMode::from(mode))
            .build();
        let call = self
            .sdk
            .update_cluster_config()
            .name(name)
            .access_config(access)
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Upgrades the cluster to Kubernetes `version` (one minor at a time).
    pub async fn update_cluster_version(&self, name: &str, version: &str) -> Result<(), AwsError> {
        let request = Request::new(
            "UpdateClusterVersion",
            name,
            format!("upgrade EKS cluster {name} to Kubernetes {version}"),
        );
        let call = self
            .sdk
            .update_cluster_version()
            .name(name)
            .version(version)
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Sets `tags` on the resource `arn` and removes the keys in `stale`.
    pub async fn retag(
        &self,
        arn: &str,
        tags: &BTreeMap<String, String>,
        stale: &[String],
    ) -> Result<(), AwsError> {
        if !stale.is_empty() {
            let request = Request::new("UntagResource", arn, format!("untag {arn}"));
            let call = self
                .sdk
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(stale.to_vec()))
                .send();
            self.send(request, call).await?;
        }
        if tags.is_empty() {
            return Ok(());
        }
        let request = Request::new("TagResource", arn, format!("tag {arn}"));
        let call = self
            .sdk
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(hash_map(tags)))
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Starts deleting the cluster; `false` when it was already gone.
    pub async fn delete_cluster(&self, name: &str) -> Result<bool, AwsError> {
        let request = Request::new("DeleteCluster", name, format!("delete EKS cluster {name}"));
        let call = self.sdk.delete_cluster().name(name).send();
        Ok(found(self.send(request, call).await)?.is_some())
    }

    /// Waits until the cluster is `ACTIVE`, for at most `timeout`.
    pub async fn wait_active(
        &self,
        name: &str,
        timeout: Duration,
    ) -> Result<ClusterInfo, AwsError> {
        let deadline = Instant::now() + timeout;
        loop {
            let cluster = self.describe_cluster(name).await?;
            let status = cluster.as_ref().map_or("missing", |c| c.status.as_str());
            let status = status.to_string();
            match (status.as_str(), cluster) {
                ("ACTIVE", Some(cluster)) => return Ok(cluster),
                ("FAILED" | "DELETING" | "missing", _) => {
                    return Err(self.cluster_unsettled(name, &status, "became"));
                }
                _ => {}
            }
            if Instant::now() >= deadline {
                return Err(self.cluster_unsettled(name, &status, "was still"));
            }
            tracing::info!(eks.cluster = name, eks.status = %status, "waiting for the EKS cluster");
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the cluster is gone, for at most `timeout`.
    pub async fn wait_deleted(&self, name: &str, timeout: Duration) -> Result<(), AwsError> {
        let deadline = Instant::now() + timeout;
        while let Some(cluster) = self.describe_cluster(name).await? {
            if Instant::now() >= deadline {
                return Err(self.cluster_unsettled(name, &cluster.status, "was still"));
            }
            tracing::info!(
                eks.cluster = name,
                eks.status = cluster.status,
                "waiting for the EKS cluster to go"
            );
            tokio::time::sleep(POLL).await;
        }
        Ok(())
    }

    fn cluster_unsettled(&self, name: &str, status: &str, verb: &str) -> AwsError {
        let action = format!("wait for EKS cluster {name}");
        let cause = crate::backends::aws::ServiceError::other(&format!(
            "the cluster {verb} {status}; see its status in the EKS console"
        ));
        crate::backends::aws::request::failed(self.account_id(), action, cause)
    }
}

fn vpc_config(cluster: &ClusterSettings) -> VpcConfigRequest {
    let cidrs = Some(cluster.public_access_cidrs.clone()).filter(|c| !c.is_empty());
    VpcConfigRequest::builder()
        .set_subnet_ids(Some(cluster.subnet_ids.clone()))
        .set_security_group_ids(Some(cluster.security_group_ids.clone()))
        .endpoint_private_access(cluster.endpoint_private_access)
        .endpoint_public_access(cluster.endpoint_public_access)
        .set_public_access_cidrs(cidrs.filter(|_| cluster.endpoint_public_access))
        .build()
}

/// The log setup enabling `enabled` and disabling every other type.
fn logging(enabled: &[String]) -> Logging {
    let (on, off): (Vec<&str>, Vec<&str>) = LOG_TYPES
        .iter()
        .partition(|kind| enabled.iter().any(|e| e == *kind));
    let setup = |types: Vec<&str>, enabled: bool| {
        LogSetup::builder()
            .set_types(Some(types.into_iter().map(LogType::from).collect()))
            .enabled(enabled)
            .build()
    };
    let setups = [(on, true), (off, false)]
        .into_iter()
        .filter(|(types, _)| !types.is_empty())
        .map(|(types, enabled)| setup(types, enabled));
    Logging::builder()
        .set_cluster_logging(Some(setups.collect()))
        .build()
}

fn info(cluster: aws_sdk_eks::types::Cluster) -> ClusterInfo {
    let vpc = cluster.resources_vpc_config();
    let strings = |values: &[String]| values.to_vec();
    let settings = ClusterSettings {
        name: cluster.name().unwrap_or_default().to_string(),
        role_arn: cluster.role_arn().unwrap_or_default().to_string(),
        version: cluster.version().map(str::to_string),
        subnet_ids: vpc.map(|v| strings(v.subnet_ids())).unwrap_or_default(),
        security_group_ids: vpc
            .map(|v| strings(v.security_group_ids()))
            .unwrap_or_default(),
        endpoint_private_access: vpc.is_some_and(|v| v.endpoint_private_access()),
        endpoint_public_access: vpc.is_some_and(|v| v.endpoint_public_access()),
        public_access_cidrs: vpc
            .map(|v| strings(v.public_access_cidrs()))
            .unwrap_or_default(),
        log_types: enabled_log_types(cluster.logging()),
        authentication_mode: cluster
            .access_config()
            .and_then(|access| access.authentication_mode())
            .map(|mode| mode.as_str().to_string()),
        tags: cluster
            .tags()
            .map(|tags| tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
    };
    ClusterInfo {
        settings,
        arn: cluster.arn().unwrap_or_default().to_string(),
        status: cluster
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        endpoint: cluster.endpoint().map(str::to_string),
        certificate_authority: cluster
            .certificate_authority()
            .and_then(|ca| ca.data())
            .map(str::to_string),
        oidc_issuer: cluster
            .identity()
            .and_then(|identity| identity.oidc())
            .and_then(|oidc| oidc.issuer())
            .map(str::to_string),
    }
}

fn enabled_log_types(logging: Option<&Logging>) -> Vec<String> {
    let setups = logging.map(Logging::cluster_logging).unwrap_or_default();
    let mut types: Vec<String> = setups
        .iter()
        .filter(|setup| setup.enabled() == Some(true))
        .flat_map(|setup| setup.types().iter().map(|t| t.as_str().to_string()))
        .collect();
    types.sort();
    types
}

fn hash_map(tags: &BTreeMap<String, String>) -> HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// An access entry as EKS describes it: an IAM principal allowed into a
/// cluster whose authentication mode includes `API`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccessEntry {
    pub arn: String,
    /// `EC2_LINUX` for nodes, `STANDARD` for people and tools.
    pub kind: String,
    pub tags: BTreeMap<String, String>,
}

impl Eks {
    /// Lets `principal_arn` into `cluster` as a `kind` entry.
    pub async fn create_access_entry(
        &self,
        cluster: &str,
        principal_arn: &str,
        kind: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        let request = Request::new(
            "CreateAccessEntry",
            principal_arn,
            format!("let {principal_arn} into EKS cluster {cluster}"),
        );
        let call = self
            .sdk
            .create_access_entry()
            .cluster_name(cluster)
            .principal_arn(principal_arn)
            .r#type(kind)
            .set_tags(Some(hash_map(tags)).filter(|tags| !tags.is_empty()))
            .send();
        self.send(request, call).await.map(drop)
    }

    /// The entry of `principal_arn` in `cluster`, or `None`.
    pub async fn describe_access_entry(
        &self,
        cluster: &str,
        principal_arn: &str,
    ) -> Result<Option<AccessEntry>, AwsError> {
        let action = format!("read the access entry of {principal_arn} in EKS cluster {cluster}");
        let request = Request::new("DescribeAccessEntry", principal_arn, action.clone());
        let call = self
            .sdk
            .describe_access_entry()
            .cluster_name(cluster)
            .principal_arn(principal_arn)
            .send();
        let Some(output) = found(self.send(request, call).await)? else {
            return Ok(None);
        };
        let entry = output.access_entry.ok_or_else(|| self.incomplete(action))?;
        let tags = entry.tags().cloned().unwrap_or_default();
        Ok(Some(AccessEntry {
            arn: entry.access_entry_arn().unwrap_or_default().to_string(),
            kind: entry.r#type().unwrap_or_default().to_string(),
            tags: tags.into_iter().collect(),
        }))
    }

    /// Removes the entry; `false` when it was already gone.
    pub async fn delete_access_entry(
        &self,
        cluster: &str,
        principal_arn: &str,
    ) -> Result<bool, AwsError> {
        let request = Request::new(
            "DeleteAccessEntry",
            principal_arn,
            format!("remove {principal_arn} from EKS cluster {cluster}"),
        );
        let call = self
            .sdk
            .delete_access_entry()
            .cluster_name(cluster)
            .principal_arn(principal_arn)
            .send();
        Ok(found(self.send(request, call).await)?.is_some())
    }
}
