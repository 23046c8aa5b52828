//! Golden tests of the cluster's Kubernetes manifests.
