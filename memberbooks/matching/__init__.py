"""Member-to-customer matching: normalise names and score candidates. Pure functions, no database."""
