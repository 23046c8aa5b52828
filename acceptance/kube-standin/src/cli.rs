//! Command-line options of the `kube-standin` binary.

use std::net::SocketAddr;
use std::path::PathBuf;

use thiserror::Error;

/// How to run: `kube-standin --listen 127.0.0.1:0 --crds <dir>
/// [--without-crd <crd name>]...`.
pub const USAGE: &str = "usage: kube-standin [--listen ADDR] [--crds DIR] [--without-crd NAME]...

  --listen ADDR        loopback address to serve on (default 127.0.0.1:0)
  --crds DIR           directory of CustomResourceDefinition YAML files to register
  --without-crd NAME   leave out one CRD by name (nodepools.karpenter.sh); repeatable

Prints `listening http://ADDR` on stdout once serving, then serves until
SIGTERM or SIGINT. Set KUBE_STANDIN_LOG (e.g. debug) for logs on stderr.";

/// Parsed options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Where to listen; must be a loopback address.
    pub listen: SocketAddr,
    /// The directory of CRD files, if any.
    pub crd_dir: Option<PathBuf>,
    /// CRD names (`metadata.name`) to leave out.
    pub without_crds: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            crd_dir: None,
            without_crds: Vec::new(),
        }
    }
}

/// A command line that cannot be used.
#[derive(Debug, Error)]
pub enum CliError {
    #[error("{0} needs a value")]
    MissingValue(String),

    #[error("unknown argument {0:?}")]
    UnknownArgument(String),

    #[error("--listen {value}: not an IP address and port ({source})")]
    BadAddress {
        value: String,
        source: std::net::AddrParseError,
    },

    /// `--help` was asked for; not a failure.
    #[error("help requested")]
    Help,
}

impl Options {
    /// Parses the arguments after the program name.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, CliError> {
        let mut options = Self::default();
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            if flag == "--help" || flag == "-h" {
                return Err(CliError::Help);
            }
            let (name, inline) = match flag.split_once('=') {
                Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                None => (flag.clone(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| CliError::MissingValue(name.clone()))
            };
            match name.as_str() {
                "--listen" => options.listen = parse_address(value()?)?,
                "--crds" => options.crd_dir = Some(PathBuf::from(value()?)),
                "--without-crd" => options.without_crds.push(value()?),
                _ => return Err(CliError::UnknownArgument(flag)),
            }
        }
        Ok(options)
    }
}

fn parse_address(value: String) -> Result<SocketAddr, CliError> {
    value
        .parse()
        .map_err(|source| CliError::BadAddress { value, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, CliError> {
        Options::parse(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn flags_take_separate_or_inline_values() {
        let options = parse(&[
            "--listen",
            "127.0.0.1:8080",
            "--crds=/crds",
            "--without-crd",
            "a.b",
            "--without-crd=c.d",
        ])
        .expect("valid arguments");
        assert_eq!(options.listen.port(), 8080);
        assert_eq!(options.crd_dir, Some(PathBuf::from("/crds")));
        assert_eq!(
            options.without_crds,
            vec!["a.b".to_owned(), "c.d".to_owned()]
        );
    }

    #[test]
    fn bad_arguments_are_reported() {
        assert!(matches!(
            parse(&["--listen"]),
            Err(CliError::MissingValue(_))
        ));
        assert!(matches!(
            parse(&["--listen", "localhost:1"]),
            Err(CliError::BadAddress { .. })
        ));
        assert!(matches!(
            parse(&["--port", "1"]),
            Err(CliError::UnknownArgument(_))
        ));
    }
}
