"""Structure-aware hostile inputs for the token parsers (issue 13, SECURITY.md 34-35).

The strategies build JSON *text* (not Python values), so that they reach what ``json.dumps``
never writes: numbers of every size (5,000 digits, ``1e400``), ``NaN`` and ``Infinity``, lone
surrogates (escaped and raw), duplicate members, trailing data and deep nesting. Tokens are then
put together from such headers and payloads, with their segments bent the ways a paste, a proxy
or an attacker bends them.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

from tokendesk.core.tokens.b64 import b64url_encode

HUGE_NUMBERS = ["9" * 5000, "-" + "1" * 4301, "1" + "0" * 4300, "1e400", "-1e400", "1E-400",
                "1e99999", "NaN", "Infinity", "-Infinity", "-0", "0.0", "1.5e308",
                "4" * 300 + ".5"]
SURROGATE_STRINGS = ['"\\ud800"', '"\\udcff"', '"a\\udfffb"', '"\\ud83d"', '"\\ud83d\\ude00"',
                     '"\udcff"', '"\ud800x"']
NAMES = ["alg", "typ", "cty", "kid", "b64", "crit", "enc", "zip", "p2c", "p2s", "epk", "iv",
         "tag", "exp", "nbf", "iat", "auth_time", "iss", "aud", "sub", "jku", "x5c", "\udcff", ""]
ALGS = ["HS256", "HS512", "RS256", "PS384", "ES256", "ES512", "EdDSA", "none", "NONE", "dir",
        "A128KW", "A256GCMKW", "RSA-OAEP", "RSA1_5", "ECDH-ES", "ECDH-ES+A128KW",
        "PBES2-HS256+A128KW", "XX"]
ENCS = ["A128GCM", "A256GCM", "A128CBC-HS256", "A256CBC-HS512", "A1GCM"]


def _number() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers().map(str),
        st.floats().map(json.dumps),  # NaN, Infinity, -Infinity included
        st.sampled_from(HUGE_NUMBERS),
        st.integers(1, 6000).map(lambda n: "7" * n),
    )


def _string() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=12).map(lambda s: json.dumps(s, ensure_ascii=False)),
        st.sampled_from(SURROGATE_STRINGS),
        st.sampled_from(ALGS + ENCS).map(json.dumps),
    )


def _deep() -> st.SearchStrategy[str]:
    return st.builds(lambda depth, opener: opener * depth + "1" + ("]" if opener == "[" else "}")
                     * depth, st.sampled_from([5, 900, 5000, 100_000]),
                     st.sampled_from(["[", '{"a":']))


def json_text(max_leaves: int = 10) -> st.SearchStrategy[str]:
    """JSON text, valid or nearly: every kind of number, surrogates, duplicates, nesting."""
    scalar = st.one_of(st.sampled_from(["null", "true", "false"]), _number(), _string())

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        member = st.tuples(st.one_of(st.sampled_from(NAMES).map(json.dumps),
                                     st.sampled_from(['"\\ud800"', '"\udcff"'])), inner)
        return st.one_of(
            st.lists(inner, max_size=4).map(lambda xs: "[" + ",".join(xs) + "]"),
            st.lists(member, max_size=5).map(
                lambda ms: "{" + ",".join(f"{k}:{v}" for k, v in ms) + "}"),
        )

    tree = st.recursive(scalar, extend, max_leaves=max_leaves)
    return st.integers(0, 7).flatmap(lambda i: _deep() if i == 0 else tree)  # 1 in 8 deep


def number_text() -> st.SearchStrategy[str]:
    """A JSON number (or NaN/Infinity, which Python's json reads) of any size."""
    return _number()


@st.composite
def header_text(draw: st.DrawFn) -> str:
    """A JOSE header object: a real alg (and enc) with hostile company, often a duplicate."""
    members = [("alg", json.dumps(draw(st.sampled_from(ALGS))))]
    if draw(st.booleans()):
        members.append(("enc", json.dumps(draw(st.sampled_from(ENCS)))))
    extra = draw(st.lists(st.tuples(st.sampled_from(NAMES), json_text(6)), max_size=4))
    members += [(name, value) for name, value in extra]
    if draw(st.integers(0, 5)) == 0:
        members.append(("b64", "false"))
    if draw(st.integers(0, 5)) == 0:
        members.append(("alg", '"none"'))  # a duplicate member
    text = "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in members) + "}"
    if draw(st.integers(0, 6)) == 0:
        text += draw(st.sampled_from(["x", " ", "}", ",", "\x00", "{}"]))  # trailing data
    return text


def _raw(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # a raw lone surrogate: invalid UTF-8 bytes


def _bend(draw: st.DrawFn, segment: str) -> str:
    """The ways a segment gets bent: padding, whitespace, standard base64, a non-canonical
    last character, a lone surrogate, truncation."""
    how = draw(st.integers(0, 9))
    if how == 0 and segment:
        return segment[:-1] + draw(st.sampled_from("BRhx9_-"))  # often non-canonical
    if how == 1:
        return segment + "=" * draw(st.integers(1, 2))
    if how == 2:
        return segment.replace("-", "+").replace("_", "/")
    if how == 3 and segment:
        cut = draw(st.integers(0, len(segment)))
        return segment[:cut] + draw(st.sampled_from([" ", "\n", "\udcff", "\ud800", "é", "."]))\
            + segment[cut:]
    if how == 4:
        return segment[: draw(st.integers(0, len(segment)))]
    return segment


@st.composite
def hostile_token(draw: st.DrawFn) -> str:
    """A compact JWS or JWE built from hostile parts, with bent segments and odd counts."""
    header = b64url_encode(_raw(draw(header_text())))
    payload = b64url_encode(_raw(draw(json_text())))
    tail = draw(st.lists(st.binary(max_size=40).map(b64url_encode), min_size=1, max_size=4))
    segments = [header, payload, *tail]
    if draw(st.integers(0, 4)) == 0:  # b64:false style: an unencoded payload
        segments[1] = draw(st.sampled_from(["\udcff", "\ud800", "$.02", "{}", "é"]))
    segments = [_bend(draw, s) if draw(st.integers(0, 3)) == 0 else s for s in segments]
    token = ".".join(segments)
    wrap = draw(st.integers(0, 6))
    if wrap == 0:
        return "Bearer " + token
    if wrap == 1:
        return json.dumps({"access_token": token, "expires_in": 1e400}, ensure_ascii=False)
    return token


_DOCUMENT_MEMBERS = ["payload", "signatures", "protected", "ciphertext", "recipients", "header",
                     "signature", "iv", "tag", "access_token", "id_token", "refresh_token",
                     "token_type", "expires_in", "scope"]
_DOCUMENT_VALUES = ['"eyJhbGciOiJIUzI1NiJ9"', '["eyJ"]', "5", '[5]', '"e30"', '{"a":1}',
                    '[{"protected":"eyJhbGciOiJIUzI1NiJ9"}]', '"a.b.c"']


def json_document() -> st.SearchStrategy[str]:
    """A JOSE JSON serialization or a token response with hostile member values (recipients
    as a number, signatures as strings...)."""
    member = st.tuples(st.sampled_from(_DOCUMENT_MEMBERS),
                       st.one_of(json_text(3), st.sampled_from(_DOCUMENT_VALUES)))
    return st.lists(member, max_size=6).map(
        lambda ms: "{" + ",".join(f'"{k}":{v}' for k, v in ms) + "}")


any_text = st.one_of(hostile_token(), st.text(max_size=200), json_text(), json_document())


SECRET = b"k" * 32
AES_KEY = b"k" * 16


@st.composite
def signed_token(draw: st.DrawFn) -> str:
    """A correctly signed HS256 token (key :data:`SECRET`) with a hostile header and claims, so
    that verification reaches the claim checks: non-finite exp, 5,000-digit nbf..."""
    import hashlib
    import hmac

    extra = draw(st.lists(st.tuples(st.sampled_from(NAMES), json_text(4)), max_size=2))
    header = '{"alg":"HS256"' + "".join(f",{json.dumps(k)}:{v}" for k, v in extra) + "}"
    times = draw(st.lists(st.tuples(st.sampled_from(["exp", "nbf", "iat", "auth_time"]),
                                    st.one_of(_number(), json_text(3))), max_size=4))
    payload = "{" + ",".join(f'"{k}":{v}' for k, v in times) + "}"
    signing_input = b64url_encode(_raw(header)) + "." + b64url_encode(_raw(payload))
    signature = hmac.new(SECRET, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url_encode(signature)


@st.composite
def jwe_token(draw: st.DrawFn) -> str:
    """A compact JWE whose header is hostile but whose content really is encrypted with
    :data:`AES_KEY` (dir, A128GCM), so that decryption reaches the header's zip, p2c, epk..."""
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = draw(header_text())
    if draw(st.booleans()):
        header = '{"alg":"dir","enc":"A128GCM","zip":' + draw(
            st.sampled_from(['"DEF"', '["DEF"]', '"def"', "null", "1e400"])) + "}"
    protected = b64url_encode(_raw(header))
    plaintext = draw(st.one_of(st.binary(max_size=40), st.just(b"\x78\x9c\x03\x00")))
    iv = os.urandom(12)
    sealed = AESGCM(AES_KEY).encrypt(iv, plaintext, protected.encode())
    segments = [protected, draw(st.binary(max_size=40).map(b64url_encode)), b64url_encode(iv),
                b64url_encode(sealed[:-16]), b64url_encode(sealed[-16:])]
    segments = [_bend(draw, s) if draw(st.integers(0, 5)) == 0 else s for s in segments]
    return ".".join(segments)


_JWK_MEMBERS = ["kty", "crv", "x", "y", "n", "e", "d", "k", "p", "q", "alg", "use", "key_ops",
                "kid", "x5c"]
_JWK_VALUES = ['"RSA"', '"EC"', '"OKP"', '"oct"', '"P-256"', '"Ed25519"', '"X25519"', '"AQAB"',
               '"AA"', '"____"', '["verify"]', '"sig"', '"enc"', '[["verify"]]', '["P-256"]']


def jwk_text() -> st.SearchStrategy[str]:
    """A JWK or a JWKS whose members hold hostile values (lists where strings belong...)."""
    member = st.tuples(st.sampled_from(_JWK_MEMBERS),
                       st.one_of(json_text(3), st.sampled_from(_JWK_VALUES)))
    jwk = st.lists(member, max_size=6).map(
        lambda ms: "{" + ",".join(f'"{k}":{v}' for k, v in ms) + "}")
    jwks = st.lists(jwk, max_size=3).map(lambda ks: '{"keys":[' + ",".join(ks) + "]}")
    return st.one_of(jwk, jwks)
