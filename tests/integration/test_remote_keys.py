"""Keys from an issuer, against real HTTP servers on 127.0.0.1 (SECURITY.md 5, 17, 32, 33)."""

from __future__ import annotations

import json

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import NOW
from tests.helpers.http_server import LocalServer, Reply
from tokendesk.core.errors import InsecureEndpoint, NetworkError, ResponseError
from tokendesk.core.oauth.discovery import Discovery
from tokendesk.core.oauth.http import HttpClient
from tokendesk.core.oauth.remote_keys import RemoteKeys
from tokendesk.core.tokens.keys import jwk_from_public_key

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self, t: float = NOW) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def server():
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def http():
    with HttpClient(timeout=2.0) as client:
        yield client


def _publish(server: LocalServer, keys: list[tuple[str, rsa.RSAPrivateKey]], issuer=None):
    issuer = issuer or server.url
    server.route("/.well-known/openid-configuration",
                 Reply(body={"issuer": issuer, "jwks_uri": server.url + "/jwks"}))
    server.route("/jwks", Reply(body={"keys": [
        {**jwk_from_public_key(k.public_key()), "kid": kid, "use": "sig"} for kid, k in keys]}))


def _token(server, private, kid):
    claims = {"iss": server.url, "sub": "u", "aud": "api", "exp": NOW + 60, "iat": NOW}
    return pyjwt.encode(claims, private, algorithm="RS256", headers={"kid": kid})


def test_issuer_keys_verify_a_token(server, http, rsa_private):
    _publish(server, [("k1", rsa_private)])
    result = RemoteKeys(http, clock=Clock()).verify(_token(server, rsa_private, "k1"),
                                                    issuer=server.url, now=NOW)
    assert result.valid
    assert next(c for c in result.checks if c.name == "iss").passed


def test_unknown_kid_refetches_once_after_rotation(server, http, rsa_private):
    old = rsa.generate_private_key(65537, 2048)
    _publish(server, [("old", old)])
    clock = Clock()
    remote = RemoteKeys(http, clock=clock, min_refetch=60)
    remote.for_issuer(server.url)
    _publish(server, [("old", old), ("new", rsa_private)])  # the provider rotates
    clock.t += 120
    result = remote.verify(_token(server, rsa_private, "new"), issuer=server.url, now=NOW)
    assert result.valid
    assert server.count("/jwks") == 2


def test_unknown_kid_refetch_is_rate_limited(server, http, rsa_private):
    _publish(server, [("k1", rsa_private)])
    remote = RemoteKeys(http, clock=Clock(), min_refetch=60)
    stranger = rsa.generate_private_key(65537, 2048)
    for _ in range(5):
        result = remote.verify(_token(server, stranger, "nope"), issuer=server.url, now=NOW)
        assert not result.valid
        # not a verdict on the token alone: the person is told the refetch was held back
        key = next(c for c in result.checks if c.name == "key")
        assert "at most once a minute: verify again in 60 s" in key.reason
    assert server.count("/jwks") == 1


def test_discovery_issuer_must_match_exactly(server, http, rsa_private):
    _publish(server, [("k1", rsa_private)], issuer=server.url + "/")
    with pytest.raises(ResponseError, match="must match exactly"):
        Discovery(http).get(server.url)


def test_discovery_falls_back_to_rfc8414(server, http):
    server.route("/.well-known/oauth-authorization-server/tenant",
                 Reply(body={"issuer": server.url + "/tenant", "jwks_uri": server.url + "/j"}))
    meta = Discovery(http).get(server.url + "/tenant")
    assert meta.jwks_uri == server.url + "/j"


def test_discovery_is_cached(server, http, rsa_private):
    _publish(server, [("k1", rsa_private)])
    discovery = Discovery(http, clock=Clock())
    discovery.get(server.url)
    discovery.get(server.url)
    assert server.count("/.well-known/openid-configuration") == 1


def test_encryption_keys_in_a_published_set_are_set_aside(server, http, rsa_private):
    enc = rsa.generate_private_key(65537, 2048)
    _publish(server, [("k1", rsa_private)])
    server.route("/jwks", Reply(body={"keys": [
        {**jwk_from_public_key(rsa_private.public_key()), "kid": "k1", "use": "sig"},
        {**jwk_from_public_key(enc.public_key()), "kid": "e1", "use": "enc"}]}))
    keys = RemoteKeys(http).for_issuer(server.url)
    assert keys.kids == ("k1",)
    assert keys.notes == ("1 key set aside: kid 'e1' is an encryption key (use 'enc')",)


def test_jku_in_the_header_is_never_fetched(server, http, rsa_private):
    _publish(server, [("k1", rsa_private)])
    attacker = rsa.generate_private_key(65537, 2048)
    server.route("/evil", Reply(body={"keys": [jwk_from_public_key(attacker.public_key())]}))
    token = pyjwt.encode({"iss": server.url, "exp": NOW + 60}, attacker, algorithm="RS256",
                         headers={"jku": server.url + "/evil", "kid": "k1"})
    result = RemoteKeys(http).verify(token, issuer=server.url, now=NOW)
    assert not result.valid
    assert server.count("/evil") == 0


@pytest.mark.parametrize("url", ["http://example.com/jwks", "ftp://127.0.0.1/x", "file:///etc/x",
                                 "http://10.0.0.1/jwks", "javascript:alert(1)"])
def test_non_loopback_http_and_other_schemes_are_refused(http, url):
    with pytest.raises(InsecureEndpoint):
        http.get_json(url)


def test_redirects_are_not_followed(server, http):
    server.route("/jwks", Reply(302, headers={"Location": server.url + "/elsewhere"}))
    with pytest.raises(ResponseError, match="redirect"):
        RemoteKeys(http).from_url(server.url + "/jwks")
    assert server.count("/elsewhere") == 0


def test_huge_bodies_are_refused(server, http):
    server.route("/big", Reply(body=b"x" * 65536, chunks=40))  # 2.5 MiB, no content-length
    with pytest.raises(ResponseError, match="more than 1,048,576 bytes"):
        http.get_json(server.url + "/big")
    server.route("/declared", Reply(body=b"{}" * 600_000))
    with pytest.raises(ResponseError, match="at most 1,048,576"):
        http.get_json(server.url + "/declared")


def test_html_error_pages_are_a_clear_error(server, http):
    server.route("/jwks", Reply(502, "<html><body>Bad gateway</body></html>"))
    with pytest.raises(ResponseError, match="HTTP 502 with text/html, not JSON"):
        RemoteKeys(http).from_url(server.url + "/jwks")


def test_timeouts_are_network_errors(server):
    server.route("/slow", Reply(body={}, delay=1.5))
    with HttpClient(timeout=0.3) as client, pytest.raises(NetworkError, match="did not answer"):
        client.get_json(server.url + "/slow")


def test_a_cut_connection_is_a_network_error(server, http):
    server.route("/cut", Reply(cut=True))
    with pytest.raises(NetworkError):
        http.get_json(server.url + "/cut")


def test_nothing_listening_is_a_network_error(http):
    with LocalServer() as srv:
        url = srv.url
    with pytest.raises(NetworkError, match="could not reach"):
        http.get_json(url + "/jwks")


def test_not_a_key_set(server, http):
    server.route("/jwks", Reply(body={"hello": "world"}))
    with pytest.raises(ResponseError, match="did not return a JWK set"):
        RemoteKeys(http).from_url(server.url + "/jwks")


def test_cli_verify_with_issuer_keys(server, rsa_private, capsys):
    from tokendesk.cli import main

    _publish(server, [("k1", rsa_private)])
    token = _token(server, rsa_private, "k1")
    code = main(["verify", token, "--issuer-keys", "--iss", server.url, "--now", str(NOW),
                 "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["valid"] is True and out["kid"] == "k1"
    # without --iss the token's own issuer is not trusted (SECURITY.md 5a; test_issuer_trust.py)
    code = main(["verify", token, "--issuer-keys", "--now", str(NOW), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["verdict"] == "UNTRUSTED" and out["issuer_trusted"] is False


def test_cli_verify_network_failure_exits_3(capsys):
    with LocalServer() as srv:
        url = srv.url
    code = main_verify_jwks(url + "/jwks")
    assert code == 3
    assert "could not reach" in capsys.readouterr().err


def main_verify_jwks(url: str) -> int:
    from tokendesk.cli import main

    token = pyjwt.encode({"sub": "x"}, b"k" * 32, algorithm="HS256")
    return main(["verify", token, "--jwks-url", url])
