# The central CI cluster: an EKS cluster with its IAM roles and OIDC
# provider, Karpenter's node role, controller role and interruption queue,
# the default EC2NodeClass, and the Kyverno policies that adjust job pods.

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

resource "ci_cluster" "ci" {
  name                    = "ci-central"
  kubernetes_version      = "1.31"
  subnet_ids              = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002", "subnet-0a1b2c3d4e5f60003"]
  endpoint_private_access = true
  endpoint_public_access  = false
  enabled_log_types       = ["api", "audit", "authenticator"]
  authentication_mode     = "API"

  # The default EC2NodeClass runner pools' NodePools refer to. Pin the AMI
  # so nodes are not replaced whenever AWS releases a new one.
  node_class {
    name        = "default"
    ami_alias   = "al2023@v20250505"
    volume_size = "100Gi"
    volume_type = "gp3"
    tags = {
      "cost-center" = "ci-platform"
    }
  }

  # Kyverno policies for job pods: spot/on-demand by annotation, spread
  # across zones, never disrupted while running; no GPU jobs here.
  job_policies {
    spot_by_annotation       = true
    zone_spread              = true
    do_not_disrupt           = true
    gpu                      = false
    pinned_instance_type     = true
    capacity_type_annotation = "k8s.gitlab.runner/capacity-type"
    instance_type_annotation = "k8s.gitlab.runner/instance-type"
  }

  timeouts {
    create = "40m"
    update = "90m"
    delete = "20m"
  }

  tags = {
    team = "platform"
  }
}

output "oidc_issuer_url" {
  description = "Pass to ci_account_access.oidc_issuer_url."
  value       = ci_cluster.ci.oidc_issuer_url
}

output "node_role_arn" {
  description = "Pass to ci_warm_pool.node_role_arn."
  value       = ci_cluster.ci.node_role_arn
}
