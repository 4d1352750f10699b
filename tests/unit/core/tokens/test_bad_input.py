"""SECURITY.md 34: any input gives a clear message, never a traceback or a hang.

The hypothesis strategies aim at the parser's edges (dots, base64url, JSON fragments); every
input that ever broke it is kept in ``fuzz_corpus/`` and replayed here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokendesk.core import TokenFormat, decode, load_keys, load_secret, verify
from tokendesk.core.errors import TokendeskError
from tokendesk.core.tokens.b64 import b64url_encode
from tokendesk.core.tokens.claims import explain_claims
from tokendesk.core.tokens.extract import extract

CORPUS = Path(__file__).parent / "fuzz_corpus"
KEYS = load_secret(b"q" * 32)

b64_chunk = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ .\n",
                    max_size=60)
json_ish = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=8,
)


@st.composite
def token_like(draw):
    header = draw(json_ish)
    payload = draw(json_ish)
    segs = [b64url_encode(json.dumps(header).encode()), b64url_encode(json.dumps(payload).encode())]
    segs += draw(st.lists(b64_chunk, min_size=0, max_size=4))
    joined = ".".join(segs)
    cut = draw(st.integers(0, len(joined)))
    return draw(st.sampled_from([joined, joined[:cut], "Bearer " + joined,
                                 json.dumps({"access_token": joined})]))


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=300), token_like(), st.binary(max_size=200)))
def test_decode_never_raises(text):
    token = decode(text)
    assert token.format in TokenFormat
    assert all(p.message for p in token.problems)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), token_like()))
def test_verify_never_raises_and_never_accepts_garbage(text):
    result = verify(text, KEYS, now=0)
    assert not result.valid
    assert result.reason


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_load_keys_raises_only_its_own_errors(data):
    try:
        load_keys(data)
    except TokendeskError as exc:
        assert exc.message
    except Exception as exc:  # pragma: no cover - the failure we are looking for
        pytest.fail(f"load_keys raised {type(exc).__name__}: {exc}")


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*")), ids=lambda p: p.name)
def test_corpus_regressions(path):
    data = path.read_bytes()
    token = decode(data)
    assert token.format in TokenFormat
    token.findings  # noqa: B018 - computed on access
    if token.claims:
        explain_claims(token.claims, 0)
    assert not verify(data.decode("utf-8", "replace"), KEYS, now=0).valid


@pytest.mark.parametrize("name,data,code", [
    ("10 MB of text", "A" * 10_000_000, "too_long"),
    ("10 MB of dots", "." * 10_000_000, "too_long"),
    ("10 MB token-shaped", "eyJ" + "A" * 5_000_000 + "." + "B" * 5_000_000 + ".C", "too_long"),
    ("10 MB binary", bytes(range(256)) * 40_000, "not_text"),
])
def test_huge_inputs_are_refused_at_the_cap_with_a_message(name, data, code):
    """Refused by the size (or encoding) check before any parsing, which is what keeps it quick
    on any machine: the benchmark (python -m benchmarks.core) measures how quick."""
    token = decode(data)
    assert [p.code for p in token.problems] == [code], name
    assert token.problems[0].message and token.claims is None
    result = verify(data if isinstance(data, str) else "x", KEYS)
    assert not result.valid and [c.name for c in result.checks] == ["format"]
    if isinstance(data, str):
        assert "at most 1,048,576 are read" in result.checks[0].reason


def test_deeply_nested_json_is_a_problem_not_a_crash():
    header = b64url_encode(b'{"alg":"HS256"}')
    deep = b64url_encode(b"[" * 100_000 + b"]" * 100_000)
    token = decode(f"{header}.{deep}.AAAA")
    assert token.format is TokenFormat.JWS
    deep_header = b64url_encode(b'{"a":' * 50_000 + b"1" + b"}" * 50_000)
    token = decode(f"{deep_header}.e30.AAAA")
    assert any(p.code in ("too_deep", "bad_json") for p in token.problems)
    assert not verify(f"{deep_header}.e30.AAAA", KEYS).valid


def test_deeply_nested_json_response_is_handled():
    text = "{" + '"a":{' * 100_000 + "}" * 100_001
    found = extract(text)
    assert found.source == "token"  # not JSON it can read: shown as an opaque value
    assert decode(text).format is TokenFormat.OPAQUE


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "\x00", "...", "..", ".", "Bearer", "Bearer ",
                                  "Authorization:", "{}", "[]", "null", "#", "?", "=", "a=b;",
                                  "eyJ", "eyJ.eyJ.eyJ", "\udcff"])
def test_small_odd_inputs(text):
    token = decode(text)
    assert token.reasons or token.problems or token.format is TokenFormat.EMPTY
