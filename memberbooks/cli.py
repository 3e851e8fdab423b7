"""The `memberbooks` console command.

It is Django's management utility with our settings preselected, so every
project command (`org`, `aging`, `import`, `demo`, ...) and every Django command
(`migrate`, `createsuperuser`, ...) is reached the same way:

    memberbooks org create acme --name "Acme Association"
    memberbooks migrate
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command; argv defaults to the process arguments."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "memberbooks.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "memberbooks"
    execute_from_command_line(args)
