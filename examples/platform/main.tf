# The whole central CI platform: one cluster, two runner pools with warm
# capacity, and IRSA access from CI jobs into several target accounts.

provider "ci" {
  region           = var.region
  target_role_name = "ci-platform-provisioner"
  default_tags = {
    "cost-center" = "ci-platform"
  }

  endpoints {
    iam       = var.aws_endpoint
    sts       = var.aws_endpoint
    eks       = var.aws_endpoint
    sqs       = var.aws_endpoint
    events    = var.aws_endpoint
    scheduler = var.aws_endpoint
  }

  kubernetes {
    host     = var.kubernetes_host
    insecure = var.kubernetes_host != null
  }
}

resource "ci_cluster" "ci" {
  name               = "ci-central"
  kubernetes_version = "1.31"
  subnet_ids         = var.subnet_ids

  job_policies {
    spot_by_annotation = true
    zone_spread        = true
    do_not_disrupt     = true
  }

  tags = {
    team = "platform"
  }
}

locals {
  pools = {
    platform = { families = ["c6i", "m6i"], cpu_limit = "200", service_accounts = ["platform-dns"] }
    payments = { families = ["c6a", "m6a"], cpu_limit = "100", service_accounts = ["payments-prod", "payments-dev"] }
  }
}

resource "ci_runner_pool" "group" {
  for_each = local.pools

  cluster_name    = ci_cluster.ci.name
  group           = each.key
  gitlab_url      = var.gitlab_url
  runner_token    = var.runner_tokens[each.key]
  concurrent      = 20
  allow_spot      = true
  annotation_keys = ci_cluster.ci.job_annotation_keys

  # The service accounts of this group's ci_account_access resources: jobs
  # pick one with KUBERNETES_SERVICE_ACCOUNT_OVERWRITE.
  allowed_service_accounts = each.value.service_accounts

  job_defaults {
    cpu_request    = "1"
    memory_request = "2Gi"
  }

  job_maximums {
    cpu_request  = "4"
    memory_limit = "8Gi"
  }

  node_pool {
    instance_families = each.value.families
    capacity_types    = ["spot", "on-demand"]
    cpu_limit         = each.value.cpu_limit
    consolidate_after = "5m"
  }
}

resource "ci_warm_pool" "group" {
  for_each = ci_runner_pool.group

  cluster_name  = ci_cluster.ci.name
  runner_pool   = each.value.group
  node_role_arn = ci_cluster.ci.node_role_arn
  subnet_ids    = var.subnet_ids

  group {
    name           = "small"
    instance_types = ["c6i.large"]
    min_size       = 0
    desired_size   = 2
    max_size       = 4
  }

  group {
    name           = "large"
    instance_types = ["c6i.2xlarge"]
    min_size       = 0
    desired_size   = 1
    max_size       = 2
  }

  schedule {
    time_zone  = "Europe/Berlin"
    scale_down = "cron(0 19 ? * FRI *)"
    scale_up   = "cron(0 6 ? * MON *)"
  }
}

locals {
  accesses = {
    payments-prod = { account_id = "111111111111", pool = "payments" }
    payments-dev  = { account_id = "222222222222", pool = "payments" }
    platform-dns  = { account_id = "111111111111", pool = "platform" }
  }
}

resource "ci_account_access" "job" {
  for_each = local.accesses

  cluster_name    = ci_cluster.ci.name
  account_id      = each.value.account_id
  oidc_issuer_url = ci_cluster.ci.oidc_issuer_url
  namespace       = ci_runner_pool.group[each.value.pool].namespace
  service_account = each.key
  policy_arns     = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
}
