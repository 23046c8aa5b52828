//! A Terraform provider for a central CI/CD runner platform on AWS.
//!
//! The layers, top to bottom (each knows only the one below it):
//!
//! - [`plugin`]: the process Terraform launches: handshake, mutual TLS,
//!   health, controller and stdio services, logging to stderr;
//! - [`server`]: one handler per `tfplugin6` RPC: decode, dispatch, encode;
//! - [`provider`] and [`resources`]: the provider block and the resources'
//!   schemas, validation and expansion;
//! - [`schema`], [`value`] and [`diagnostics`]: cty-compatible types and
//!   values, schemas, and the errors shown to the user.

pub mod backends;
pub mod diagnostics;
pub mod docs;
pub mod fuzzing;
pub mod kinds;
pub mod logging;
pub mod plugin;
pub mod proto;
pub mod provider;
pub mod reconcile;
pub mod resources;
pub mod schema;
pub mod server;
pub mod value;
