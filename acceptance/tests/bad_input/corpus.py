"""The bad-input corpus: invalid configurations and the diagnostic each gets.

Every case is a minimal configuration that is valid except for one thing
(rarely two, for conflicts), built from a valid baseline per resource and
for the provider block. Each names:

- the Terraform error summary it must produce, or a distinctive substring;
- the offending source line Terraform quotes, which it prints only when the
  diagnostic carries the attribute path.

Attributes are rendered as ``key = value`` with a single space either side
of ``=``, so the quoted line of an override is exactly ``key = value``.
Dotted keys (``node_pool.weight``) set an attribute of a nested block; for
``ci_warm_pool`` ``group.`` means the first ``group`` block.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The value that removes a baseline attribute.
DROP = object()

UNREACHABLE = "http://127.0.0.1:1"

BASELINES: dict[str, dict] = {
    "cluster": {
        "name": '"ci"',
        "subnet_ids": '["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]',
    },
    "runner_pool": {
        "cluster_name": '"ci"',
        "group": '"payments"',
        "gitlab_url": '"https://gitlab.example.com"',
        "runner_token": '"glrt-0123456789abcdef"',
    },
    "account_access": {
        "cluster_name": '"ci"',
        "account_id": '"111111111111"',
        "oidc_issuer_url": '"https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"',
        "namespace": '"ci-payments"',
        "service_account": '"deploy"',
    },
    "warm_pool": {
        "cluster_name": '"ci"',
        "runner_pool": '"payments"',
        "node_role_arn": '"arn:aws:iam::123456789012:role/node"',
        "subnet_ids": '["subnet-0123456789abcdef0"]',
        "group": {
            "name": '"small"',
            "instance_types": '["c6i.large"]',
            "desired_size": "2",
            "max_size": "4",
        },
    },
    # The provider block, plus one resource so that Terraform plans it.
    "provider": {
        "region": '"eu-west-1"',
        "endpoints": {
            service: f'"{UNREACHABLE}"'
            for service in ("iam", "sts", "eks", "sqs", "events", "scheduler")
        },
        "kubernetes": {"host": f'"{UNREACHABLE}"'},
    },
}


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    overrides: dict
    summary: str
    #: The quoted source line; by default ``key = value`` of the last override.
    line: str | None = None
    #: Raw HCL appended inside the resource (or provider) block.
    extra: str = ""
    source_line: str = field(init=False)

    def __post_init__(self):
        if self.line is not None:
            quoted = self.line
        else:
            key, value = list(self.overrides.items())[-1]
            quoted = f"{key.rsplit('.', 1)[-1]} = {value}"
        object.__setattr__(self, "source_line", quoted)

    @property
    def command(self) -> str:
        return "plan" if self.kind == "provider" else "validate"

    def hcl(self) -> str:
        body = _merge(BASELINES[self.kind], self.overrides)
        if self.kind == "provider":
            return (
                _block('provider "ci"', body, self.extra)
                + _block('resource "ci_account_access" "a"', BASELINES["account_access"])
            )
        return _block(f'resource "ci_{self.kind}" "t"', body, self.extra)


def valid_hcl(kind: str) -> str:
    """The baseline of ``kind``, which must be accepted."""
    return Case("baseline", kind, {}, "", line="").hcl()


def _merge(base: dict, overrides: dict) -> dict:
    merged = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for key, value in overrides.items():
        *path, name = key.split(".")
        target = merged
        for part in path:
            target = target.setdefault(part, {})
        if value is DROP:
            target.pop(name, None)
        else:
            target[name] = value
    return merged


def _block(header: str, body: dict, extra: str = "", indent: str = "") -> str:
    lines = [f"{indent}{header} {{"]
    for key, value in body.items():
        if isinstance(value, dict):
            lines.append(_block(key, value, indent=indent + "  ").rstrip("\n"))
        else:
            lines.append(f"{indent}  {key} = {value}")
    if extra:
        lines.extend(f"{indent}  {line}" for line in extra.strip("\n").splitlines())
    lines.append(f"{indent}}}")
    return "\n".join(lines) + "\n"


C = Case

CASES: list[Case] = [
    # -- ci_cluster --------------------------------------------------------
    C("cluster-name_with_space", "cluster", {"name": '"ci central"'}, "Invalid EKS name"),
    C("cluster-name_too_long", "cluster", {"name": '"' + "c" * 101 + '"'}, "Invalid EKS name"),
    C("cluster-name_wrong_type", "cluster", {"name": '["ci"]'}, "Incorrect attribute value type"),
    C("cluster-subnet_malformed", "cluster", {"subnet_ids": '["subnet-xyz", "subnet-0123456789abcdef1"]'}, "Invalid subnet ID"),
    C("cluster-subnet_duplicate", "cluster", {"subnet_ids": '["subnet-0123456789abcdef0", "subnet-0123456789abcdef0"]'}, "Duplicate subnet ID"),
    C("cluster-subnet_ids_not_a_list", "cluster", {"subnet_ids": "42"}, "Incorrect attribute value type"),
    C("cluster-kubernetes_version_patch", "cluster", {"kubernetes_version": '"1.31.2"'}, "Invalid Kubernetes version"),
    C("cluster-security_group_malformed", "cluster", {"security_group_ids": '["sg-nothex!"]'}, "Invalid security group ID"),
    C("cluster-security_groups_too_many", "cluster", {"security_group_ids": "[" + ", ".join(f'"sg-0123456789abcdef{i}"' for i in range(6)) + "]"}, "Too many security groups"),
    C("cluster-cidr_malformed", "cluster", {"endpoint_public_access": "true", "public_access_cidrs": '["10.0.0.0/33"]'}, "Invalid CIDR block"),
    C("cluster-cidr_not_an_address", "cluster", {"endpoint_public_access": "true", "public_access_cidrs": '["everyone"]'}, "Invalid CIDR block"),
    C("cluster-cidrs_without_public_access", "cluster", {"public_access_cidrs": '["10.0.0.0/8"]'}, "Public access CIDRs without a public endpoint"),
    C("cluster-log_type_unknown", "cluster", {"enabled_log_types": '["api", "everything"]'}, "Invalid log type"),
    C("cluster-authentication_mode_unknown", "cluster", {"authentication_mode": '"IAM"'}, "Invalid authentication mode"),
    C("cluster-tag_aws_prefix", "cluster", {"tags": '{ "aws:owner" = "me" }'}, "Invalid tag"),
    C("cluster-node_role_name_bad_chars", "cluster", {"node_role_name": '"node role!"'}, "Invalid IAM role name"),
    C("cluster-queue_name_bad_chars", "cluster", {"interruption_queue_name": '"queue/with/slashes"'}, "Invalid SQS queue name"),
    C("cluster-karpenter_namespace_uppercase", "cluster", {"karpenter.namespace": '"Kube-System"'}, "Invalid Kubernetes name"),
    C("cluster-karpenter_service_account_wildcard", "cluster", {"karpenter.service_account": '"karpenter-*"'}, "Wildcard in service account name"),
    C("cluster-ami_alias_no_version", "cluster", {"node_class.ami_alias": '"al2023"'}, "Invalid AMI alias"),
    C("cluster-volume_size_no_unit", "cluster", {"node_class.volume_size": '"lots"'}, "Invalid volume size"),
    C("cluster-volume_type_unknown", "cluster", {"node_class.volume_type": '"ssd"'}, "Invalid volume type"),
    C("cluster-annotation_key_malformed", "cluster", {"job_policies.gpu_annotation": '"not a key!"'}, "Invalid annotation key"),
    C("cluster-annotation_keys_duplicate", "cluster", {"job_policies.gpu_annotation": '"example.com/x"', "job_policies.instance_type_annotation": '"example.com/x"'}, "Duplicate annotation key"),
    C("cluster-timeout_create_malformed", "cluster", {"timeouts.create": '"thirty minutes"'}, "Invalid duration"),
    C("cluster-timeout_delete_negative", "cluster", {"timeouts.delete": '"-5m"'}, "Invalid duration"),
    C("cluster-job_policy_wrong_type", "cluster", {"job_policies.zone_spread": '"sometimes"'}, "Incorrect attribute value type"),
    C("cluster-subnet_ids_empty", "cluster", {"subnet_ids": "[]"}, "Too few subnets"),
    C("cluster-node_class_tag_aws_prefix", "cluster", {"node_class.tags": '{ "aws:x" = "y" }'}, "Invalid tag"),
    C("cluster-discovery_tag_malformed", "cluster", {"node_class.discovery_tag": '"bad key!"'}, "Invalid tag"),
    C("cluster-timeout_zero", "cluster", {"timeouts.create": '"0s"'}, "Invalid duration"),
    C("cluster-tag_empty_key", "cluster", {"tags": '{ "" = "x" }'}, "Invalid tag"),
    C("cluster-cidr_host_bits", "cluster", {"endpoint_public_access": "true", "public_access_cidrs": '["10.0.0.1/8"]'}, "Invalid CIDR block"),
    # -- ci_runner_pool ----------------------------------------------------
    C("runner_pool-group_uppercase", "runner_pool", {"group": '"Payments"'}, "Invalid Kubernetes name"),
    C("runner_pool-group_too_long", "runner_pool", {"group": '"' + "g" * 64 + '"'}, "Invalid Kubernetes name"),
    C("runner_pool-namespace_underscore", "runner_pool", {"namespace": '"ci_payments"'}, "Invalid Kubernetes name"),
    C("runner_pool-gitlab_url_not_a_url", "runner_pool", {"gitlab_url": '"gitlab.example.com"'}, "Invalid URL"),
    C("runner_pool-gitlab_url_ftp", "runner_pool", {"gitlab_url": '"ftp://gitlab.example.com"'}, "Invalid URL"),
    C("runner_pool-both_runner_tokens", "runner_pool", {"runner_token_wo": '"glrt-abc"'}, "Conflicting runner tokens"),
    C("runner_pool-no_runner_token", "runner_pool", {"runner_token": DROP}, "Missing runner token", line='resource "ci_runner_pool" "t" {'),
    C("runner_pool-concurrent_zero", "runner_pool", {"concurrent": "0"}, "Invalid concurrent"),
    C("runner_pool-concurrent_too_high", "runner_pool", {"concurrent": "1001"}, "Invalid concurrent"),
    C("runner_pool-concurrent_wrong_type", "runner_pool", {"concurrent": '"many"'}, "Incorrect attribute value type"),
    C("runner_pool-poll_timeout_too_high", "runner_pool", {"poll_timeout": "3601"}, "Invalid poll_timeout"),
    C("runner_pool-runner_image_malformed", "runner_pool", {"runner_image": '"not an image"'}, "Invalid image"),
    C("runner_pool-label_bad_key", "runner_pool", {"labels": '{ "bad key!" = "x" }'}, "Invalid label"),
    C("runner_pool-service_account_wildcard", "runner_pool", {"allowed_service_accounts": '["deploy-*"]'}, "Wildcard in service account name"),
    C("runner_pool-service_account_duplicate", "runner_pool", {"allowed_service_accounts": '["deploy", "deploy"]'}, "Duplicate service account"),
    C("runner_pool-annotation_key_unknown_purpose", "runner_pool", {"annotation_keys": '{ colour = "example.com/colour" }'}, "Invalid annotation purpose"),
    C("runner_pool-annotation_key_malformed", "runner_pool", {"annotation_keys": '{ gpu = "not a key!" }'}, "Invalid annotation key"),
    C("runner_pool-cpu_request_malformed", "runner_pool", {"job_defaults.cpu_request": '"half a core"'}, "Invalid Kubernetes quantity"),
    C("runner_pool-memory_limit_bad_suffix", "runner_pool", {"job_defaults.memory_limit": '"4GB"'}, "Invalid Kubernetes quantity"),
    C("runner_pool-maximum_memory_negative", "runner_pool", {"job_maximums.memory_request": '"-1Gi"'}, "Invalid Kubernetes quantity"),
    C("runner_pool-instance_family_malformed", "runner_pool", {"node_pool.instance_families": '["c6i.large"]'}, "Invalid instance family"),
    C("runner_pool-excluded_size_malformed", "runner_pool", {"node_pool.excluded_sizes": '["huge!"]'}, "Invalid instance size"),
    C("runner_pool-architecture_unknown", "runner_pool", {"node_pool.architectures": '["x86"]'}, "Invalid architecture"),
    C("runner_pool-capacity_type_unknown", "runner_pool", {"node_pool.capacity_types": '["cheap"]'}, "Invalid capacity type"),
    C("runner_pool-capacity_type_duplicate", "runner_pool", {"node_pool.capacity_types": '["spot", "spot"]'}, "Duplicate capacity type"),
    C("runner_pool-zone_malformed", "runner_pool", {"node_pool.zones": '["europe-1"]'}, "Invalid availability zone"),
    C("runner_pool-node_pool_cpu_limit_malformed", "runner_pool", {"node_pool.cpu_limit": '"lots"'}, "Invalid Kubernetes quantity"),
    C("runner_pool-consolidate_after_malformed", "runner_pool", {"node_pool.consolidate_after": '"soon"'}, "Invalid duration"),
    C("runner_pool-expire_after_malformed", "runner_pool", {"node_pool.expire_after": '"30 days"'}, "Invalid duration"),
    C("runner_pool-disruption_budget_over_100_percent", "runner_pool", {"node_pool.disruption_budget": '"150%"'}, "Invalid disruption budget"),
    C("runner_pool-weight_too_high", "runner_pool", {"node_pool.weight": "101"}, "Invalid weight"),
    C("runner_pool-node_class_uppercase", "runner_pool", {"node_pool.node_class": '"Default"'}, "Invalid Kubernetes name"),
    C("runner_pool-cluster_name_bad_chars", "runner_pool", {"cluster_name": '"ci central"'}, "Invalid EKS name"),
    C("runner_pool-token_version_without_wo", "runner_pool", {"runner_token_wo_version": "2"}, "runner_token_wo_version without runner_token_wo"),
    C("runner_pool-allow_gpu_without_gpu_nodes", "runner_pool", {"allow_gpu": "true"}, "GPU jobs without GPU nodes"),
    C("runner_pool-allow_spot_without_spot", "runner_pool", {"allow_spot": "true", "node_pool.capacity_types": '["on-demand"]'}, "Spot not allowed by the NodePool"),
    C("runner_pool-poll_timeout_zero", "runner_pool", {"poll_timeout": "0"}, "Invalid poll_timeout"),
    C("runner_pool-disruption_budget_word", "runner_pool", {"node_pool.disruption_budget": '"ten"'}, "Invalid disruption budget"),
    C("runner_pool-label_bad_value", "runner_pool", {"labels": '{ team = "not a value!" }'}, "Invalid label"),
    C("runner_pool-request_above_maximum", "runner_pool", {"job_maximums.cpu_request": '"1"', "job_defaults.cpu_request": '"2"'}, "Job default above maximum"),
    C("runner_pool-empty_token", "runner_pool", {"runner_token": '""'}, "Empty runner token"),
    C("runner_pool-gitlab_url_with_space", "runner_pool", {"gitlab_url": '"https://git lab.example.com"'}, "Invalid URL"),
    C("runner_pool-zone_duplicate", "runner_pool", {"node_pool.zones": '["eu-west-1a", "eu-west-1a"]'}, "Duplicate zone"),
    C("runner_pool-weight_negative", "runner_pool", {"node_pool.weight": "-1"}, "Invalid weight"),
    C("runner_pool-memory_request_above_limit", "runner_pool", {"job_defaults.memory_limit": '"1Gi"', "job_defaults.memory_request": '"4Gi"'}, "Request above limit"),
    # -- ci_account_access -------------------------------------------------
    C("account_access-account_id_short", "account_access", {"account_id": '"12345"'}, "Invalid AWS account ID"),
    C("account_access-account_id_letters", "account_access", {"account_id": '"12345678901a"'}, "Invalid AWS account ID"),
    C("account_access-account_id_number", "account_access", {"account_id": "1.5"}, "Invalid AWS account ID"),
    C("account_access-oidc_issuer_http", "account_access", {"oidc_issuer_url": '"http://oidc.eks.eu-west-1.amazonaws.com/id/ABC"'}, "Invalid URL"),
    C("account_access-oidc_issuer_not_a_url", "account_access", {"oidc_issuer_url": '"oidc"'}, "Invalid URL"),
    C("account_access-namespace_uppercase", "account_access", {"namespace": '"Payments"'}, "Invalid Kubernetes name"),
    C("account_access-service_account_wildcard", "account_access", {"service_account": '"*"'}, "Wildcard in service account name"),
    C("account_access-service_account_glob", "account_access", {"service_account": '"deploy-?"'}, "Wildcard in service account name"),
    C("account_access-target_role_without_account", "account_access", {"account_id": DROP, "target_role_name": '"admin"'}, "target_role_name without account_id"),
    C("account_access-role_name_too_long", "account_access", {"role_name": '"' + "r" * 65 + '"'}, "Invalid IAM role name"),
    C("account_access-policy_arn_malformed", "account_access", {"policy_arns": '["ReadOnlyAccess"]'}, "Invalid ARN"),
    C("account_access-policy_arn_not_iam", "account_access", {"policy_arns": '["arn:aws:s3:::bucket"]'}, "Invalid ARN"),
    C("account_access-policy_arn_duplicate", "account_access", {"policy_arns": '["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"]'}, "Duplicate policy ARN"),
    C("account_access-policy_arns_too_many", "account_access", {"policy_arns": "[" + ", ".join(f'"arn:aws:iam::aws:policy/P{i}"' for i in range(21)) + "]"}, "Too many policies"),
    C("account_access-inline_policy_not_json", "account_access", {"inline_policy": '"{not json"'}, "Invalid IAM policy"),
    C("account_access-inline_policy_no_statement", "account_access", {"inline_policy": 'jsonencode({ Version = "2012-10-17" })'}, "Invalid IAM policy"),
    C("account_access-inline_policy_bad_effect", "account_access", {"inline_policy": 'jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Maybe", Action = "s3:*", Resource = "*" }] })'}, "Invalid IAM policy"),
    C("account_access-session_too_short", "account_access", {"max_session_duration": "600"}, "Invalid max_session_duration"),
    C("account_access-session_too_long", "account_access", {"max_session_duration": "43201"}, "Invalid max_session_duration"),
    C("account_access-boundary_malformed", "account_access", {"permissions_boundary": '"arn:aws:iam::123:policy/x"'}, "Invalid ARN"),
    C("account_access-tag_aws_prefix", "account_access", {"tags": '{ "aws:cloudformation" = "x" }'}, "Invalid tag"),
    C("account_access-cluster_name_bad_chars", "account_access", {"cluster_name": '"ci central"'}, "Invalid EKS name"),
    C("account_access-oidc_issuer_not_eks", "account_access", {"oidc_issuer_url": '"https://example.com/"'}, "Invalid OIDC issuer URL"),
    C("account_access-oidc_issuer_query", "account_access", {"oidc_issuer_url": '"https://oidc.eks.eu-west-1.amazonaws.com/id/ABC?x=1"'}, "Invalid OIDC issuer URL"),
    C("account_access-role_name_bad_chars", "account_access", {"role_name": '"role name"'}, "Invalid IAM role name"),
    C("account_access-inline_policy_array", "account_access", {"inline_policy": '"[]"'}, "Invalid IAM policy"),
    C("account_access-account_id_too_long", "account_access", {"account_id": '"1234567890123"'}, "Invalid AWS account ID"),
    C("account_access-inline_policy_principal", "account_access", {"inline_policy": 'jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:*", Resource = "*" }] })'}, "Invalid IAM policy"),
    C("account_access-inline_policy_bad_version", "account_access", {"inline_policy": 'jsonencode({ Version = "2099-01-01", Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })'}, "Invalid IAM policy"),
    # -- ci_warm_pool ------------------------------------------------------
    C("warm_pool-runner_pool_uppercase", "warm_pool", {"runner_pool": '"Payments"'}, "Invalid Kubernetes name"),
    C("warm_pool-node_role_arn_malformed", "warm_pool", {"node_role_arn": '"node"'}, "Invalid ARN"),
    C("warm_pool-node_role_arn_not_a_role", "warm_pool", {"node_role_arn": '"arn:aws:iam::123456789012:user/node"'}, "Invalid ARN"),
    C("warm_pool-subnet_malformed", "warm_pool", {"subnet_ids": '["subnet-"]'}, "Invalid subnet ID"),
    C("warm_pool-node_group_name_too_long", "warm_pool", {"group.name": '"' + "a" * 60 + '"'}, "Node group name too long"),
    C("warm_pool-desired_above_max", "warm_pool", {"group.desired_size": "5", "group.max_size": "2"}, "Desired size out of range", line="desired_size = 5"),
    C("warm_pool-min_above_desired", "warm_pool", {"group.min_size": "3"}, "Desired size out of range", line="desired_size = 2"),
    C("warm_pool-max_zero", "warm_pool", {"group.desired_size": "0", "group.max_size": "0"}, "Invalid max_size"),
    C("warm_pool-desired_negative", "warm_pool", {"group.desired_size": "-1"}, "Invalid desired_size"),
    C("warm_pool-desired_fraction", "warm_pool", {"group.desired_size": "1.5"}, "Invalid desired_size"),
    C("warm_pool-group_name_bad_chars", "warm_pool", {"group.name": '"small group!"'}, "Invalid EKS name"),
    C("warm_pool-instance_type_malformed", "warm_pool", {"group.instance_types": '["c6i"]'}, "Invalid instance type"),
    C("warm_pool-instance_type_duplicate", "warm_pool", {"group.instance_types": '["c6i.large", "c6i.large"]'}, "Duplicate instance type"),
    C("warm_pool-capacity_type_lowercase", "warm_pool", {"group.capacity_type": '"spot"'}, "Invalid capacity type"),
    C("warm_pool-ami_type_unknown", "warm_pool", {"group.ami_type": '"UBUNTU"'}, "Invalid AMI type"),
    C("warm_pool-disk_size_zero", "warm_pool", {"group.disk_size": "0"}, "Invalid disk_size"),
    C(
        "warm_pool-group_name_duplicate", "warm_pool", {}, "Duplicate group name",
        line='name = "small"',
        extra='group {\n  name = "small"\n  instance_types = ["c6i.xlarge"]\n  desired_size = 1\n  max_size = 2\n}',
    ),
    C("warm_pool-cron_five_fields", "warm_pool", {"schedule.scale_down": '"cron(0 19 * * 5)"'}, "Invalid cron expression"),
    C("warm_pool-cron_not_cron", "warm_pool", {"schedule.scale_up": '"every monday"'}, "Invalid cron expression"),
    C("warm_pool-cron_hour_out_of_range", "warm_pool", {"schedule.scale_up": '"cron(0 25 ? * MON *)"'}, "Invalid cron expression"),
    C("warm_pool-cron_both_days", "warm_pool", {"schedule.scale_down": '"cron(0 19 1 * FRI *)"'}, "Invalid cron expression"),
    C("warm_pool-time_zone_unknown", "warm_pool", {"schedule.time_zone": '"Europe/Atlantis"'}, "Unknown time zone"),
    C("warm_pool-time_zone_offset", "warm_pool", {"schedule.time_zone": '"+02:00"'}, "Unknown time zone"),
    C("warm_pool-schedule_enabled_wrong_type", "warm_pool", {"schedule.enabled": '"yes please"'}, "Incorrect attribute value type"),
    C("warm_pool-tag_aws_prefix", "warm_pool", {"tags": '{ "aws:x" = "y" }'}, "Invalid tag"),
    C("warm_pool-no_group", "warm_pool", {"group": DROP}, "Insufficient group blocks", line='resource "ci_warm_pool" "t" {'),
    C("warm_pool-cluster_name_bad_chars", "warm_pool", {"cluster_name": '"ci central"'}, "Invalid EKS name"),
    C("warm_pool-subnet_ids_empty", "warm_pool", {"subnet_ids": "[]"}, "No subnets"),
    C("warm_pool-instance_types_empty", "warm_pool", {"group.instance_types": "[]"}, "No instance types"),
    C("warm_pool-cron_unclosed", "warm_pool", {"schedule.scale_up": '"cron(0 6 ? * MON *"'}, "Invalid cron expression"),
    C("warm_pool-cron_one_time_at", "warm_pool", {"schedule.scale_up": '"at(2026-01-01T00:00:00)"'}, "Invalid cron expression"),
    C("warm_pool-cron_bad_weekday", "warm_pool", {"schedule.scale_down": '"cron(0 19 ? * FUN *)"'}, "Invalid cron expression"),
    C("warm_pool-disk_size_huge", "warm_pool", {"group.disk_size": "100000"}, "Invalid disk_size"),
    C("warm_pool-node_role_arn_bad_account", "warm_pool", {"node_role_arn": '"arn:aws:iam::12345:role/node"'}, "Invalid ARN"),
    C("warm_pool-time_zone_empty", "warm_pool", {"schedule.time_zone": '""'}, "Unknown time zone"),
    C("warm_pool-min_negative", "warm_pool", {"group.min_size": "-1"}, "Invalid min_size"),
    C("warm_pool-timeout_create_malformed", "warm_pool", {"timeouts.create": '"half an hour"'}, "Invalid duration"),
    C("warm_pool-timeout_delete_zero", "warm_pool", {"timeouts.delete": '"0s"'}, "Invalid duration"),
    # -- provider block (checked by plan) ----------------------------------
    C("provider-region_malformed", "provider", {"region": '"Europe West"'}, "Invalid AWS region"),
    C("provider-max_attempts_zero", "provider", {"max_attempts": "0"}, "Invalid max_attempts"),
    C("provider-max_attempts_too_high", "provider", {"max_attempts": "26"}, "Invalid max_attempts"),
    C("provider-retry_mode_unknown", "provider", {"retry_mode": '"legacy"'}, "Invalid retry mode"),
    C("provider-target_role_name_bad_chars", "provider", {"target_role_name": '"role with spaces"'}, "Invalid IAM role name"),
    C("provider-default_tag_aws_prefix", "provider", {"default_tags": '{ "aws:x" = "y" }'}, "Invalid tag"),
    C("provider-assume_role_arn_malformed", "provider", {"assume_role.role_arn": '"ci-terraform"'}, "Invalid ARN"),
    C("provider-assume_role_session_name_short", "provider", {"assume_role.role_arn": '"arn:aws:iam::111111111111:role/ci-terraform"', "assume_role.session_name": '"x"'}, "Invalid session name"),
    C("provider-assume_role_external_id_bad_chars", "provider", {"assume_role.role_arn": '"arn:aws:iam::111111111111:role/ci-terraform"', "assume_role.external_id": '"id with spaces!"'}, "Invalid external ID"),
    C("provider-endpoint_iam_not_a_url", "provider", {"endpoints.iam": '"not a url"'}, "Invalid URL"),
    C("provider-endpoint_sts_no_scheme", "provider", {"endpoints.sts": '"127.0.0.1:1"'}, "Invalid URL"),
    C("provider-endpoint_scheduler_ftp", "provider", {"endpoints.scheduler": '"ftp://127.0.0.1:1"'}, "Invalid URL"),
    C("provider-kubernetes_host_not_a_url", "provider", {"kubernetes.host": '"my cluster"'}, "Invalid URL"),
    C("provider-kubernetes_ca_not_pem", "provider", {"kubernetes.cluster_ca_certificate": '"not a certificate"'}, "Invalid CA certificate"),
    C("provider-kubernetes_insecure_with_ca", "provider", {"kubernetes.cluster_ca_certificate": '"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n"', "kubernetes.insecure": "true"}, "Conflicting TLS settings"),
    C("provider-max_attempts_wrong_type", "provider", {"max_attempts": '"three"'}, "Incorrect attribute value type"),
    C("provider-region_wrong_type", "provider", {"region": '["eu-west-1"]'}, "Incorrect attribute value type"),
    C("provider-endpoint_eks_with_spaces", "provider", {"endpoints.eks": '"http://127.0.0.1:1/a b"'}, "Invalid URL"),
    C("provider-kubernetes_insecure_wrong_type", "provider", {"kubernetes.insecure": '"maybe"'}, "Incorrect attribute value type"),
    C("provider-assume_role_arn_not_a_role", "provider", {"assume_role.role_arn": '"arn:aws:iam::111111111111:user/ci"'}, "Invalid ARN"),
    C("provider-assume_role_without_arn", "provider", {"assume_role.session_name": '"terraform"'}, "Missing required argument", line="assume_role {"),
    C("provider-target_role_name_too_long", "provider", {"target_role_name": '"' + "r" * 65 + '"'}, "Invalid IAM role name"),
    C("provider-region_empty", "provider", {"region": '""'}, "Invalid AWS region"),
    C("provider-kubernetes_token_empty", "provider", {"kubernetes.token": '""'}, "Empty token"),
]
