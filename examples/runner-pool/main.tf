# A GitLab runner pool for one group on the central cluster: its namespace,
# the runner manager Deployment and its config.toml, RBAC, and a Karpenter
# NodePool whose nodes are reserved for the group's jobs.

terraform {
  required_version = ">= 1.0"
  required_providers {
    ci = {
      source = "registry.terraform.io/ci-platform/ci"
    }
  }
}

provider "ci" {
  region = "eu-west-1"
}

variable "runner_token" {
  description = "Runner authentication token (glrt-...), e.g. from gitlab_user_runner."
  type        = string
  sensitive   = true
}

resource "ci_runner_pool" "payments" {
  cluster_name = "ci-central"
  group        = "payments"
  gitlab_url   = "https://gitlab.example.com"
  runner_token = var.runner_token
  concurrent   = 30
  poll_timeout = 300

  allow_spot          = true
  allow_instance_type = true

  # Jobs may run as these service accounts (KUBERNETES_SERVICE_ACCOUNT_OVERWRITE);
  # they are the ones the group's ci_account_access resources create.
  allowed_service_accounts = ["payments-prod", "payments-dev"]

  # What a job gets when it asks for nothing.
  job_defaults {
    cpu_request    = "500m"
    cpu_limit      = "2"
    memory_request = "1Gi"
    memory_limit   = "4Gi"
  }

  # The most a job may ask for with KUBERNETES_* variables.
  job_maximums {
    cpu_request    = "4"
    cpu_limit      = "8"
    memory_request = "8Gi"
    memory_limit   = "16Gi"
  }

  node_pool {
    instance_families = ["c6i", "c6a", "m6i", "m6a"]
    capacity_types    = ["spot", "on-demand"]
    architectures     = ["amd64"]
    cpu_limit         = "200"
    memory_limit      = "800Gi"
    consolidate_after = "5m"
    expire_after      = "720h"
    disruption_budget = "10%"
  }

  labels = {
    team = "payments"
  }
}

output "node_label" {
  description = "The node label ci_warm_pool puts on this pool's warm nodes."
  value       = ci_runner_pool.payments.node_label
}
