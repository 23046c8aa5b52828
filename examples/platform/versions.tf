terraform {
  required_version = ">= 1.0"
  required_providers {
    ci = {
      source = "registry.terraform.io/ci-platform/ci"
    }
  }
}
