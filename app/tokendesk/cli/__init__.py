"""``tokendesk`` command line: argparse over the core, with lazy imports.

Exit codes: 0 success, 1 refused (token invalid, server said no), 2 usage or local error
(bad key file, unknown name), 3 network or server unavailable.

Nothing heavy is imported up front; each command imports what it needs, so ``tokendesk decode``
never loads cryptography, httpx, keyring or PySide6 (nor argparse, for its simple flags).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import SimpleNamespace

TYPE_CHECKING = False  # typing itself costs milliseconds that `tokendesk decode` cannot spare
if TYPE_CHECKING:
    from typing import Any

__all__ = ["EXIT_NETWORK", "EXIT_OK", "EXIT_REFUSED", "EXIT_USAGE", "main"]

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_NETWORK = 0, 1, 2, 3


def _quick_decode_args(args: list[str]) -> Any:
    """``decode`` with only simple flags, parsed without building argparse's formatters (a
    third of the command's start-up). Anything else goes through argparse as usual."""
    if not args or args[0] != "decode":
        return None
    ns = SimpleNamespace(command="decode", version=False, json=False, now=None, all=False)
    ns.token = "-"  # noqa: S105 - "read standard input", not a password
    positional: list[str] = []
    rest = iter(args[1:])
    for arg in rest:
        if arg in ("--json", "--all"):
            setattr(ns, arg[2:], True)
        elif arg == "--now":
            try:
                ns.now = float(next(rest))
            except (StopIteration, ValueError):
                return None
            if ns.now != ns.now or ns.now in (float("inf"), float("-inf")):
                return None  # argparse refuses it with a message
        elif arg == "-" or not arg.startswith("-"):
            positional.append(arg)
        else:
            return None
    if len(positional) > 1:
        return None
    if positional:
        ns.token = positional[0]
    return ns


def main(argv: list[str] | None = None) -> int:
    """The console script. Returns the exit code (also callable in-process).

    Whatever the input, the outcome is an exit code and at most a one-line ``tokendesk: …``
    message on stderr, never a traceback (issue 13, SECURITY.md 34): arguments that are not
    text are refused, text that cannot be encoded is printed escaped, and a closed pipe
    (``tokendesk decode … | head``) drops the rest of the output quietly, the exit code still
    the command's own. Each command turns the errors it
    expects into words; anything else is a bug, still reported in one line (exit 2) unless
    ``TOKENDESK_DEBUG`` is set, which lets the traceback through."""
    args_list = sys.argv[1:] if argv is None else list(argv)
    _escape_unencodable_output()
    if "--json" in args_list or f"{__name__}.common" in sys.modules:
        from . import common  # (not loaded for the window: json is not needed before it paints)

        common.JSON_ERRORS = "--json" in args_list
    unreadable = next((i for i, arg in enumerate(args_list) if not _is_text(arg)), None)
    if unreadable is not None:
        from .common import error

        error(f"argument {unreadable + 1} is not valid text (invalid UTF-8 or a lone "
              "surrogate); nothing was done")
        return EXIT_USAGE
    stdout = sys.stdout
    sys.stdout = _PipeSafe(stdout)
    try:
        code = _run(args_list)
        sys.stdout.flush()  # a closed pipe often shows only here, when the buffer is written
    except BrokenPipeError:  # (written to directly, past the wrapper)
        _discard_stdout()
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last resort: a bug, but never a traceback
        import os

        if os.environ.get("TOKENDESK_DEBUG"):
            raise
        # the type only: a library's message may quote what it was given (a token, a secret)
        print(f"tokendesk: unexpected error ({type(exc).__name__}); this is a bug, please "
              "report it (TOKENDESK_DEBUG=1 shows the details)", file=sys.stderr)
        return EXIT_USAGE
    finally:
        sys.stdout = stdout
    return code


class _PipeSafe:
    """Standard output whose reader may go away (``tokendesk verify … | head -1``): the rest of
    the output is dropped quietly and the command runs to its end, so its exit code is still
    the verdict's (an INVALID token piped into ``head`` must not exit 0)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._gone = False

    def write(self, text: str) -> int:
        if not self._gone:
            try:
                return int(self._stream.write(text))
            except BrokenPipeError:
                self._went_away()
        return len(text)

    def flush(self) -> None:
        if not self._gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._went_away()

    def _went_away(self) -> None:
        self._gone = True
        saved, sys.stdout = sys.stdout, self._stream
        try:
            _discard_stdout()  # the interpreter's last flush goes to /dev/null
        finally:
            sys.stdout = saved

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _is_text(arg: str) -> bool:
    """False for an argument with a lone surrogate: Python's stand-in for bytes of an argv
    that were not UTF-8 (PEP 383), which no file, keyring or sqlite can take."""
    if arg.isascii():
        return True
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _escape_unencodable_output() -> None:
    """Print what the terminal's encoding cannot show (a lone surrogate from a JSON escape in a
    token, say) as a backslash escape instead of failing half-way through the output."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        # (surrogateescape, the default in C and POSIX locales, fails on a lone \ud800 too)
        if reconfigure is not None and getattr(stream, "errors", None) in ("strict",
                                                                         "surrogateescape"):
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # pragma: no cover - a stream that refuses
                pass


def _discard_stdout() -> None:
    """The reader went away (EPIPE): send the rest of the output, and the interpreter's final
    flush, to /dev/null so that nothing is reported on the way out."""
    import os

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):  # in-process: a capture, nothing to redirect
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _run(args_list: list[str]) -> int:
    quick = _quick_decode_args(args_list)
    if quick is not None:
        from .decode_cmd import run

        return run(quick)
    if args_list in ([], ["gui"], ["gui", "--smoke-test"]):  # start the window without argparse
        from .gui_cmd import run as run_gui

        return run_gui(SimpleNamespace(smoke_test="--smoke-test" in args_list))
    from .parser import _COMMANDS, build_parser

    first = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(first if first in _COMMANDS and "-h" not in args_list[:1] else None)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.version:
        from tokendesk import __version__

        print(f"tokendesk {__version__}")
        return EXIT_OK
    command = args.command or "gui"
    if args.command is None:
        args = build_parser("gui").parse_args(["gui"])
    module_name, func_name = _COMMANDS[command][2:]
    module_name = f"tokendesk.cli.{module_name}"
    import importlib

    handler: Callable[[Any], int] = getattr(
        importlib.import_module(module_name), func_name)
    return handler(args)
