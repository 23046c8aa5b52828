//! EKS tokens: how the provider authenticates to an EKS cluster from its
//! AWS credentials alone, as `aws eks get-token` does.
//!
//! A **token** is `k8s-aws-v1.` followed by the unpadded base64url of a
//! presigned STS `GetCallerIdentity` URL. The signature covers the header
//! `x-k8s-aws-id: <cluster name>`, so a token is good for one cluster only.
//! EKS (aws-iam-authenticator) calls the URL and maps the identity STS
//! returns to Kubernetes users. The URL is presigned for 60 seconds, the
//! time EKS has to use it; EKS accepts the token for 15 minutes after its
//! `X-Amz-Date`, and clients renew after 14.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningParams, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::KubeError;

/// The prefix of every EKS token, naming its format version.
pub const TOKEN_PREFIX: &str = "k8s-aws-v1.";
/// The signed header naming the cluster the token is for.
const CLUSTER_HEADER: &str = "x-k8s-aws-id";
/// How long the presigned URL is valid, as `aws eks get-token` signs it.
const URL_EXPIRY: std::time::Duration = std::time::Duration::from_secs(60);
const QUERY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
const SECURITY_TOKEN: &str = "X-Amz-Security-Token";
const SIGNATURE: &str = "X-Amz-Signature";

/// A bearer token for the EKS cluster `cluster_name` in `region`, signed
/// with `credentials` at `now`.
///
/// The token is a credential: never log it.
pub fn eks_token(
    cluster_name: &str,
    region: &str,
    credentials: &Credentials,
    now: SystemTime,
) -> Result<String, KubeError> {
    let url = presigned_url(cluster_name, region, credentials, now)?;
    Ok(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(url)))
}

/// The presigned `GetCallerIdentity` URL on the regional STS endpoint.
fn presigned_url(
    cluster_name: &str,
    region: &str,
    credentials: &Credentials,
    now: SystemTime,
) -> Result<String, KubeError> {
    let base = format!("https://{}/?{QUERY}", sts_host(region));
    let headers = [
        ("host", sts_host(region)),
        (CLUSTER_HEADER, cluster_name.to_string()),
    ];
    let headers = headers.iter().map(|(name, value)| (*name, value.as_str()));
    let invalid = |error: &dyn std::fmt::Display| KubeError::Token {
        cluster: cluster_name.to_string(),
        reason: error.to_string(),
    };
    let request = SignableRequest::new("GET", base.as_str(), headers, SignableBody::Bytes(&[]))
        .map_err(|error| invalid(&error))?;

    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(now)
        .settings(presign_settings())
        .build()
        .map_err(|error| invalid(&error))?;
    let signed = sign(request, &SigningParams::from(params)).map_err(|error| invalid(&error))?;

    let (_, query) = signed.into_parts().0.into_parts();
    Ok(with_query(base, &query))
}

fn presign_settings() -> SigningSettings {
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(URL_EXPIRY);
    settings
}

/// `base` with the signing parameters appended in the order botocore
/// writes them (the security token before the signature), so that a token
/// equals the one `aws eks get-token` makes for the same inputs.
fn with_query(mut base: String, params: &[(&str, std::borrow::Cow<'_, str>)]) -> String {
    let last = |name: &str| match name {
        SIGNATURE => 2,
        SECURITY_TOKEN => 1,
        _ => 0,
    };
    let mut params: Vec<_> = params.iter().collect();
    params.sort_by_key(|(name, _)| last(name));
    for (name, value) in params {
        base.push_str(&format!("&{name}={}", uri_encode(value)));
    }
    base
}

/// STS's regional endpoint, which aws-iam-authenticator accepts.
fn sts_host(region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("sts.{region}.{suffix}")
}

/// Percent-encoding as SigV4 defines it: all but `A-Za-z0-9-_.~`.
fn uri_encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                encoded.push(char::from(byte));
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    // Expected tokens come from botocore 1.44 signing as `aws eks get-token`
    // does, with the clock fixed: see testdata/eks_token_vector.py.
    const WITH_SESSION_TOKEN: &str = "k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lBSU9TRk9ETk43RVhBTVBMRSUyRjIwMjQwNTAxJTJGZXUtd2VzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNDA1MDFUMTIzMDAwWiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TZWN1cml0eS1Ub2tlbj1Gd29HWlhJdllYZHpFQllhREV4QW1QbEUlMkJ0b2tlbiUyRndpdGglM0RjaGFycyZYLUFtei1TaWduYXR1cmU9YTVkNzI3MTk0ZTE1MDc4Yjk1MGEwZTNkZjUxNjJmZDVkYTExYzI5YWUwNWIyNDdlZDU2NmEyNjY3MDZkNmY0NA";
    const WITHOUT_SESSION_TOKEN: &str = "k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lBSU9TRk9ETk43RVhBTVBMRSUyRjIwMjQwNTAxJTJGZXUtd2VzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNDA1MDFUMTIzMDAwWiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9YzRiZjIzMGE4NDQ1N2U5ZTQwNWQ4MTliYWM0OTNmMzQ2N2Y3MzU2NzAxOWM2ODVjZTFmZjYwNDFjMTRhYjk5Mw";

    /// 2024-05-01T12:30:00Z.
    fn fixed_time() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_714_566_600)
    }

    fn credentials(session_token: Option<&str>) -> Credentials {
        Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            session_token.map(str::to_string),
            None,
            "test",
        )
    }

    #[test]
    fn tokens_match_aws_eks_get_token_for_fixed_inputs() {
        let session_token = "FwoGZXIvYXdzEBYaDExAmPlE+token/with=chars";
        let cases = [
            (Some(session_token), WITH_SESSION_TOKEN),
            (None, WITHOUT_SESSION_TOKEN),
        ];
        for (session_token, expected) in cases {
            let credentials = credentials(session_token);
            let token = eks_token("ci-main", "eu-west-1", &credentials, fixed_time()).unwrap();
            assert_eq!(token, expected, "session token {session_token:?}");
        }
    }

    #[test]
    fn the_url_signs_the_cluster_header_and_expires_in_sixty_seconds() {
        let url = presigned_url("ci-main", "eu-west-1", &credentials(None), fixed_time());
        let url = url.unwrap();
        assert!(url.starts_with("https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&"));
        assert!(url.contains("&X-Amz-Expires=60&"), "{url}");
        assert!(
            url.contains("&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&"),
            "{url}"
        );
    }

    #[test]
    fn china_regions_use_their_partitions_sts_host() {
        assert_eq!(sts_host("cn-north-1"), "sts.cn-north-1.amazonaws.com.cn");
        assert_eq!(sts_host("us-gov-west-1"), "sts.us-gov-west-1.amazonaws.com");
    }

    #[test]
    fn a_region_that_breaks_the_url_is_an_error_not_a_panic() {
        let error = eks_token("ci-main", "eu west", &credentials(None), fixed_time());
        let error = error.unwrap_err().to_string();
        assert!(error.contains("cluster ci-main"), "{error}");
    }
}
