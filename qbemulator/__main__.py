"""`python -m qbemulator online [--port 8765] [--host 127.0.0.1] [--state FILE] [--throttle] [--knobs JSON]`.

Serves the QuickBooks Online emulator without Django; `memberbooks emulator online`
is the same server with memberbooks' default state file.
"""

import argparse

from qbemulator.online import server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m qbemulator", description=__doc__)
    sub = parser.add_subparsers(dest="product", required=True)
    online = sub.add_parser("online", help="QuickBooks Online: API v3 and Intuit's OAuth 2.0")
    server.add_arguments(online)
    args = parser.parse_args(argv)
    try:
        server.run_from_options(args.host, args.port, args.state, args.throttle, args.knobs)
    except ValueError as exc:
        parser.error(str(exc))


if __name__ == "__main__":
    main()
