"""The JSON API: token or session auth, scoped by organisation and role."""
