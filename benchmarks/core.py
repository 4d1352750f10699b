"""Benchmarks of the token core, measured side by side in one run.

    python -m benchmarks.core [--quick]

Prints, for HS256, RS256, PS256, ES256 and EdDSA, the time of the core's prepared-key
``verify`` against the floor (base64url + ``json.loads`` + ``cryptography``'s own verify) and
against PyJWT's ``jwt.decode``, as ratios; decode-only per 1 KB token; and ``tokendesk decode``
as a whole process against ``python -c pass``. Rounds of each contender are interleaved so that
a noisy neighbour slows all of them alike; medians are reported.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

GOALS = {"HS256": 2.0, "RS256": 1.5, "PS256": 1.5, "ES256": 1.25, "EdDSA": 1.25}


def _b64d(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _interleaved(funcs: dict[str, Callable[[], Any]], rounds: int, inner: int) -> dict[str, float]:
    """Median seconds per call of each function, rounds interleaved."""
    samples: dict[str, list[float]] = {name: [] for name in funcs}
    for fn in funcs.values():  # warm up
        for _ in range(inner):
            fn()
    for _ in range(rounds):
        for name, fn in funcs.items():
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            samples[name].append((time.perf_counter() - start) / inner)
    return {name: statistics.median(values) for name, values in samples.items()}


def _claims(size: int) -> dict[str, Any]:
    claims: dict[str, Any] = {"iss": "https://issuer.example/", "sub": "user-1234567890",
                              "aud": "https://api.example/", "iat": 1_800_000_000,
                              "exp": 1_800_003_600, "scope": "openid profile email"}
    filler = size - len(json.dumps(claims))
    if filler > 20:
        claims["pad"] = "x" * (filler - 12)
    return claims


def _setup(alg: str) -> tuple[Any, Any, Any, Callable[[str], Any]]:
    """(signing key for PyJWT, core KeySet, PyJWT verify key, floor verify)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    from tokendesk.core import load_keys, load_secret
    from tokendesk.core.tokens.keys import jwk_from_public_key

    sha = hashes.SHA256()
    if alg == "HS256":
        secret = b"k" * 32

        def floor(token: str) -> Any:
            h, p, s = token.split(".")
            json.loads(_b64d(h))
            claims = json.loads(_b64d(p))
            mac = hmac.new(secret, f"{h}.{p}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(mac, _b64d(s)):
                raise ValueError
            return claims

        return secret, load_secret(secret), secret, floor
    if alg in ("RS256", "PS256"):
        private: Any = rsa.generate_private_key(65537, 2048)
        pad = (padding.PKCS1v15() if alg == "RS256" else
               padding.PSS(padding.MGF1(sha), sha.digest_size))
    elif alg == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
    else:
        private = ed25519.Ed25519PrivateKey.generate()
    public = private.public_key()
    keys = load_keys(json.dumps(jwk_from_public_key(public)))

    def floor_asymmetric(token: str) -> Any:
        h, p, s = token.split(".")
        json.loads(_b64d(h))
        claims = json.loads(_b64d(p))
        data, sig = f"{h}.{p}".encode(), _b64d(s)
        if alg == "ES256":
            r, s_ = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
            public.verify(encode_dss_signature(r, s_), data, ec.ECDSA(sha))
        elif alg == "EdDSA":
            public.verify(sig, data)
        else:
            public.verify(sig, data, pad, sha)
        return claims

    return private, keys, public, floor_asymmetric


def bench_verify(rounds: int, inner: int) -> list[str]:
    import jwt

    from tokendesk.core import verify

    lines = [f"{'alg':<7}{'floor µs':>10}{'core µs':>10}{'PyJWT µs':>10}{'core/floor':>12}"
             f"{'goal':>7}{'PyJWT/core':>12}"]
    for alg, goal in GOALS.items():
        signing, keys, pyjwt_key, floor = _setup(alg)
        token = jwt.encode(_claims(600), signing, algorithm=alg)
        now = 1_800_000_100
        assert verify(token, keys, now=now).valid
        contenders: dict[str, Callable[[], Any]] = {
            "floor": partial(floor, token),
            "core": partial(verify, token, keys, now=now),
            "pyjwt": partial(jwt.decode, token, pyjwt_key, algorithms=[alg],
                             audience="https://api.example/",
                             options={"verify_exp": False, "verify_iat": False}),
        }
        times = _interleaved(contenders, rounds, inner)
        ratio = times["core"] / times["floor"]
        lines.append(f"{alg:<7}{times['floor'] * 1e6:>10.1f}{times['core'] * 1e6:>10.1f}"
                     f"{times['pyjwt'] * 1e6:>10.1f}{ratio:>11.2f}×{goal:>6.2f}×"
                     f"{times['pyjwt'] / times['core']:>11.2f}×"
                     + ("" if ratio <= goal else "  OVER GOAL"))
    return lines


def bench_decode(rounds: int, inner: int) -> list[str]:
    import jwt

    from tokendesk.core import decode

    token = jwt.encode(_claims(700), b"k" * 32, algorithm="HS256")

    def floor() -> Any:
        h, p, s = token.split(".")
        return json.loads(_b64d(h)), json.loads(_b64d(p)), _b64d(s)

    times = _interleaved({"floor": floor, "decode": partial(decode, token)}, rounds, inner)
    per_kb = times["decode"] * 1e6 * 1024 / len(token)
    return [f"decode-only: {times['decode'] * 1e6:.1f} µs for a {len(token)}-byte token "
            f"= {per_kb:.1f} µs per 1 KB (goal ≤ 25); the floor (base64url + json.loads of "
            f"each segment) takes {times['floor'] * 1e6:.1f} µs, so decode = "
            f"{times['decode'] / times['floor']:.2f}× the floor"]


def bench_process(rounds: int) -> list[str]:
    token = ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCIsImV4cCI6MTgwMDAwMDAwMH0."  # noqa: S105
             "c2lnbmF0dXJlLXBsYWNlaG9sZGVy")
    import compileall
    import os
    import shutil

    import tokendesk

    # An installed package has its bytecode compiled (pip does it); this machine may set
    # PYTHONDONTWRITEBYTECODE, so compile once here rather than time the compiler.
    compileall.compile_dir(os.path.dirname(tokendesk.__file__), quiet=1)
    script = shutil.which("tokendesk", path=os.path.dirname(sys.executable))
    entry = [script] if script else [sys.executable, "-m", "tokendesk"]
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "tokendesk decode": [*entry, "decode", token],
    }
    samples: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
            samples[name].append(time.perf_counter() - start)
    base = statistics.median(samples["python -c pass"])
    ours = statistics.median(samples["tokendesk decode"])
    return [f"process: python -c pass {base * 1e3:.1f} ms, tokendesk decode {ours * 1e3:.1f} ms"
            f" = {ours / base:.2f}× (goal ≤ 3×)"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.core")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    args = parser.parse_args(argv)
    rounds, inner, procs = (5, 50, 5) if args.quick else (25, 200, 21)
    for line in [*bench_verify(rounds, inner), "", *bench_decode(rounds, inner * 5), "",
                 *bench_process(procs)]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
