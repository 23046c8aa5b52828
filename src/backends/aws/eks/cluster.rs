//! EKS clusters: create, describe, update, delete.
