//! EKS managed node groups: create, describe, scale, delete.
