"""The audit log: who changed what, when, from what to what.

Actions call `record()` inside their own transaction, so an entry exists
exactly when the change does.
"""
