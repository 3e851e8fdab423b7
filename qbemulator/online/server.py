"""The emulator over real HTTP: a threaded stdlib WSGI server, for tests, benchmarks and the demo.

`serve()` starts it in a daemon thread and returns at once (port 0 picks a free
port); `run()` serves in the foreground until interrupted, then saves the state.
One thread per request, as Intuit serves calls concurrently: the concurrency
throttle and the emulator's lock are then exercised for real.
"""

import argparse
import json
import logging
import signal
import socket
import socketserver
import threading
from pathlib import Path
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

from qbemulator.online import knobs
from qbemulator.online.app import make_app
from qbemulator.online.state import Emulator

log = logging.getLogger("qbemulator")


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a slow (latency or timeout knob) request never blocks exit
    allow_reuse_address = True


class KeepAliveServerHandler(ServerHandler):
    """Answers in HTTP/1.1, so a client may send its next request on the same connection."""

    http_version = "1.1"


class QuietHandler(WSGIRequestHandler):
    """HTTP/1.1 with keep-alive (wsgiref alone closes after every request), and no access log.

    Keep-alive is safe because every response carries Content-Length (one body chunk)
    and the app reads exactly Content-Length bytes of each request; a request
    without Content-Length but with a body (chunked) ends the connection after it.
    """

    protocol_version = "HTTP/1.1"
    timeout = 120  # an idle kept-alive connection is dropped after this

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as separate writes; without NODELAY, Nagle's algorithm
        # and the client's delayed ACK hold every kept-alive response back ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            self.close_connection = True
            return
        if not self.parse_request():
            return
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
        handler = KeepAliveServerHandler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]  # a BufferedIOBase is a binary stream
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(self.server.get_app())  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def serve(
    emulator: Emulator, host: str = "127.0.0.1", port: int = 0
) -> tuple[WSGIServer, threading.Thread]:
    """Start serving `emulator` on host:port in a daemon thread.

    The base URL is `base_url(server)`. Stop with `stop(server, thread)`.
    """
    server = make_server(
        host, port, lambda e, s: [], server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
    server.set_app(make_app(emulator, base_url(server)))
    thread = threading.Thread(target=server.serve_forever, name="qbemulator", daemon=True)
    thread.start()
    return server, thread


def base_url(server: WSGIServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


def stop(server: WSGIServer, thread: threading.Thread) -> None:
    """Stop accepting, wait for the serving loop, and close the socket."""
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def run(
    emulator: Emulator,
    host: str,
    port: int,
    run_knobs: dict[str, Any] | None = None,
    announce: Any = print,
) -> None:
    """Serve in the foreground until Ctrl-C or SIGTERM's KeyboardInterrupt; save the state on the way out."""
    if run_knobs:
        knobs.set_run_knobs(emulator, run_knobs)
    _sigterm_interrupts()
    server, thread = serve(emulator, host, port)
    url = base_url(server)
    announce(f"QuickBooks Online emulator at {url}/_emulator/ (state: {emulator.path or 'memory'})")
    try:
        thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        stop(server, thread)
        emulator.save()


def _sigterm_interrupts() -> None:
    """Make SIGTERM (`kill PID`, as `make demo` does on exit) end `run()` like Ctrl-C, so the state is saved."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `online`, shared by `python -m qbemulator` and `memberbooks emulator`."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one)")
    parser.add_argument(
        "--state", default=None, help="JSON file the companies are kept in across restarts"
    )
    parser.add_argument(
        "--throttle",
        action="store_true",
        help="enforce QuickBooks' limits (500/min, 10 concurrent, 40 batches/min) for every company",
    )
    parser.add_argument(
        "--knobs",
        default=None,
        help='run-wide knob defaults as JSON, e.g. \'{"latency_ms": 150, "error_rate": 0.02}\'',
    )


def run_from_options(
    host: str,
    port: int,
    state: str | None,
    throttle: bool,
    knob_json: str | None,
    announce: Any = print,
) -> None:
    """Build the emulator the options describe and serve it until interrupted."""
    values: dict[str, Any] = json.loads(knob_json) if knob_json else {}
    if not isinstance(values, dict):
        raise ValueError("--knobs must be a JSON object")
    unknown = sorted(set(values) - set(knobs.DEFAULTS))
    if unknown:
        raise ValueError(
            f"--knobs: unknown knob(s) {', '.join(unknown)}; known: {', '.join(knobs.DEFAULTS)}"
        )
    if throttle:
        values["throttle"] = True
    emulator = Emulator(path=Path(state) if state else None)
    run(emulator, host, port, values, announce)
