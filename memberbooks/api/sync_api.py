"""The sync's API: check, start (or join) a push, follow its progress, list runs and items.

Registered on the same route table as `views.py` (imported by `urls.py`).
"""

from memberbooks.api.views import api

__all__ = ["api"]
