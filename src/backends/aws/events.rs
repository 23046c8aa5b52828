//! EventBridge: the rules that route EC2 events to Karpenter's interruption
//! queue, and their targets.
