"""memberbooks: the QuickBooks interface of a membership management system.

Each concept is its own Django app inside this package; see docs/architecture.md.
"""
