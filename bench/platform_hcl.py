"""The benchmark's platform: one cluster, runner pools, warm pools and one
account access per target account, as one Terraform configuration.

The resources name each other's values as literals rather than through
references (`ci_cluster.ci.oidc_issuer_url`), so that a plan targeting one
resource type refreshes that type alone and its API calls can be counted
apart. The values are the ones the references would give. The price is
that a first apply must be staged (`STAGES`): the cluster before the node
groups that join it, the pools' namespaces before the service accounts in
them.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness import config

CLUSTER = "ci-central"
TARGET_ROLE = "ci-platform-provisioner"
ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/5C4B2B3F8A9D4E6F7A8B9C0D1E2F3A4B"
SUBNETS = '["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002", "subnet-0a1b2c3d4e5f60003"]'
#: Target account ids count up from here, apart from the acceptance tests'.
FIRST_ACCOUNT = 300_000_000_001

#: Resource addresses, one per type, in the order a first apply needs.
CLUSTER_ADDRESS = "ci_cluster.ci"
POOL_ADDRESS = "ci_runner_pool.group"
WARM_POOL_ADDRESS = "ci_warm_pool.group"
ACCESS_ADDRESS = "ci_account_access.job"

#: Targets of each apply of a first, staged apply; None: everything.
STAGES = ((CLUSTER_ADDRESS,), (POOL_ADDRESS, WARM_POOL_ADDRESS), None)


@dataclass(frozen=True)
class Platform:
    """How large the platform is."""

    accounts: int = 200
    pools: int = 20
    warm_pools: int = 4

    def account_ids(self) -> list[str]:
        return [f"{FIRST_ACCOUNT + k:012d}" for k in range(self.accounts)]


def configuration(platform: Platform, aws_endpoint: str, kube_url: str) -> str:
    """The whole configuration, every service pointed at the given URLs."""
    settings = (
        f'  target_role_name = "{TARGET_ROLE}"\n'
        '  default_tags     = { "cost-center" = "ci-platform" }'
    )
    return "".join(
        [
            config.provider_block(aws_endpoint, kube_url, settings),
            _locals(platform),
            _cluster(),
            _pools(),
            _warm_pools(),
            _accesses(),
        ]
    )


def _locals(platform: Platform) -> str:
    # Access k runs in account k and belongs to pool k mod pools; every
    # other access has an inline policy besides its managed one.
    return f"""
locals {{
  groups = [for i in range({platform.pools}) : format("g%02d", i + 1)]
  accesses = {{
    for k in range({platform.accounts}) : format("sa%03d", k) => {{
      account_id = format("%012d", {FIRST_ACCOUNT} + k)
      group      = format("g%02d", k % {platform.pools} + 1)
      inline     = k % 2 == 0
    }}
  }}
  warm_groups = slice(local.groups, 0, {platform.warm_pools})
}}
"""


def _cluster() -> str:
    return f"""
resource "ci_cluster" "ci" {{
  name               = "{CLUSTER}"
  kubernetes_version = "1.31"
  subnet_ids         = {SUBNETS}
  tags               = {{ team = "platform" }}

  job_policies {{
    spot_by_annotation = true
    zone_spread        = true
    do_not_disrupt     = true
  }}
}}
"""


def _pools() -> str:
    return f"""
resource "ci_runner_pool" "group" {{
  for_each = toset(local.groups)

  cluster_name = "{CLUSTER}"
  group        = each.key
  gitlab_url   = "https://gitlab.example.com"
  runner_token = "glrt-bench-${{each.key}}"
  concurrent   = 20
  allowed_service_accounts = sort([
    for name, access in local.accesses : name if access.group == each.key
  ])

  job_defaults {{
    cpu_request    = "1"
    memory_request = "2Gi"
  }}
  job_maximums {{
    cpu_request  = "4"
    memory_limit = "8Gi"
  }}
  node_pool {{
    instance_families = ["c6i", "c6a", "m6i"]
    cpu_limit         = "200"
  }}
}}
"""


def _warm_pools() -> str:
    return f"""
resource "ci_warm_pool" "group" {{
  for_each = toset(local.warm_groups)

  cluster_name  = "{CLUSTER}"
  runner_pool   = each.key
  node_role_arn = "arn:aws:iam::123456789012:role/KarpenterNodeRole-{CLUSTER}"
  subnet_ids    = {SUBNETS}

  group {{
    name           = "small"
    instance_types = ["c6i.xlarge", "c6a.xlarge"]
    desired_size   = 2
    max_size       = 4
  }}
  group {{
    name           = "large"
    instance_types = ["c6i.4xlarge"]
    capacity_type  = "SPOT"
    desired_size   = 1
    max_size       = 2
  }}
  schedule {{
    time_zone  = "Europe/Berlin"
    scale_down = "cron(0 19 ? * FRI *)"
    scale_up   = "cron(0 6 ? * MON *)"
  }}
}}
"""


def _accesses() -> str:
    return f"""
resource "ci_account_access" "job" {{
  for_each = local.accesses

  cluster_name    = "{CLUSTER}"
  account_id      = each.value.account_id
  oidc_issuer_url = "{ISSUER}"
  namespace       = "ci-${{each.value.group}}"
  service_account = each.key
  policy_arns     = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  inline_policy = each.value.inline ? jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }}]
  }}) : null
}}
"""
