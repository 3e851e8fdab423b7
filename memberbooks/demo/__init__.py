"""The deterministic demo association."""
