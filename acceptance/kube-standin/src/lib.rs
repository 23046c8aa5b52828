//! A Kubernetes API server stand-in for acceptance tests.
//!
//! The provider's kube-rs client talks to this server unchanged, over plain
//! HTTP on loopback. It keeps objects in memory, registers the real CRDs from
//! a directory, validates custom objects against their CRD schemas and
//! implements the write semantics the provider relies on: create, replace,
//! merge and JSON patches, server-side apply with field ownership, delete.
//!
//! Words used throughout the crate:
//!
//! - **resource type**: one kind of object served at one group/version, such
//!   as `apps/v1` `Deployment` (plural `deployments`). See [`catalog`].
//! - **built-in**: a resource type compiled into the stand-in (namespaces,
//!   config maps, deployments, ...). Built-ins are stored as sent: they have
//!   no schema here, so they are neither pruned, defaulted nor validated.
//! - **custom resource**: an object of a kind registered by a CRD from the CRD
//!   directory. Its CRD's `openAPIV3Schema` drives pruning, defaulting and
//!   validation, as in a real API server.
//! - **structural schema**: the compiled form of an `openAPIV3Schema`. See
//!   [`schema`].
//! - **field path**: where a field sits in an object, printed the way the real
//!   API server prints it: `spec.template.spec.requirements[0].operator`.
//! - **field set**: a set of leaf field paths, the unit of ownership recorded
//!   in `metadata.managedFields`. See [`field_set`].
//! - **manager**: the client named by the `fieldManager` query parameter that
//!   owns a field set.
//! - **hook**: a test-only endpoint under `/__standin/` (request counts).
//!
//! What is deliberately not implemented is listed in the crate's README.

#![forbid(unsafe_code)]

pub mod apply;
pub mod catalog;
pub mod cli;
pub mod counts;
pub mod crd;
pub mod defaults;
pub mod discovery;
pub mod field_error;
pub mod field_set;
pub mod labels;
pub mod managed_fields;
pub mod metadata;
pub mod patch;
pub mod prune;
pub mod request;
pub mod schema;
pub mod server;
pub mod status;
pub mod store;
pub mod validate;
pub mod verbs;
pub mod write;
pub mod yaml;

pub use cli::Options;
pub use server::{RunningServer, StartError, start, start_with};
