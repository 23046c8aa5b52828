variable "region" {
  description = "AWS region of the central CI account."
  type        = string
  default     = "eu-west-1"
}

variable "aws_endpoint" {
  description = "One URL for every AWS service, for emulators such as moto. Null means real AWS."
  type        = string
  default     = null
}

variable "kubernetes_host" {
  description = "Kubernetes API URL overriding the one found through DescribeCluster (emulators)."
  type        = string
  default     = null
}

variable "gitlab_url" {
  description = "The self-hosted GitLab instance runners register with."
  type        = string
  default     = "https://gitlab.example.com"
}

variable "runner_tokens" {
  description = "Runner authentication tokens per GitLab group (from the gitlab provider's gitlab_user_runner)."
  type        = map(string)
  sensitive   = true
  default = {
    platform = "glrt-example-platform-token"
    payments = "glrt-example-payments-token"
  }
}

variable "subnet_ids" {
  description = "Private subnets of the CI account's VPC."
  type        = list(string)
  default     = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002", "subnet-0a1b2c3d4e5f60003"]
}
