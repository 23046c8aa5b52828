//! Compiles the protocol definitions in `proto/` with a pure-Rust protobuf
//! compiler, so a fresh machine needs no system `protoc`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const FILES: [&str; 3] = [
        "tfplugin6.proto",
        "grpc_controller.proto",
        "grpc_stdio.proto",
    ];
    println!("cargo:rerun-if-changed=proto");

    let descriptors = protox::compile(FILES, ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_transport(false)
        // RPCs we do not serve answer Unimplemented, which Terraform tolerates.
        .generate_default_stubs(true)
        .compile_fds(descriptors)?;
    Ok(())
}
