"""Run as a separate process by test_processes.py: wait for the go file, then ask for a token.

Prints the access token it got (or the error) on stdout; the database comes from DATABASE_URL.
"""

import os
import sys
import time
from pathlib import Path


def main(slug: str, go: Path) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "memberbooks.config.settings")
    import django

    django.setup()
    from memberbooks.connections.actions import ConnectionProblem
    from memberbooks.connections.models import QboConnection
    from memberbooks.connections.tokens import ConnectionTokens

    source = ConnectionTokens(QboConnection.objects.get(organisation__slug=slug))
    deadline = time.monotonic() + 30
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        print(source.access_token())
    except ConnectionProblem as problem:
        print(f"ERROR {problem.message}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
