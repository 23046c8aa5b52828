//! Code generated at build time from the `.proto` files in `proto/`.

/// Terraform plugin protocol 6.
#[allow(clippy::all, missing_docs)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's own services: the controller and stdio streams.
#[allow(clippy::all, missing_docs)]
pub mod plugin {
    tonic::include_proto!("plugin");
}
