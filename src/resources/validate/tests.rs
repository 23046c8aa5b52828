use super::*;

fn q(text: &str) -> Quantity {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn quantities_parse_across_suffixes() {
    let cases = [
        ("500m", 500_000_000),
        ("2", 2_000_000_000),
        ("0.5", 500_000_000),
        ("1.5G", 1_500_000_000_000_000_000),
        ("4Gi", 4 * (1 << 30) * 1_000_000_000),
        ("1Ki", 1024 * 1_000_000_000),
        ("1e3", 1000 * 1_000_000_000),
        ("1E", 1_000_000_000_000_000_000 * 1_000_000_000),
        ("100n", 100),
        ("1u", 1000),
        (".5k", 500 * 1_000_000_000),
        ("+3", 3_000_000_000),
        ("-1", -1_000_000_000),
    ];
    for (text, nanos) in cases {
        assert_eq!(q(text).nanos(), nanos, "{text}");
    }
}

#[test]
fn quantities_compare_by_value() {
    assert!(q("500m") < q("1"));
    assert_eq!(q("1000m"), q("1"));
    assert_eq!(q("1Gi"), q("1024Mi"));
    assert!(q("1G") < q("1Gi"));
    assert!(q("1.5Gi") > q("1536M"));
    assert_eq!(q("0.1n"), q("1n"), "finer than a nano-unit rounds up");
}

#[test]
fn malformed_quantities_are_refused() {
    for text in [
        "", "m", "1.2.3", "4GB", "1i", "two", "1 Gi", "1e", "1e+", "1ee3", ".", "--1",
    ] {
        assert!(text.parse::<Quantity>().is_err(), "{text:?} parsed");
    }
    assert_eq!(
        "9".repeat(60).parse::<Quantity>(),
        Err(QuantityError::TooLarge)
    );
    assert_eq!("1e99".parse::<Quantity>(), Err(QuantityError::TooLarge));
    assert!(positive_quantity("0").is_err());
    assert!(positive_quantity("-1").is_err());
    assert!(positive_quantity("1m").is_ok());
}

#[test]
fn quantities_display_in_units() {
    assert_eq!(q("500m").to_string(), "0.5");
    assert_eq!(q("63770m").to_string(), "63.77");
    assert_eq!(q("2").to_string(), "2");
}

#[test]
fn cron_expressions_follow_eventbridge_scheduler() {
    let valid = [
        "cron(0 19 ? * FRI *)",
        "cron(0 6 ? * MON *)",
        "cron(0/15 8-17 ? * MON-FRI *)",
        "cron(0 0 1 * ? *)",
        "cron(0 0 L * ? *)",
        "cron(0 0 15W * ? *)",
        "cron(0 0 ? * 6L *)",
        "cron(0 0 ? * 2#1 2025-2030)",
        "cron(30 5 ? JAN,jul * *)",
        "cron(0 12 ? * * *)",
    ];
    for text in valid {
        assert!(
            schedule_cron(text).is_ok(),
            "{text}: {:?}",
            schedule_cron(text)
        );
    }
    let invalid = [
        "0 19 ? * FRI *",
        "cron(0 19 ? * FRI)",
        "cron(0 19 ? * FRI * *)",
        "cron(60 19 ? * FRI *)",
        "cron(0 24 ? * FRI *)",
        "cron(0 19 * * FRI *)",
        "cron(0 19 ? * ? *)",
        "cron(0 19 32 * ? *)",
        "cron(0 19 ? 13 MON *)",
        "cron(0 19 ? * 8 *)",
        "cron(0 19 ? * FRIDAY *)",
        "cron(0 19 ? * 2#6 *)",
        "cron(? 19 ? * FRI *)",
        "cron(0/0 19 ? * FRI *)",
        "cron(0 17-8 ? * FRI *)",
        "cron(0 19 ? * FRI 1969)",
        "rate(1 day)",
    ];
    for text in invalid {
        let problem = schedule_cron(text).expect_err(text);
        assert_eq!(problem.summary, "Invalid cron expression");
    }
}

#[test]
fn cron_errors_name_the_field() {
    let problem = schedule_cron("cron(0 25 ? * MON *)").unwrap_err();
    assert!(
        problem.detail.contains("hours \"25\""),
        "{}",
        problem.detail
    );
}

#[test]
fn account_ids_are_twelve_digits() {
    assert!(account_id("012345678901").is_ok());
    for bad in [
        "12345678901",
        "1234567890123",
        "12345678901a",
        "",
        "1234-5678-9012",
    ] {
        assert_eq!(
            account_id(bad).unwrap_err().summary,
            "Invalid AWS account ID",
            "{bad}"
        );
    }
    assert!(
        account_id("12345678901")
            .unwrap_err()
            .detail
            .contains("leading zeros")
    );
}

#[test]
fn arns_match_their_kind() {
    let role = arn(IAM_ROLE);
    assert!(role("arn:aws:iam::123456789012:role/ci").is_ok());
    assert!(role("arn:aws-us-gov:iam::123456789012:role/path/to/ci").is_ok());
    assert!(role("arn:aws:iam::123456789012:role/").is_err());
    assert!(role("arn:aws:iam:eu-west-1:123456789012:role/ci").is_err());
    assert!(role("arn:aws:sts::123456789012:role/ci").is_err());
    assert!(role("arn:awsx:iam::123456789012:role/ci").is_err());
    assert!(role("arn:aws:iam::12345:role/ci").is_err());
    let policy = arn(IAM_POLICY);
    assert!(policy("arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy").is_ok());
    assert!(policy("arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy").is_ok());
    assert!(policy("arn:aws:iam::aws:role/x").is_err());
}

#[test]
fn iam_role_names_follow_iam_rules() {
    assert!(iam_role_name("ci+deploy=prod,eu.@-_").is_ok());
    for bad in ["", "has space", "slash/role", &"r".repeat(65), "ümlaut"] {
        assert!(iam_role_name(bad).is_err(), "{bad}");
    }
}

#[test]
fn kubernetes_names_follow_rfc_1123() {
    assert!(dns_label("payments-prod1").is_ok());
    assert!(dns_subdomain("payments.prod-1").is_ok());
    for bad in ["", "-a", "a-", "A", "a_b", &"a".repeat(64)] {
        assert!(dns_label(bad).is_err(), "{bad}");
    }
    assert!(dns_label("a.b").is_err());
    assert!(dns_subdomain("a..b").is_err());
    assert_eq!(
        service_account_name("deploy-*").unwrap_err().summary,
        "Wildcard in service account name"
    );
    assert_eq!(
        service_account_name("deploy?").unwrap_err().summary,
        "Wildcard in service account name"
    );
    assert!(annotation_key("k8s.gitlab.runner/capacity-type").is_ok());
    assert!(annotation_key("simple_Key.1").is_ok());
    assert!(annotation_key("Bad_Prefix/key").is_err());
    assert!(annotation_key("prefix/").is_err());
}

fn with_resource(mut statement: serde_json::Value) -> serde_json::Value {
    statement["Resource"] = "*".into();
    statement
}

/// A policy with the given statements, as JSON text.
fn policy(statements: serde_json::Value) -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

#[test]
fn iam_policies_are_checked_statement_by_statement() {
    use serde_json::json;
    let read = json!({
        "Sid": "Read", "Effect": "Allow",
        "Action": ["s3:Get*", "s3:List?ucket"], "Resource": "arn:aws:s3:::b/*"
    });
    let deny = json!({
        "Effect": "Deny", "NotAction": "iam:*", "NotResource": ["*"],
        "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    });
    assert_eq!(iam_policy(&policy(json!([read, deny]))), Ok(()));
    let all = json!({"Effect": "Allow", "Action": "*", "Resource": "*"});
    assert_eq!(
        iam_policy(&policy(all.clone())),
        Ok(()),
        "a single statement object"
    );
    let with = |key: &str, value: serde_json::Value| {
        let mut statement = all.clone();
        statement[key] = value;
        policy(json!([statement]))
    };
    let without = |key: &str| {
        let mut statement = all.clone();
        statement.as_object_mut().unwrap().remove(key);
        policy(json!([statement]))
    };
    let sid = |sid: &str, effect: &str| {
        let statement = json!({"Sid": sid, "Effect": effect, "Action": "*"});
        with_resource(statement)
    };
    let bad = [
        ("[]".to_string(), "must be a JSON object"),
        ("{".to_string(), "not valid JSON"),
        (
            json!({"Statement": [all]}).to_string(),
            "Version is missing",
        ),
        (
            json!({"Version": "2012-10-18", "Statement": [all]}).to_string(),
            "Version \"2012-10-18\"",
        ),
        (
            json!({"Version": "2012-10-17"}).to_string(),
            "Statement is missing",
        ),
        (policy(json!([])), "Statement is empty"),
        (without("Effect"), "Effect is missing"),
        (
            with("Effect", json!("allow")),
            "Effect \"allow\" must be Allow or Deny",
        ),
        (without("Action"), "exactly one of Action and NotAction"),
        (
            with("NotAction", json!("s3:*")),
            "exactly one of Action and NotAction",
        ),
        (
            without("Resource"),
            "exactly one of Resource and NotResource",
        ),
        (
            with("Action", json!("s3 Get")),
            "Action \"s3 Get\" is not valid",
        ),
        (
            with("Resource", json!("bucket")),
            "Resource \"bucket\" is not valid",
        ),
        (with("Action", json!([])), "string or a list of strings"),
        (with("Principal", json!("*")), "Principal"),
        (with("Condition", json!("x")), "Condition must map"),
        (with("Sid", json!("has space")), "Sid must be"),
        (with("Extra", json!(1)), "unknown key \"Extra\""),
        (
            policy(json!([sid("A", "Allow"), sid("A", "Deny")])),
            "more than one statement",
        ),
    ];
    for (text, expected) in bad {
        let problem = iam_policy(&text).expect_err(&text);
        assert_eq!(problem.summary, "Invalid IAM policy");
        assert!(
            problem.detail.contains(expected),
            "{text}: {}",
            problem.detail
        );
    }
}

#[test]
fn policy_size_ignores_whitespace() {
    let document: serde_json::Value = serde_json::from_str("{ \"a\" : [ 1 , 2 ] }").unwrap();
    assert_eq!(minified_len(&document), "{\"a\":[1,2]}".len());
}

#[test]
fn durations_follow_go_and_karpenter() {
    use std::time::Duration;
    assert_eq!(parse_go_duration("1h30m"), Some(Duration::from_secs(5400)));
    assert_eq!(parse_go_duration("1.5h"), Some(Duration::from_secs(5400)));
    assert_eq!(parse_go_duration("90s"), Some(Duration::from_secs(90)));
    assert_eq!(parse_go_duration("500ms"), Some(Duration::from_millis(500)));
    assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
    for bad in ["", "30", "m", "1d", "1h 30m", "-5m", "1..5h"] {
        assert_eq!(parse_go_duration(bad), None, "{bad}");
    }
    assert!(go_duration("0s").is_err());
    assert_eq!(
        parse_go_duration("99999999999999999999999h"),
        None,
        "too long, not a panic"
    );
    assert_eq!(parse_go_duration(&format!("{}s", "9".repeat(400))), None);
    for good in ["30s", "5m", "720h", "1h30m", "Never"] {
        assert!(karpenter_duration(good).is_ok(), "{good}");
    }
    for bad in ["5ms", "1.5h", "never", "m5", "", "30d"] {
        assert!(karpenter_duration(bad).is_err(), "{bad}");
    }
}

#[test]
fn urls_need_a_scheme_and_a_host() {
    assert!(http_url("http://127.0.0.1:5000").is_ok());
    assert!(http_url("https://gitlab.example.com/sub/path?x=1#y").is_ok());
    assert!(http_url("https://[::1]:8443").is_ok());
    for bad in [
        "gitlab.example.com",
        "https://",
        "https://exa mple.com",
        "ftp://x.y",
        "https://host:99999",
        "https://-bad-.com",
        "https://user:pw@host",
    ] {
        assert_eq!(http_url(bad).unwrap_err().summary, "Invalid URL", "{bad}");
    }
    let url = parse_url("https://h.example:8443/a/b?q#f").unwrap();
    assert_eq!(
        (url.host, url.port, url.path, url.query, url.fragment),
        ("h.example", Some(8443), "/a/b", Some("q"), Some("f"))
    );
    assert!(https_url("http://x.y").is_err());
}

#[test]
fn cidr_blocks_have_no_host_bits() {
    for good in [
        "10.0.0.0/8",
        "0.0.0.0/0",
        "203.0.113.7/32",
        "2001:db8::/32",
        "::/0",
    ] {
        assert!(cidr_block(good).is_ok(), "{good}");
    }
    for bad in [
        "10.0.0.0",
        "10.0.0.0/33",
        "10.0.0/8",
        "10.0.0.0/x",
        "2001:db8::/129",
        "10.0.0.0/+8",
    ] {
        assert!(cidr_block(bad).is_err(), "{bad}");
    }
    let problem = cidr_block("10.1.2.3/16").unwrap_err();
    assert!(
        problem.detail.contains("\"10.1.0.0/16\""),
        "{}",
        problem.detail
    );
}

#[test]
fn instance_types_are_family_dot_size() {
    for good in [
        "c6i.2xlarge",
        "m5.large",
        "u-6tb1.112xlarge",
        "m7i-flex.large",
        "m7i.metal-24xl",
        "mac1.metal",
        "t3.nano",
    ] {
        assert!(instance_type(good).is_ok(), "{good}");
    }
    for bad in [
        "c6i",
        "c6i.",
        ".large",
        "C6I.large",
        "c6i.huge",
        "c.large",
        "c6i.2xlarge.x",
        "c6i..large",
    ] {
        assert!(instance_type(bad).is_err(), "{bad}");
    }
}

#[test]
fn time_zones_come_from_the_iana_list() {
    for good in [
        "UTC",
        "Europe/Berlin",
        "America/New_York",
        "America/Argentina/Buenos_Aires",
        "Etc/GMT+2",
    ] {
        assert!(time_zone(good).is_ok(), "{good}");
    }
    for bad in ["", "Europe/Berln", "CEST", "europe/berlin", "# IANA"] {
        assert!(time_zone(bad).is_err(), "{bad}");
    }
    assert!(
        time_zone("europe/berlin")
            .unwrap_err()
            .detail
            .contains("\"Europe/Berlin\"")
    );
}

#[test]
fn regions_and_zones_have_aws_shapes() {
    for good in ["eu-west-1", "us-gov-west-1", "ap-southeast-3", "cn-north-1"] {
        assert!(aws_region(good).is_ok(), "{good}");
    }
    for bad in ["eu-west", "euwest1", "EU-WEST-1", "e-west-1", "eu-west-1a"] {
        assert!(aws_region(bad).is_err(), "{bad}");
    }
    assert!(availability_zone("eu-west-1a").is_ok());
    assert!(availability_zone("eu-west-1").is_err());
}

#[test]
fn tags_follow_aws_rules() {
    assert!(tag_key("cost-center:team/x=y+z@w_ .").is_ok());
    assert!(tag_key("aws:owner").is_err());
    assert!(tag_key("AWS:owner").is_err());
    assert!(tag_key("").is_err());
    assert!(tag_value("").is_ok());
    assert!(tag_value("a;b").is_err());
}
