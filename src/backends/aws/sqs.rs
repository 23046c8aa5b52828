//! SQS: Karpenter's interruption queue.
