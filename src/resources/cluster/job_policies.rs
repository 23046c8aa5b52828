//! The Kyverno `ClusterPolicy` objects that adjust CI job pods.
