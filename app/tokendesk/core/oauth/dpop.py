"""DPoP on the wire (RFC 9449): a proof on each request that carries one, the DPoP-Nonce
dance, and the latest nonce of each server.

* A server that wants a nonce refuses with ``use_dpop_nonce`` (a token endpoint's 400, a
  resource's 401 with ``WWW-Authenticate: DPoP error="use_dpop_nonce"``) and a ``DPoP-Nonce``
  header; the request is sent once more, with a new proof carrying that nonce (§8, §9). The
  server has done nothing with the refused request, so the retry is safe (a refresh token it
  carried was not used).
* Every answer's ``DPoP-Nonce`` replaces the one remembered for its origin (scheme, host,
  port), in memory only: the next proof to that server carries it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput
from .http import HttpClient, JsonResponse, origin

if TYPE_CHECKING:
    from ..tokens.encode import SigningKey

__all__ = ["Nonces", "Prover", "nonce_challenge", "send_with_proof"]

#: RFC 9449 §8.1: nonce = 1*NQCHAR (printable ASCII but space, '"' and '\'); a server's
#: header outside that, or longer than any sane nonce, is not remembered.
_NONCE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,1024}")
_CHALLENGE = re.compile(r'\bDPoP\b.*\berror\s*=\s*"?use_dpop_nonce\b', re.I | re.S)


class Nonces:
    """The latest ``DPoP-Nonce`` each server origin gave (memory only; thread-safe)."""

    def __init__(self) -> None:
        self._by_origin: dict[tuple[str, str, int], str] = {}
        self._lock = threading.Lock()

    def get(self, url: str) -> str | None:
        where = origin(url)
        with self._lock:
            return self._by_origin.get(where) if where else None

    def remember(self, url: str, headers: dict[str, str]) -> str | None:
        """Keep the answer's ``DPoP-Nonce`` for ``url``'s origin; return it (None: none, or
        not a valid nonce)."""
        value = headers.get("dpop-nonce")
        where = origin(url)
        if value is None or where is None or not _NONCE.fullmatch(value):
            return None
        with self._lock:
            self._by_origin[where] = value
        return value


class Prover:
    """A DPoP key at work: the proof of each request, with its server's latest nonce."""

    def __init__(self, key: SigningKey, nonces: Nonces | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.key = key
        self.nonces = nonces if nonces is not None else Nonces()
        self.clock = clock

    def __repr__(self) -> str:  # never the key
        return f"Prover({self.key.alg}, jkt={self.jkt})"

    @property
    def jkt(self) -> str:
        from ..tokens.dpop import jkt

        return jkt(self.key)

    def proof(self, method: str, url: str, *, access_token: str | None = None,
              nonce: str | None = None) -> str:
        """A proof for ``method`` ``url``; ``nonce``, else the latest the server gave."""
        from ..tokens.dpop import make_proof

        return make_proof(self.key, method, url, now=self.clock(), access_token=access_token,
                          nonce=nonce or self.nonces.get(url))

    def resource_headers(self, method: str, url: str, access_token: str,
                         nonce: str | None = None) -> dict[str, str]:
        """The headers of a request to a resource with a DPoP-bound access token (§7.1);
        ``nonce``: the one the resource asked for (its ``DPoP-Nonce`` header)."""
        if not access_token.isascii() or any(c.isspace() for c in access_token):
            raise InvalidInput("the access token cannot go in an Authorization header")
        return {"Authorization": f"DPoP {access_token}",
                "DPoP": self.proof(method, url, access_token=access_token, nonce=nonce)}


def nonce_challenge(response: JsonResponse) -> bool:
    """Whether the server refused for want of a (fresh) nonce: ``use_dpop_nonce``."""
    if response.status == 400 and isinstance(response.body, dict):
        return response.body.get("error") == "use_dpop_nonce"
    if response.status == 401:
        challenge = response.headers.get("www-authenticate", "")
        return bool(_CHALLENGE.search(challenge))
    return False


def send_with_proof(http: HttpClient, method: str, url: str, prover: Prover, *,
                    prepare: Callable[[], tuple[dict[str, str] | None, Any]] = lambda: (None,
                                                                                      None),
                    headers: dict[str, str] | None = None, access_token: str | None = None,
                    any_body: bool = False) -> JsonResponse:
    """Send one request with a DPoP proof; once more with the server's nonce when it asks
    for one. ``prepare`` gives the form body and Basic credentials afresh for each attempt
    (a client assertion is used once)."""
    response: JsonResponse | None = None
    for attempt in range(2):
        data, auth = prepare()
        sent = dict(headers or {})
        if access_token is not None:
            sent.update(prover.resource_headers(method, url, access_token))
        else:
            sent["DPoP"] = prover.proof(method, url)
        response = http.request_json(method, url, data=data, headers=sent, auth=auth,
                                     allow_any_body=any_body)
        fresh = prover.nonces.remember(url, response.headers)
        if attempt == 0 and fresh is not None and nonce_challenge(response):
            continue  # refused before anything was done: again, with the server's nonce
        break
    assert response is not None
    return response
