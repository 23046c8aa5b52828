//! EKS managed node groups.
