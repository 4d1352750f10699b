"""The argparse definition of every sub-command (imported only when needed)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from tokendesk.core.choices import AUTH_METHODS, DPOP_ALGS, ENVIRONMENTS
from tokendesk.core.support.registry import CONNECTOR_KEYS
from tokendesk.core.tokens.model import expectable_kinds

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """One line, like every other refusal (issue 13), pointing to the command's help."""
        command = self.prog.removeprefix("tokendesk").strip()
        where = f"{command}: " if command else ""
        from .common import error

        error(f"{where}{message} (see '{self.prog} --help')")  # (and as JSON with --json)
        raise SystemExit(EXIT_USAGE)


def _finite(text: str) -> float:
    """A number that is finite: ``nan``, ``inf`` and ``1e400`` are refused (SECURITY.md 35)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid float value: {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _seconds(text: str) -> float:
    """A duration: finite and not negative."""
    value = _finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative; give seconds, 0 or more")
    return value


#: The longest wait a command accepts (a day): sockets and timers refuse far larger values.
MAX_WAIT_SECONDS = 86_400.0


def _timeout(text: str) -> float:
    """A network timeout or wait: more than 0 and at most a day."""
    value = _seconds(text)
    if not 0 < value <= MAX_WAIT_SECONDS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is out of range; give more than 0 and at most {MAX_WAIT_SECONDS:,.0f} s")
    return value


def _existing_file(text: str) -> str:
    """A file that exists now (a CA bundle): refused up front rather than deep in TLS set-up."""
    import os

    if not os.path.exists(text):
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text} is a directory, not a file")
    return text


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (``only``) just the one sub-command being run: building every
    sub-command's help formatter costs more than decoding a token."""
    parser = _Parser(prog="tokendesk", description="A workbench for OAuth and JWT tokens.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name, (help_text, add_arguments, *_runner) in _COMMANDS.items():
        if only is None or only == name:
            add_arguments(sub.add_parser(name, help=help_text))
    return parser


def _decode_args(p: argparse.ArgumentParser) -> None:

    p.add_argument("token", nargs="?", default="-",
                   help="a token, header, JSON response or URL; - (default) reads stdin")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--now", type=_finite, help="the clock, as epoch seconds (default: now)")
    p.add_argument("--all", action="store_true",
                   help="decode every token found in the input, not only the first")


def _verify_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("token", nargs="?", default="-", help="the token; - (default) reads stdin")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--key", metavar="FILE",
                     help="PEM public key, certificate or private key, JWK or JWKS")
    _secret_args(src, "an HMAC shared secret")
    src.add_argument("--jwks-url", metavar="URL", help="fetch the key set from this URL")
    src.add_argument("--issuer-keys", action="store_true",
                     help="fetch the keys the issuer publishes (OpenID discovery): the issuer "
                     "of --iss or --client; without them the token's own iss, trusted only "
                     "when a vault client has that issuer (as in the window); otherwise the "
                     "verdict is at best UNTRUSTED, exit 1")
    p.add_argument("--secret-encoding", choices=("text", "base64", "base64url"), default="text")
    p.add_argument("--alg", action="append", metavar="ALG",
                   help="allowed algorithm (repeatable); still bound to what each key can do")
    p.add_argument("--iss", metavar="ISS", help="expected issuer (exact match)")
    p.add_argument("--client", metavar="NAME",
                   help="expect the issuer of this vault client (as --iss does)")
    p.add_argument("--aud", metavar="AUD", help="expected audience")
    p.add_argument("--now", type=_finite, metavar="EPOCH", help="the clock (default: now)")
    p.add_argument("--leeway", type=_seconds, default=0.0, metavar="SECONDS",
                   help="tolerated clock skew (default 0)")
    p.add_argument("--expect", choices=[k.value for k in expectable_kinds()],
                   help="what kind of token it must be")
    p.add_argument("--client-id", help="ID token: the client it must be issued to")
    p.add_argument("--nonce", help="ID token: the nonce that was sent")
    p.add_argument("--ca-bundle", metavar="FILE", type=_existing_file,
                   help="CA bundle for fetching keys")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _secret_args(group: argparse._MutuallyExclusiveGroup, what: str) -> None:
    """``--secret-stdin`` and ``--secret-file``: a secret never travels on the command line,
    where ``ps`` shows it to every user (SECURITY.md 36). ``--secret TEXT`` stays for
    compatibility."""
    group.add_argument("--secret-stdin", action="store_true",
                       help=f"read {what} from standard input (one trailing newline dropped); "
                       "give the token as an argument")
    group.add_argument("--secret-file", metavar="FILE",
                       help=f"read {what} from FILE (one trailing newline dropped)")
    group.add_argument("--secret", metavar="TEXT",
                       help=f"{what} on the command line (visible to every user in the "
                       "process list: prefer --secret-stdin or --secret-file)")


def _decrypt_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("token", nargs="?", default="-")
    p.add_argument("--key", metavar="FILE", help="private JWK, PEM private key")
    p.add_argument("--password-stdin", action="store_true", help="PBES2: read the password")
    p.add_argument("--password-file", metavar="FILE",
                   help="PBES2: read the password from FILE (one trailing newline dropped)")
    p.add_argument("--json", action="store_true")


_JWE_ENCS = ("A128GCM", "A192GCM", "A256GCM", "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512")


def _encrypt_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("payload", nargs="?", default="-",
                   help="what to encrypt: a signed token (a nested JWT: cty JWT is set), JSON "
                   "claims or any text; - (default) reads stdin")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--key", metavar="FILE",
                     help="the recipient's key: a public JWK or JWKS, a PEM public key or "
                     "certificate; an oct JWK for dir, A*KW and A*GCMKW")
    src.add_argument("--password-stdin", action="store_true",
                     help="PBES2: read the password from standard input")
    src.add_argument("--password-file", metavar="FILE", help="PBES2: read the password from FILE")
    p.add_argument("--alg", help="key management (default: the key's alg, else RSA-OAEP-256, "
                   "ECDH-ES or A*KW by key type); RSA1_5 is not offered")
    p.add_argument("--enc", default="A256GCM", choices=_JWE_ENCS,
                   help="content encryption (default A256GCM)")
    p.add_argument("--kid", help="choose this key of a JWKS; also the header's kid")
    p.add_argument("--cty", help="content type header (default: JWT when the payload is a "
                   "signed token)")
    p.add_argument("--zip", action="store_true", help="compress the content first (zip DEF)")
    p.add_argument("--p2c", type=int, default=100_000, metavar="N",
                   help="PBES2 iterations (1000 to 600,000; default 100,000)")


def _encode_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--claims", default="{}", metavar="JSON",
                   help="the claims as JSON, @FILE, or - for stdin")
    p.add_argument("--header", metavar="JSON", help="extra header members as JSON")
    p.add_argument("--from", dest="from_token", metavar="TOKEN",
                   help="edit and re-sign this token (its claims, updated by --claims/--set)")
    kgroup = p.add_mutually_exclusive_group(required=True)
    kgroup.add_argument("--key", metavar="FILE", help="private key: PEM or private JWK")
    _secret_args(kgroup, "the HMAC secret")
    kgroup.add_argument("--unsecured", action="store_true", help="alg none (never accepted)")
    p.add_argument("--alg", help="the algorithm (default: from the key)")
    p.add_argument("--kid", help="kid header")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="set one claim (VALUE parsed as JSON when it can be)")
    p.add_argument("--expires-in", type=int, metavar="SECONDS",
                   help="set iat to now and exp to now + SECONDS")


def _keygen_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--type", default="RSA", choices=("RSA", "EC", "Ed25519", "Ed448", "HMAC"))
    p.add_argument("--size", type=int, help="RSA bits (default 2048) or HMAC bytes")
    p.add_argument("--curve", default="P-256", choices=("P-256", "P-384", "P-521"))
    p.add_argument("--alg", help="the algorithm the key is for (RSA: RS*/PS*; HMAC: HS*)")
    p.add_argument("--kid", help="key ID (default: from the key's thumbprint)")
    p.add_argument("--format", default="jwk", choices=("jwk", "pem"),
                   help="jwk: private JWK and public JWKS; pem: PKCS#8 and SPKI")
    p.add_argument("--force", action="store_true",
                   help="replace PREFIX.key and PREFIX.pub if they exist")
    p.add_argument("--out", metavar="PREFIX",
                   help="write PREFIX.key (mode 0600) and PREFIX.pub instead of printing")


def _gui_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--smoke-test", action="store_true",
                   help="open the window, print first-paint-ms and exit")


def _client_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    add = sub.add_parser("add", help="add an OAuth client (its secret goes to the keyring)")
    add.add_argument("name")
    add.add_argument("--issuer", required=True, metavar="URL")
    add.add_argument("--client-id", required=True, metavar="ID")
    add.add_argument("--client-secret-stdin", action="store_true",
                     help="read the client secret from standard input")
    add.add_argument("--auth-method", default="client_secret_basic", choices=tuple(AUTH_METHODS))
    add.add_argument("--private-key", metavar="FILE", help="private_key_jwt: the client's key")
    add.add_argument("--scope", metavar="S", help="default scope")
    add.add_argument("--audience", metavar="A", help="audience or resource")
    add.add_argument("--discovery-url", metavar="URL")
    add.add_argument("--environment", choices=ENVIRONMENTS)
    add.add_argument("--token-endpoint", metavar="URL",  # issue 14: endpoints by hand
                     help="the token endpoint (the others still come from discovery)")
    add.add_argument("--admin", choices=CONNECTOR_KEYS,
                     help="an admin connection for the support console (its machine token "
                          "comes from client credentials)")
    add.add_argument("--admin-api", metavar="URL",
                     help="the admin API's base URL, when it is not derived from the issuer")
    from .client_cmd import add_bound_args  # DPoP, mTLS (issue 18)

    add_bound_args(add, off=False)
    from .client_cmd import add_edit_parser, add_endpoint_args  # issue 14: endpoints by hand

    add_endpoint_args(add, skip=("token_endpoint",))  # issue 14: endpoints by hand
    add_edit_parser(sub)  # issue 14: endpoints by hand
    for name in ("list", "show", "rm"):
        q = sub.add_parser(name, help={"list": "list clients", "show": "show one client",
                                       "rm": "delete a client and its secret"}[name])
        if name != "list":
            q.add_argument("name")
        if name == "rm":
            q.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        else:
            q.add_argument("--json", action="store_true")


def _vault_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    add = sub.add_parser("add", help="store a refresh token (from stdin) for a client")
    add.add_argument("name")
    add.add_argument("--client", required=True)
    add.add_argument("--refresh-token-stdin", action="store_true", required=True,
                     help="read the refresh token, or a whole JSON token response, from stdin")
    add.add_argument("--notes")
    lst = sub.add_parser("list", help="list credentials (no secrets)")
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--search", metavar="TEXT")
    lst.add_argument("--client")
    lst.add_argument("--environment", choices=(*ENVIRONMENTS, ""))
    lst.add_argument("--sort", choices=("name", "expiry", "client"), default="name")
    show = sub.add_parser("show", help="show one credential")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    show.add_argument("--reveal", action="store_true", help="print the tokens too")
    rm = sub.add_parser("rm", help="delete a credential's local copy")
    rm.add_argument("name")
    rm.add_argument("--revoke", action="store_true", help="revoke at the server first")
    rm.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    exp = sub.add_parser("export", help="export the vault (encrypted) or its metadata")
    exp.add_argument("file", help="the file to write, or - for standard output")
    exp.add_argument("--metadata", action="store_true", help="no secrets, for sharing a setup")
    exp.add_argument("--names", nargs="+", metavar="NAME", help="only these credentials")
    imp = sub.add_parser("import", help="import an encrypted export")
    imp.add_argument("file")
    auto = sub.add_parser("auto-refresh", help="let the app refresh a credential before its "
                                               "access token expires")
    auto.add_argument("name")
    when = auto.add_mutually_exclusive_group(required=True)
    when.add_argument("--before", type=_seconds, metavar="SECONDS",
                      help="refresh this long before the access token expires")
    when.add_argument("--off", action="store_true")
    sub.add_parser("create-file-store",
                   help="keep secrets in an encrypted file (when no keyring is available)")


def _audit_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", metavar="NAME", help="only this credential or client")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--csv", action="store_true")
    group.add_argument("--json", action="store_true")


def _network_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=_timeout, default=10.0, metavar="SECONDS")
    p.add_argument("--ca-bundle", metavar="FILE", type=_existing_file,
                   help="CA bundle for TLS verification")


def _refresh_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="the stored credential")
    p.add_argument("--scope", help="ask for a narrower scope")
    p.add_argument("--resource", help="resource / audience (RFC 8707)")
    p.add_argument("--json", action="store_true")
    _network_args(p)


def _name_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="the stored credential")
    p.add_argument("--json", action="store_true")
    _network_args(p)


def _introspect_args(p: argparse.ArgumentParser) -> None:
    _name_args(p)
    p.add_argument("--token", choices=("refresh_token", "access_token"),
                   default="refresh_token", help="which token to ask about")


def _token_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="the stored credential")
    p.add_argument("--min-ttl", type=_seconds, default=60.0, metavar="SECONDS",
                   help="refresh first if the access token has less left (default 60)")
    p.add_argument("--dpop", action="store_true",
                   help="print the two headers of a DPoP request instead (Authorization: DPoP "
                   "… and DPoP: a proof with ath) for --method and --url: curl -H @FILE")
    p.add_argument("--method", default="GET", help="with --dpop: the HTTP method (default GET)")
    p.add_argument("--url", metavar="URL", help="with --dpop: the URL the request goes to")
    p.add_argument("--nonce", metavar="NONCE", help="with --dpop: the nonce the resource "
                   "asked for (its DPoP-Nonce header, after a use_dpop_nonce answer)")
    _network_args(p)


def _login_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("client", help="the stored client to sign in with")
    p.add_argument("--name", required=True, help="the name to store the credential under")
    p.add_argument("--device", action="store_true",
                   help="device sign-in (RFC 8628): a code to type on another device")
    p.add_argument("--scope", help="scope to ask for (default: the client's)")
    p.add_argument("--wait", type=_timeout, default=300.0, metavar="SECONDS",
                   help="how long to wait for the browser (default 300)")
    p.add_argument("--dpop", nargs="?", const="", choices=("", *DPOP_ALGS), metavar="ALG",
                   help="bind the tokens to a new DPoP key (RFC 9449): ES256 (default, or the "
                   "client's), EdDSA or RS256")
    _network_args(p)


def _grant_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("client", help="the stored client")
    kind = p.add_mutually_exclusive_group(required=True)
    kind.add_argument("--client-credentials", action="store_true",
                      help="a machine token for the client itself")
    kind.add_argument("--subject-token-stdin", action="store_true",
                      help="token exchange (RFC 8693): the subject token on standard input")
    p.add_argument("--subject-type", default="urn:ietf:params:oauth:token-type:access_token",
                   help="subject_token_type (default: an access token)")
    p.add_argument("--requested-type", help="requested_token_type")
    p.add_argument("--audience")
    p.add_argument("--resource")
    p.add_argument("--scope")
    p.add_argument("--json", action="store_true",
                   help="the whole response, the access token included (for scripts)")
    _network_args(p)


def _verify_dpop_args(p: argparse.ArgumentParser) -> None:
    from .dpop_cmd import add_verify_dpop_args

    add_verify_dpop_args(p, _finite, _seconds)


def _check_binding_args(p: argparse.ArgumentParser) -> None:
    from .dpop_cmd import add_check_binding_args

    add_check_binding_args(p)


def _support_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    find = sub.add_parser("find", help="find users by email, user id or name")
    find.add_argument("connection", help="the admin connection (a client added with --admin)")
    find.add_argument("query")
    tokens = sub.add_parser("tokens", help="a user's refresh tokens, sessions and grants")
    tokens.add_argument("connection")
    tokens.add_argument("user", help="the user's id at the provider")
    revoke = sub.add_parser("revoke", help="revoke a user's tokens, sessions or grants")
    revoke.add_argument("connection")
    revoke.add_argument("user", help="the user's id at the provider")
    what = revoke.add_mutually_exclusive_group(required=True)
    what.add_argument("--all", action="store_true",
                      help="all refresh tokens and all sessions")
    what.add_argument("--all-tokens", action="store_true", help="all refresh tokens")
    what.add_argument("--all-sessions", action="store_true", help="all sessions")
    what.add_argument("--token", metavar="ID", help="one refresh token")
    what.add_argument("--session", metavar="ID", help="one session")
    what.add_argument("--grant", metavar="ID", help="one grant (consent)")
    revoke.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    for q in (find, tokens, revoke):
        q.add_argument("--json", action="store_true")
        _network_args(q)


def _qa_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    replay = sub.add_parser("replay", help="refresh, then present the refresh token that "
                            "refresh retired (reuse detection)")
    race = sub.add_parser("race", help="refresh with the same token several times at once")
    race.add_argument("--count", type=int, default=2, choices=range(2, 21), metavar="N",
                      help="requests at once (2 to 20, default 2)")
    rot = sub.add_parser("rotation", help="refresh, replay the retired token, refresh again: "
                         "does the server rotate, refuse reuse, revoke the family?")
    for flag, what in (("--expect-rotation", "the server rotates refresh tokens"),
                       ("--expect-reuse-detection", "a replayed token revokes the family")):
        rot.add_argument(flag, choices=("yes", "no"),
                         help=f"exit 1 unless this holds: {what}")
    for q in (replay, race, rot):
        q.add_argument("name", help="the stored credential (it may be revoked by the test)")
        q.add_argument("--yes", action="store_true",
                       help="do not ask: these requests may make the server revoke the token")
        q.add_argument("--json", action="store_true")
        _network_args(q)


#: Each command: its help, its arguments, and the module (in tokendesk.cli) and function that
#: run it, imported only when that command runs. Adding a command is a row here and its module.
_COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], str, str]] = {
    "decode": ("show what a token is and says (offline, UNVERIFIED)",
               _decode_args, "decode_cmd", "run"),
    "verify": ("verify a token's signature and claims", _verify_args, "verify_cmd", "run"),
    "verify-dpop": ("check a DPoP proof on its own: signature, htm/htu, iat, ath, cnf.jkt",
                    _verify_dpop_args, "dpop_cmd", "run_verify"),
    "check-binding": ("does an access token's cnf match a DPoP proof, a key or a certificate?",
                      _check_binding_args, "dpop_cmd", "run_binding"),
    "decrypt": ("decrypt a JWE with a private key or shared key",
                _decrypt_args, "verify_cmd", "run_decrypt"),
    "encode": ("build and sign a token (for testing)", _encode_args, "encode_cmd", "run_encode"),
    "encrypt": ("encrypt a token or any content as a JWE (nested JWT: encode, then encrypt)",
                _encrypt_args, "encrypt_cmd", "run"),
    "keygen": ("generate a test key (RSA, EC, Ed25519, Ed448, HMAC)",
               _keygen_args, "encode_cmd", "run_keygen"),
    "client": ("manage OAuth clients", _client_args, "vault_cmd", "run_client"),
    "vault": ("manage stored credentials", _vault_args, "vault_cmd", "run_vault"),
    "audit": ("show the audit log (--csv for a ticket)", _audit_args, "vault_cmd", "run_audit"),
    "login": ("sign in (browser, or --device) and store the refresh token",
              _login_args, "exchange_cmd", "run_login"),
    "refresh": ("refresh a stored credential (rotation handled)",
                _refresh_args, "exchange_cmd", "run"),
    "revoke": ("revoke a credential's tokens at the server (RFC 7009)",
               _name_args, "exchange_cmd", "run"),
    "introspect": ("ask the server whether a token is active (RFC 7662)",
                   _introspect_args, "exchange_cmd", "run"),
    "userinfo": ("call the userinfo endpoint with a valid access token",
                 _name_args, "exchange_cmd", "run"),
    "token": ("print a valid access token, refreshing first when needed",
              _token_args, "exchange_cmd", "run"),
    "exchange": ("client credentials or token exchange (RFC 8693) for a client",
                 _grant_args, "exchange_cmd", "run_grant"),
    "qa": ("test a server's rotation and reuse detection (replay, race, rotation)",
           _qa_args, "qa_cmd", "run"),
    "support": ("find a customer at the provider and revoke their tokens (admin API)",
                _support_args, "support_cmd", "run"),
    "gui": ("open the desktop app (the default)", _gui_args, "gui_cmd", "run"),
}
