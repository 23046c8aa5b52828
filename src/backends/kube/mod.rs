//! Kubernetes: clients per cluster and server-side apply.
