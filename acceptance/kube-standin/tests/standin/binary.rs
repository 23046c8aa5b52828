//! The `kube-standin` binary: its command line, its one line of output, and
//! a clean exit on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;

use crate::support::{api_status, client_for, crd_dir};

const BINARY: &str = env!("CARGO_BIN_EXE_kube-standin");

/// Starts the binary and returns it with the URL it printed.
fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(BINARY)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("a line on stdout");
    let url = line
        .trim()
        .strip_prefix("listening ")
        .expect("the listening line")
        .to_owned();
    (child, url)
}

/// Sends SIGTERM through `kill(1)`: the crate forbids the unsafe code a
/// direct `kill(2)` call would need.
fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    let sent = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the binary did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn the_binary_prints_its_url_serves_and_exits_cleanly_on_sigterm() {
    let crds = crd_dir();
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--crds",
        crds.to_str().expect("a UTF-8 path"),
        "--without-crd",
        "nodepools.karpenter.sh",
    ];
    let (mut child, url) = spawn(&args);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let crds: Api<CustomResourceDefinition> = Api::all(client_for(&url));
    crds.get("ec2nodeclasses.karpenter.k8s.aws")
        .await
        .expect("an installed CRD is found");
    let status = api_status(crds.get("nodepools.karpenter.sh").await);
    assert_eq!(status.code, 404, "--without-crd leaves the CRD out");

    assert!(terminate(&mut child).success());
}

#[test]
fn the_binary_refuses_a_non_loopback_address_and_unknown_crd_names() {
    let refused = Command::new(BINARY)
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .expect("the binary runs");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("only loopback addresses"));

    let crds = crd_dir();
    let args = [
        "--crds",
        crds.to_str().expect("a UTF-8 path"),
        "--without-crd",
        "typo.example.com",
    ];
    let unknown = Command::new(BINARY)
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("typo.example.com"));
}
