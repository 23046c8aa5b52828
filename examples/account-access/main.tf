# IRSA from CI jobs into two target accounts: each access creates the
# cluster's OIDC provider in its account (shared), a role trusting exactly
# one service account, its policies, and the annotated ServiceAccount.

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

  endpoints {
    iam = var.aws_endpoint
    sts = var.aws_endpoint
  }

  kubernetes {
    host     = var.kubernetes_host
    insecure = var.kubernetes_host != null
  }
}

locals {
  accesses = {
    payments-prod = { account_id = "111111111111", policy = "arn:aws:iam::aws:policy/ReadOnlyAccess" }
    payments-dev  = { account_id = "222222222222", policy = "arn:aws:iam::aws:policy/PowerUserAccess" }
  }
}

resource "ci_account_access" "job" {
  for_each = local.accesses

  cluster_name    = var.cluster_name
  account_id      = each.value.account_id
  oidc_issuer_url = var.oidc_issuer_url
  namespace       = var.namespace
  service_account = each.key
  policy_arns     = [each.value.policy]
  tags = {
    team = "payments"
  }
}

output "role_arns" {
  description = "The role each service account assumes."
  value       = { for name, access in ci_account_access.job : name => access.role_arn }
}

output "job_variables" {
  description = "What a GitLab job sets to use each access."
  value       = { for name, access in ci_account_access.job : name => access.ci_variables }
}
