variable "region" {
  description = "AWS region of the central CI account."
  type        = string
  default     = "eu-west-1"
}

variable "aws_endpoint" {
  description = "One URL for IAM and STS, for emulators such as moto. Null means real AWS."
  type        = string
  default     = null
}

variable "kubernetes_host" {
  description = "Kubernetes API URL (emulators); null finds the cluster through DescribeCluster."
  type        = string
  default     = null
}

variable "cluster_name" {
  description = "The central CI cluster."
  type        = string
  default     = "ci-central"
}

variable "oidc_issuer_url" {
  description = "The cluster's OIDC issuer (ci_cluster.oidc_issuer_url)."
  type        = string
  default     = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
}

variable "namespace" {
  description = "The runner pool's namespace (ci_runner_pool.namespace)."
  type        = string
  default     = "ci-payments"
}
