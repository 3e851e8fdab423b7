"""Organisations (one association each), their users, roles and API tokens.

Every other app's rows carry an `organisation` foreign key; `access.py` is the
one place that turns a user (or API token) into an organisation and a role.
"""
