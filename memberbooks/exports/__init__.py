"""The export decision of every transaction (go / no-go / exported / failed / changed) and the in-sync point."""
