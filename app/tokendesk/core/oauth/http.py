"""The one HTTP client the core uses, with the rules of SECURITY.md item 32–33 built in.

* TLS certificates are verified (an optional CA bundle can be given);
* ``http://`` is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost);
* redirects are never followed (a redirect is reported, not obeyed);
* every request has a timeout; proxies from the environment are honoured;
* bodies larger than :data:`MAX_BODY` and non-JSON bodies are clear errors.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..errors import (
    InsecureEndpoint,
    InvalidInput,
    NetworkError,
    OutcomeUnknown,
    ResponseError,
)

__all__ = ["MAX_BODY", "HttpClient", "JsonResponse", "check_url", "is_loopback", "origin",
           "same_origin"]

MAX_BODY = 1 << 20
DEFAULT_TIMEOUT = 10.0


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int] | None:
    """The (scheme, host, port) of an http(s) URL, the port made explicit (RFC 6454); None
    for anything else: another scheme, no host, a port that is not a number, or user
    information in the authority (``https://api.example@evil.example/``)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host or "@" in parts.netloc:
        return None
    return scheme, host, port if port is not None else _DEFAULT_PORTS[scheme]


def same_origin(url: str, base: str) -> bool:
    """True when ``url`` has exactly the scheme, host and port of ``base`` (SECURITY.md 36:
    a credential goes only to its own origin; a string prefix is not an origin check)."""
    mine = origin(url)
    return mine is not None and mine == origin(base)


def check_url(url: str) -> None:
    """Refuse anything but https, or http to a loopback address (RFC 8252 §8.3)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise InsecureEndpoint(f"not a valid URL: {url!r}") from None
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return
    if parts.scheme == "http":
        raise InsecureEndpoint(
            f"{url} uses http:// on a non-loopback host: only https is allowed there"
        )
    raise InsecureEndpoint(f"{url!r} is not an https:// URL")


@dataclass(frozen=True)
class JsonResponse:
    status: int
    headers: dict[str, str]
    body: Any = field(repr=False)
    elapsed: float = 0.0
    url: str = ""  # without its query (see without_query)


class HttpClient:
    """A thin, safe wrapper over one shared ``httpx.Client``."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        ca_bundle: str | None = None,
        transport: httpx.BaseTransport | None = None,
        max_body: int = MAX_BODY,
        ssl_context: Any = None,
    ) -> None:
        self.max_body = max_body
        #: What :func:`.mtls.certificate_http` copies into a client that presents a certificate.
        self.timeout, self.ca_bundle, self.transport = timeout, ca_bundle, transport
        try:
            import ssl

            verify: ssl.SSLContext | bool = ssl_context or (
                ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True)
            self._client = httpx.Client(
                timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                verify=verify,
                follow_redirects=False,
                trust_env=True,
                transport=transport,
                headers={"User-Agent": "Tokendesk", "Accept": "application/json"},
            )
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
            what = "does not exist" if isinstance(exc, FileNotFoundError) else (
                f"cannot be used ({type(exc).__name__})")
            raise InvalidInput(f"the CA bundle {ca_bundle} {what}: fix it in the "
                               "Preferences (or --ca-bundle)") from None

    def close(self) -> None:
        self._client.close()

    def __del__(self) -> None:
        # a window dropped without closing (or a script that forgot to) must not leave
        # sockets for the garbage collector to complain about
        client = getattr(self, "_client", None)
        if client is not None and not client.is_closed:
            try:
                client.close()
            except Exception:  # noqa: BLE001, S110 - interpreter shutdown: nothing to do
                pass

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request_json(
        self,
        method: str,
        url: str,
        *,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        accept_error_json: bool = True,
        allow_any_body: bool = False,
    ) -> JsonResponse:
        """Send one request; return the JSON body (errors with JSON bodies are returned too).

        With ``allow_any_body`` a 2xx answer need not be JSON (``body`` is then None): RFC 7009
        revocation succeeds with any body.
        """
        check_url(url)
        where = without_query(url)
        try:
            with self._client.stream(method, url, data=data, headers=headers, auth=auth) as resp:
                body = self._read_capped(resp, url)
                status, resp_headers = resp.status_code, dict(resp.headers)
                elapsed = resp.elapsed.total_seconds() if body is not None else 0.0
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout,
                httpx.ProxyError) as exc:
            tls = _certificate_problem(exc)
            if tls:
                raise NetworkError(f"the TLS certificate of {host_of(url)} could not be verified "
                                   f"({tls}): if your organisation signs it with its own CA, "
                                   "give that CA bundle (Preferences, or --ca-bundle)",
                                   url=where) from exc
            raise NetworkError(f"could not reach {host_of(url)} ({type(exc).__name__})",
                               url=where) from exc
        except (httpx.ReadTimeout, httpx.WriteTimeout) as exc:
            raise OutcomeUnknown(f"{host_of(url)} did not answer in time ({type(exc).__name__}); "
                                 "the request may have been acted on", url=where) from exc
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise OutcomeUnknown(f"{host_of(url)} closed the connection without an answer "
                                 f"({type(exc).__name__}); the request may have been acted on",
                                 url=where) from exc
        except httpx.TransportError as exc:
            raise NetworkError(f"could not reach {host_of(url)} ({type(exc).__name__})",
                               url=where) from exc
        if 300 <= status < 400:
            where = resp_headers.get("location", "?")
            raise ResponseError(
                f"{host_of(url)} answered with a redirect (HTTP {status} to {where}); redirects are "
                "not followed here", status=status, url=where)
        try:
            parsed = json.loads(body) if body else None
        except (ValueError, RecursionError):
            parsed = _NOT_JSON
        if allow_any_body and status < 300 and (parsed is _NOT_JSON or parsed is None):
            return JsonResponse(status, resp_headers, None, elapsed, where)
        if parsed is _NOT_JSON or (parsed is None and status < 400):
            kind = resp_headers.get("content-type", "no content type").split(";")[0]
            raise ResponseError(
                f"{host_of(url)} answered HTTP {status} with {kind}, not JSON", status=status,
                url=where)
        if status >= 400 and not accept_error_json:
            raise ResponseError(f"{host_of(url)} answered HTTP {status}", status=status, url=where)
        return JsonResponse(status, resp_headers, parsed, elapsed, where)

    def get_json(self, url: str) -> JsonResponse:
        return self.request_json("GET", url)

    def _read_capped(self, resp: httpx.Response, url: str) -> bytes:
        declared = resp.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body:
            raise ResponseError(
                f"{host_of(url)} sent {int(declared):,} bytes; at most {self.max_body:,} are read",
                status=resp.status_code, url=without_query(url))
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_bytes():
            size += len(chunk)
            if size > self.max_body:
                raise ResponseError(
                    f"{host_of(url)} sent more than {self.max_body:,} bytes: refused",
                    status=resp.status_code, url=without_query(url))
            chunks.append(chunk)
        return b"".join(chunks)


_NOT_JSON = object()


def retry_after(headers: dict[str, str], now: float) -> float | None:
    """The ``Retry-After`` header (RFC 9110 §10.2.3) as seconds from ``now``: delay-seconds or
    an HTTP date; None when absent or unreadable. Header names are lower case (httpx's)."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def without_query(url: str) -> str:
    """``url`` without its query and fragment, which may carry a token or a code: what errors
    keep as their ``url``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def host_of(url: str) -> str:
    """The host (and port) of ``url``, for messages."""
    try:
        return urlsplit(url).netloc or url
    except ValueError:
        return url


def _certificate_problem(exc: BaseException) -> str:
    """What the TLS library said about the server's certificate, if that is why the connection
    failed ("" otherwise): a certificate problem is not a network outage."""
    import ssl

    seen: BaseException | None = exc
    for _ in range(8):  # the cause chain: httpx -> httpcore -> ssl
        if seen is None:
            return ""
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen.verify_message or "certificate verify failed"
        if "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return "certificate verify failed"
        seen = seen.__cause__ or seen.__context__
    return ""
