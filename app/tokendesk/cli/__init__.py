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


_HANDLERS: dict[str, tuple[str, str]] = {
    "decode": ("tokendesk.cli.decode_cmd", "run"),
    "verify": ("tokendesk.cli.verify_cmd", "run"),
    "decrypt": ("tokendesk.cli.verify_cmd", "run_decrypt"),
    "encode": ("tokendesk.cli.encode_cmd", "run_encode"),
    "keygen": ("tokendesk.cli.encode_cmd", "run_keygen"),
    "client": ("tokendesk.cli.vault_cmd", "run_client"),
    "vault": ("tokendesk.cli.vault_cmd", "run_vault"),
    "audit": ("tokendesk.cli.vault_cmd", "run_audit"),
    "login": ("tokendesk.cli.exchange_cmd", "run_login"),
    "refresh": ("tokendesk.cli.exchange_cmd", "run"),
    "revoke": ("tokendesk.cli.exchange_cmd", "run"),
    "introspect": ("tokendesk.cli.exchange_cmd", "run"),
    "userinfo": ("tokendesk.cli.exchange_cmd", "run"),
    "token": ("tokendesk.cli.exchange_cmd", "run"),
    "exchange": ("tokendesk.cli.exchange_cmd", "run_grant"),
    "qa": ("tokendesk.cli.qa_cmd", "run"),
    "support": ("tokendesk.cli.support_cmd", "run"),
    "gui": ("tokendesk.cli.gui_cmd", "run"),
}


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
    """The console script. Returns the exit code (also callable in-process)."""
    args_list = sys.argv[1:] if argv is None else list(argv)
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
    module_name, func_name = _HANDLERS[command]
    import importlib

    handler: Callable[[Any], int] = getattr(
        importlib.import_module(module_name), func_name)
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
