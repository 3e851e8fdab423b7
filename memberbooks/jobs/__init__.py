"""Background jobs: the `memberbooks jobs` command that runs the worker of the configured backend.

The backend is chosen in memberbooks/config/tasks.py (MEMBERBOOKS_TASKS); the jobs
themselves live with their app (memberbooks/sync/jobs.py).
"""
