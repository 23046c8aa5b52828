//! Acceptance tests of the stand-in, through a real kube-rs client.
//!
//! Most tests start the server in-process on `127.0.0.1:0` with the real
//! CRDs from `shared/crds`; [`binary`] runs the built `kube-standin` binary.

mod binary;
mod built_ins;
mod custom_resources;
mod discovery;
mod support;
