//! The default Karpenter `EC2NodeClass` of a cluster.
