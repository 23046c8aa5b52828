//! Backends: the AWS and Kubernetes APIs, knowing nothing about Terraform.
//!
//! Each backend turns the provider configuration into clients, lazily and
//! cached (one STS session per account, one Kubernetes client per cluster),
//! and offers the few operations the sub-object kinds need, with errors
//! that name the operation and the object.

pub mod aws;
pub mod kube;
