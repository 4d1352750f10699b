"""Shared helpers for commands: reading input, printing errors. Standard library only."""

from __future__ import annotations

import json
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class UsageError(Exception):
    """A local problem the user can fix (bad file, bad JSON): exit code 2."""


#: The most standard input a command reads as a token or a payload (bytes).
MAX_STDIN = 16 << 20


def read_token_arg(value: str | None) -> str:
    """The token from the argument, or from stdin for ``-``/nothing."""
    if value is None or value == "-":
        if sys.stdin is None or sys.stdin.closed:
            raise UsageError("no token given and no standard input to read")
        data = (sys.stdin.buffer.read(MAX_STDIN + 1) if hasattr(sys.stdin, "buffer")
                else sys.stdin.read(MAX_STDIN + 1))
        if len(data) > MAX_STDIN:  # (/dev/zero once grew the process to 7.5 GB)
            raise UsageError(f"standard input holds more than {MAX_STDIN >> 20} MiB: no token "
                             "is that long")
        if isinstance(data, bytes):
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UsageError(f"standard input is not UTF-8 text (byte {exc.start})") from None
        return data
    return value


def stdin_text(what: str, *, line: bool = False) -> str:
    """Standard input as text (all of it, or one ``line``); bytes that are not UTF-8 are a
    usage error, not a UnicodeDecodeError."""
    if sys.stdin is None or sys.stdin.closed:
        raise UsageError(f"{what}: no standard input to read")
    try:
        text = sys.stdin.readline(MAX_STDIN + 1) if line else sys.stdin.read(MAX_STDIN + 1)
    except UnicodeDecodeError:
        raise UsageError(f"{what}: standard input is not UTF-8 text") from None
    if len(text) > MAX_STDIN:
        raise UsageError(f"{what}: standard input holds more than {MAX_STDIN >> 20} MiB")
    return text


def read_file(path: str, what: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read(4 << 20)  # as much as of a file
    try:
        with open(path, "rb") as handle:
            data = handle.read(4 << 20)
    except FileNotFoundError:
        raise UsageError(f"{what}: no such file: {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{what}: {path} is a directory") from None
    except OSError as exc:
        raise UsageError(f"{what}: cannot read {path} ({exc.strerror})") from None
    except ValueError:  # a NUL character: no file can have that name
        raise UsageError(f"{what}: {path!r} is not a file name") from None
    return data


def read_secret_arg(args: Any, stdin_used_by: str | None,
                    option: str = "--secret") -> str | bytes | None:
    """The secret of ``--secret-stdin``, ``--secret-file`` or ``--secret`` (None without one);
    ``option="--password"`` reads ``--password-stdin`` and ``--password-file`` instead.
    ``stdin_used_by`` names what else would read standard input (the token), if anything.

    Read from standard input or a file, one trailing line ending is dropped (``echo`` and
    editors add one) and the rest is kept as it is: text when it is UTF-8, bytes otherwise.
    """
    attr = option[2:].replace("-", "_")
    if getattr(args, f"{attr}_stdin", False):
        if stdin_used_by:
            raise UsageError(f"{option}-stdin reads standard input, and so does "
                             f"{stdin_used_by}: give that as an argument (or use {option}-file)")
        if sys.stdin is None or sys.stdin.closed:
            raise UsageError(f"{option}-stdin: no standard input to read")
        data = sys.stdin.buffer.read(1 << 20) if hasattr(sys.stdin, "buffer") \
            else sys.stdin.read(1 << 20)
        return _secret_value(data, f"{option}-stdin")
    if getattr(args, f"{attr}_file", None) is not None:
        path = getattr(args, f"{attr}_file")
        return _secret_value(read_file(path, f"{option}-file"), f"{option}-file")
    secret: str | None = getattr(args, attr, None)
    return secret


def _secret_value(data: str | bytes, what: str) -> str | bytes:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    for ending in (b"\r\n", b"\n"):
        if data.endswith(ending):
            data = data[: -len(ending)]
            break
    if not data:
        raise UsageError(f"{what}: the secret is empty")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def read_json_arg(value: str, what: str) -> Any:
    if value == "-":
        text = stdin_text(what)
    elif value.startswith("@"):
        text = read_file(value[1:], what).decode("utf-8", "replace")
    else:
        text = value
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"{what} is not valid JSON ({exc})") from None


def error(message: str, *, code: str = "usage", exit_code: int = 2) -> None:
    """A refusal in one line on standard error; with ``--json`` also the error as JSON on
    standard output (``code`` ``usage``: a problem with the command line), for scripts."""
    print(f"tokendesk: {message}", file=sys.stderr)
    if JSON_ERRORS:
        print(json.dumps({"error": {"code": code, "message": message, "exit": exit_code}}))


def print_json(data: Any) -> None:
    """Strict JSON (what jq and every other reader accept): a number that is not finite, which
    only a hostile token can hold, is written as the string "NaN", "Infinity" or "-Infinity"."""
    try:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str, allow_nan=False)
    except ValueError:
        text = json.dumps(_finite_only(data), indent=2, ensure_ascii=False, default=str)
    print(text)


def _finite_only(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, dict):
        return {k: _finite_only(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_only(v) for v in value]
    return value


#: Set by ``main`` when the command was asked for ``--json``: failures are then also printed as
#: ``{"error": {"code": …, "message": …}}`` on standard output, for scripts.
JSON_ERRORS = False


def fail(exc: Exception, *, default: int = 2) -> int:
    """Print a person's message for a known error; return the exit code it means.

    Usage and local problems (bad file, bad key, an endpoint the client has no URL for, so
    nothing was sent) are 2; the network or a server that is down is 3; a server that said no
    is 1; a cancel is 130; other core errors take ``default``. With ``--json`` the error also goes to standard
    output as ``{"error": {"code", "message", "exit"}}`` (the codes are the error classes'
    ``code``; ``usage`` for a local problem of the command line).
    """
    from tokendesk.core.errors import (
        AdminError,
        Cancelled,
        KeyProblem,
        MissingClientSecret,
        MissingEndpoint,
        NetworkError,
        ProviderError,
        ResponseError,
        TokendeskError,
    )

    if isinstance(exc, UsageError):
        return _failed("usage", str(exc), 2)
    if not isinstance(exc, TokendeskError):
        raise exc
    if isinstance(exc, Cancelled):
        return _failed(exc.code, exc.message, 130)
    if isinstance(exc, KeyProblem):
        return _failed(exc.code, f"key: {exc.message}", 2)
    if isinstance(exc, MissingEndpoint | MissingClientSecret):  # nothing sent: local, fix it
        return _failed(exc.code, exc.message, 2)
    if isinstance(exc, NetworkError):
        return _failed(exc.code, exc.message, 3)
    if isinstance(exc, AdminError):
        return _failed(exc.code, exc.message,
                       3 if exc.code == "rate_limited" or (exc.status or 0) >= 500 else 1)
    if isinstance(exc, ProviderError | ResponseError):
        code = getattr(exc, "error", None) or exc.code
        return _failed(code, exc.message, 3 if (exc.status or 0) >= 500 else 1)
    return _failed(exc.code, exc.message, default)


def _failed(code: str, message: str, exit_code: int) -> int:
    error(message, code=code, exit_code=exit_code)
    return exit_code
