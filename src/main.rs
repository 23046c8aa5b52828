//! `terraform-provider-ci`: the binary Terraform launches.
//!
//! Everything lives in the library; this edge only turns a fatal error into
//! a message and an exit code.

use std::process::ExitCode;

use terraform_provider_ci::plugin;

fn main() -> ExitCode {
    match plugin::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(plugin::RunError::NotLaunchedByTerraform) => {
            eprintln!("{}", plugin::NOT_A_COMMAND);
            ExitCode::FAILURE
        }
        Err(error) => {
            let error = anyhow::Error::from(error);
            eprintln!("terraform-provider-ci: {error:#}");
            ExitCode::FAILURE
        }
    }
}
