"""The API of the QuickBooks Interface: member links, GL mappings, export decisions, the in-sync point.

Registered on the same route table as `views.py` (imported by `urls.py`), so
these routes appear in the OpenAPI document like every other.
"""

from memberbooks.api.views import api

__all__ = ["api"]
