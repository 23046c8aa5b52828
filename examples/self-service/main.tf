# Self-service runner pools and account accesses: teams edit teams.yaml,
# this configuration creates one ci_runner_pool per team and one
# ci_account_access per (team, service account) on an existing central
# cluster, which is managed elsewhere and referred to by name.

terraform {
  required_version = ">= 1.0"
  required_providers {
    ci = {
      source = "registry.terraform.io/ci-platform/ci"
    }
  }
}

provider "ci" {
  region           = var.region
  target_role_name = "ci-platform-provisioner"
}

variable "region" {
  description = "AWS region of the central CI account."
  type        = string
  default     = "eu-west-1"
}

variable "cluster_name" {
  description = "The central CI cluster (ci_cluster.name, managed elsewhere)."
  type        = string
  default     = "ci-central"
}

variable "oidc_issuer_url" {
  description = "The cluster's OIDC issuer (ci_cluster.oidc_issuer_url)."
  type        = string
  default     = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
}

variable "gitlab_url" {
  description = "The GitLab instance runners register with."
  type        = string
  default     = "https://gitlab.example.com"
}

variable "teams_file" {
  description = "The teams' YAML file, relative to this directory."
  type        = string
  default     = "teams.yaml"
}

variable "runner_tokens" {
  description = "Runner authentication token (glrt-...) per team in teams.yaml."
  type        = map(string)
  sensitive   = true
}

locals {
  teams = yamldecode(file("${path.module}/${var.teams_file}")).teams

  # One entry per team and service account, keyed "<team>/<service account>".
  accesses = {
    for access in flatten([
      for team, settings in local.teams : [
        for service_account, access in try(settings.accesses, {}) : {
          team            = team
          service_account = service_account
          account_id      = access.account_id
          policy_arns     = try(access.policy_arns, [])
        }
      ]
    ]) : "${access.team}/${access.service_account}" => access
  }
}

# One runner pool per team: namespace ci-<team>, runner manager, NodePool.
resource "ci_runner_pool" "team" {
  for_each = local.teams

  cluster_name = var.cluster_name
  group        = each.key
  gitlab_url   = var.gitlab_url
  runner_token = var.runner_tokens[each.key]
  concurrent   = each.value.concurrent
  allow_spot   = true

  # Jobs may run as the service accounts of the team's accesses.
  allowed_service_accounts = keys(try(each.value.accesses, {}))

  job_defaults {
    cpu_request    = "500m"
    memory_request = "1Gi"
  }

  job_maximums {
    cpu_request  = "4"
    memory_limit = "8Gi"
  }

  node_pool {
    instance_families = each.value.instance_families
    capacity_types    = ["spot", "on-demand"]
    cpu_limit         = each.value.cpu_limit
  }

  labels = {
    team = each.key
  }
}

# One IAM role (and ServiceAccount) per access, in the team's namespace.
resource "ci_account_access" "team" {
  for_each = local.accesses

  cluster_name    = var.cluster_name
  account_id      = each.value.account_id
  oidc_issuer_url = var.oidc_issuer_url
  namespace       = ci_runner_pool.team[each.value.team].namespace
  service_account = each.value.service_account
  policy_arns     = each.value.policy_arns
  tags = {
    team = each.value.team
  }
}

output "job_variables" {
  description = "What a team's job sets to use each access, by <team>/<service account>."
  value       = { for key, access in ci_account_access.team : key => access.ci_variables }
}
