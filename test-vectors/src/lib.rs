//! Known-answer vector runner.
