"""SECURITY.md 36 (issue 13): a credential goes only to its own origin. The Okta connector's
next-page ``Link`` and any absolute URL an admin API hands back are compared by scheme, host and
port -- not by string prefix -- before the machine token is sent. Real HTTP servers on
127.0.0.1."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from tokendesk.core.errors import AdminError
from tokendesk.core.oauth.http import HttpClient, origin, same_origin
from tokendesk.core.support.api import AdminApi
from tokendesk.core.support.okta import Okta


class _Token:
    scopes = None
    roles = None

    def get(self) -> str:
        return "machine-token-secret"

    def invalidate(self) -> None:
        pass

    def require(self, *args, **kwargs) -> None:
        pass


class _Server:
    """Answers GET with a JSON list and an optional Link header; records Authorization."""

    def __init__(self, link: str | None = None) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self.link = link
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.seen.append((self.path, self.headers.get("Authorization")))
                body = json.dumps([{"id": "00u1", "profile": {"email": "a@example.com"}}])
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if outer.link:
                    self.send_header("Link", f'<{outer.link}>; rel="next"')
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers():
    thief = _Server()
    api = _Server()
    yield api, thief
    api.close()
    thief.close()


def _okta(base: str) -> tuple[Okta, HttpClient]:
    http = HttpClient(timeout=5)
    return Okta(AdminApi(http, base, _Token(), "Okta")), http  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_okta_next_link_to_another_port_gets_no_token(servers, host):
    api, thief = servers
    base = f"http://{host}:{api.port}/api/v1"
    for link in (f"http://{host}:{thief.port}/steal", f"http://{host}:{api.port}0/api/v1/x",
                 f"http://{host}:{thief.port}/api/v1/users?after=1"):
        api.link = link
        okta, http = _okta(base)
        with http, pytest.raises(AdminError, match="points elsewhere"):
            okta.find("alice")
    assert thief.seen == []
    assert all(auth == "Bearer machine-token-secret" for _, auth in api.seen)


def test_the_string_prefix_case_from_the_issue(servers):
    """Admin API at http://localhost (port 80): a link to http://localhost:PORT/steal shares the
    prefix 'http://localhost' and used to receive the token."""
    assert not same_origin("http://localhost:38769/steal", "http://localhost/api/v1")
    assert not same_origin("http://localhost.evil.example/api/v1", "http://localhost/api/v1")
    assert not same_origin("https://api.example@evil.example/api/v1", "https://api.example")


def test_okta_follows_a_link_on_its_own_origin(servers):
    api, thief = servers
    base = f"http://127.0.0.1:{api.port}/api/v1"
    api.link = f"http://127.0.0.1:{api.port}/api/v1/users?after=00u1"
    okta, http = _okta(base)
    with http, pytest.raises(AdminError, match="same next-page cursor twice"):
        okta.find("alice")  # the fake always says "next" with the same link
    assert len(api.seen) == 2 and api.seen[1][0] == "/api/v1/users?after=00u1"
    assert thief.seen == []


def test_okta_link_outside_the_api_path_is_not_followed(servers):
    api, _thief = servers
    api.link = f"http://127.0.0.1:{api.port}/api/v1x/users"
    okta, http = _okta(f"http://127.0.0.1:{api.port}/api/v1")
    with http, pytest.raises(AdminError, match="points elsewhere"):
        okta.find("alice")
    assert len(api.seen) == 1


def test_admin_api_refuses_an_absolute_url_on_another_origin(servers):
    api, thief = servers
    with HttpClient(timeout=5) as http:
        admin = AdminApi(http, f"http://127.0.0.1:{api.port}/api/v1", _Token(), "Okta")  # type: ignore[arg-type]
        for url in (f"http://127.0.0.1:{thief.port}/x", f"https://127.0.0.1:{api.port}/x",
                    f"http://localhost:{api.port}/x", f"//127.0.0.1:{thief.port}/x"):
            with pytest.raises(AdminError, match="another origin"):
                admin.call("GET", url)
        assert admin.call("GET", f"http://127.0.0.1:{api.port}/api/v1/users").status == 200
    assert thief.seen == []


@pytest.mark.parametrize(("url", "expected"), [
    ("https://Example.COM/a", ("https", "example.com", 443)),
    ("https://example.com:443/a", ("https", "example.com", 443)),
    ("http://[::1]:8080/", ("http", "::1", 8080)),
    ("http://example.com:99999/", None),
    ("http://[::1/", None),
    ("ftp://example.com/", None),
    ("https:///path", None),
])
def test_origin(url, expected):
    assert origin(url) == expected
