"""A small real HTTP server on 127.0.0.1 for fault tests: routes return what a test says.

Each route is a function ``(request) -> Reply``. Replies can delay, cut the connection after
the request was read, send huge or non-JSON bodies, or redirect. Hits are recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8", "replace")))


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; str/bytes as given
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    cut: bool = False  # close the connection without answering
    chunks: int = 0  # stream the body this many times (no content-length)


Route = Callable[[Request], Reply]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up early (the timeout tests do) is expected, not an error.
        pass


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        #: Called for paths without a route (the fake admin APIs route by pattern).
        self.fallback: Route | None = None
        self.hits: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def date_time_string(self, timestamp: float | None = None) -> str:
                # a reply may set its own Date (the clock-skew tests)
                return getattr(self, "_date", None) or super().date_time_string(timestamp)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                req = Request(self.command, parts.path, dict(parse_qsl(parts.query)),
                              {k.lower(): v for k, v in self.headers.items()}, body)
                server.hits.append(req)
                route = server.routes.get(parts.path)
                if route is None and server.fallback is not None:
                    route = server.fallback
                reply = route(req) if route else Reply(404, {"error": "not_found"})
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.cut:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                data = reply.body
                ctype = "application/json"
                if isinstance(data, dict | list):
                    data = json.dumps(data).encode()
                elif isinstance(data, str):
                    data, ctype = data.encode(), "text/html; charset=utf-8"
                elif data is None:
                    data = b""
                self._date = reply.headers.get("Date")
                self.send_response(reply.status)
                headers = {"Content-Type": ctype,
                           **{k: v for k, v in reply.headers.items() if k != "Date"}}
                for k, v in headers.items():
                    self.send_header(k, v)
                if reply.chunks:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for _ in range(reply.chunks):
                        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = do_PUT = _handle

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, path: str, reply: Route | Reply) -> None:
        self.routes[path] = reply if callable(reply) else (lambda _req, r=reply: r)

    def count(self, path: str) -> int:
        return sum(1 for h in self.hits if h.path == path)
