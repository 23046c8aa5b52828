# Warm capacity for a runner pool: two EKS managed node groups carrying the
# pool's node label and taint, and EventBridge Scheduler schedules (with
# their IAM role) that scale them to zero over the weekend.

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

resource "ci_warm_pool" "payments" {
  cluster_name  = "ci-central"
  runner_pool   = "payments"
  node_role_arn = "arn:aws:iam::123456789012:role/KarpenterNodeRole-ci-central"
  subnet_ids    = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]

  # Small nodes for most jobs, on demand so they are always there.
  group {
    name           = "small"
    instance_types = ["c6i.xlarge", "c6a.xlarge"]
    capacity_type  = "ON_DEMAND"
    min_size       = 0
    desired_size   = 3
    max_size       = 6
  }

  # A couple of large spot nodes for heavy builds.
  group {
    name           = "large"
    instance_types = ["c6i.4xlarge", "c6a.4xlarge"]
    capacity_type  = "SPOT"
    disk_size      = 200
    min_size       = 0
    desired_size   = 1
    max_size       = 2
  }

  # Scale to zero on Friday evening, back on Monday morning (Berlin time).
  schedule {
    enabled    = true
    time_zone  = "Europe/Berlin"
    scale_down = "cron(0 19 ? * FRI *)"
    scale_up   = "cron(0 6 ? * MON *)"
  }

  tags = {
    team = "payments"
  }
}
