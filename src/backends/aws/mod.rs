//! AWS: credentials, STS sessions per account, and the service calls.
