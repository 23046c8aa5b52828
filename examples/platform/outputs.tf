output "cluster_endpoint" {
  description = "The central cluster's Kubernetes API."
  value       = ci_cluster.ci.endpoint
}

output "node_pools" {
  description = "Karpenter NodePool per GitLab group."
  value       = { for group, pool in ci_runner_pool.group : group => pool.node_pool_name }
}

output "job_variables" {
  description = "The GitLab CI variables a job sets to use each account access."
  value       = { for name, access in ci_account_access.job : name => access.ci_variables }
}
