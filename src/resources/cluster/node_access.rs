//! Node access: the `aws-auth` mapping that lets Karpenter's nodes join.
