"""Claims to principal, and the one authorization policy."""
