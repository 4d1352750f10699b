"""decode(): what people paste, what it is, and exactly what is wrong with it."""

from __future__ import annotations

import json

import jwt as pyjwt
import pytest

from tests.conftest import NOW
from tokendesk.core import TokenFormat, TokenKind, decode
from tokendesk.core.timefmt import human_duration, relative
from tokendesk.core.tokens.b64 import b64url_encode
from tokendesk.core.tokens.claims import explain_claims, lookup

SECRET = b"s" * 32
ACCESS = pyjwt.encode({"iss": "https://op.example/", "sub": "u1", "aud": "api", "scope": "read",
                       "iat": NOW, "exp": NOW + 3600}, SECRET, algorithm="HS256",
                      headers={"typ": "at+jwt"})
ID = pyjwt.encode({"iss": "https://op.example/", "sub": "u1", "aud": "client", "nonce": "n",
                   "iat": NOW, "exp": NOW + 3600}, SECRET, algorithm="HS256")


# --- what people paste ---------------------------------------------------------------------

@pytest.mark.parametrize("pasted,source", [
    (ACCESS, "token"),
    (f"Bearer {ACCESS}", "Bearer credential"),
    (f"bearer   {ACCESS}\n", "Bearer credential"),
    (f"Authorization: Bearer {ACCESS}", "Authorization header"),
    (f"authorization:Bearer {ACCESS}", "Authorization header"),
    (f'  "{ACCESS}"  \n', "token"),
    (f"'{ACCESS}'", "token"),
    (f"https://app.example/cb#access_token={ACCESS}&token_type=Bearer", "access_token"),
    (f"#access_token={ACCESS}&expires_in=3600", "access_token"),
    (f"Cookie: theme=dark; session={ACCESS}; lang=en", "cookie session"),
    (f"session={ACCESS}", "cookie session"),
    (f"curl -H 'Authorization: Bearer {ACCESS}' https://api.example", "JWT 1 in text"),
])
def test_tokens_are_found_in_what_people_paste(pasted, source):
    token = decode(pasted)
    assert token.text == ACCESS
    assert token.source == source
    assert token.kind is TokenKind.ACCESS_TOKEN


def test_a_json_token_response_offers_each_token():
    response = {"access_token": ACCESS, "id_token": ID, "refresh_token": "v1.MRrtSomeOpaque",
                "expires_in": 86400, "refresh_expires_in": 2592000, "scope": "openid offline_access",
                "token_type": "Bearer"}
    token = decode(json.dumps(response, indent=2))
    assert [f.label for f in token.found] == ["access_token", "id_token", "refresh_token"]
    assert token.context == {"expires_in": 86400, "refresh_expires_in": 2592000,
                             "scope": "openid offline_access", "token_type": "Bearer"}
    assert token.kind is TokenKind.ACCESS_TOKEN


def test_an_authing_style_wrapped_response_is_unwrapped():
    token = decode(json.dumps({"code": 200, "data": {"access_token": ACCESS, "expires_in": 7200}}))
    assert token.text == ACCESS


def test_a_redirect_fragment_with_id_token():
    token = decode(f"http://127.0.0.1:8765/cb#id_token={ID}&state=xyz")
    assert token.kind is TokenKind.ID_TOKEN
    assert token.context["state"] == "xyz"


# --- classification ------------------------------------------------------------------------

def _tok(claims, **header):
    return pyjwt.encode(claims, SECRET, algorithm="HS256", headers=header or None)


@pytest.mark.parametrize("claims,header,kind", [
    ({"sub": "u", "nonce": "n"}, {}, TokenKind.ID_TOKEN),
    ({"sub": "u", "scope": "a b"}, {}, TokenKind.ACCESS_TOKEN),
    ({"sub": "u", "scp": ["a"]}, {}, TokenKind.ACCESS_TOKEN),
    ({"sub": "u"}, {"typ": "at+jwt"}, TokenKind.ACCESS_TOKEN),
    ({"sub": "u"}, {"typ": "application/at+jwt"}, TokenKind.ACCESS_TOKEN),
    ({"sub": "u", "typ": "Refresh"}, {}, TokenKind.REFRESH_TOKEN),
    ({"sub": "u", "typ": "Offline"}, {}, TokenKind.REFRESH_TOKEN),
    ({"sub": "u", "events": {"http://schemas.openid.net/event/backchannel-logout": {}}}, {},
     TokenKind.LOGOUT_TOKEN),
    ({"htm": "POST", "htu": "https://x/token", "jti": "1"}, {"typ": "dpop+jwt"},
     TokenKind.DPOP_PROOF),
    ({"iss": "c1", "sub": "c1", "aud": "https://op/token", "jti": "j", "exp": 1}, {},
     TokenKind.CLIENT_ASSERTION),
    ({"foo": "bar"}, {}, TokenKind.JWT),
])
def test_jwt_kinds_with_reasons(claims, header, kind):
    token = decode(_tok(claims, **header))
    assert token.kind is kind
    assert len(token.reasons) >= 2 and all(token.reasons)


def test_unsecured_token_is_flagged():
    token = decode(b64url_encode(b'{"alg":"none"}') + "." + b64url_encode(b'{"sub":"x"}') + ".")
    assert token.format is TokenFormat.UNSECURED
    assert any(f.code == "unsecured" for f in token.findings)


def test_jwe_compact_says_what_key_would_decrypt_it():
    header = b64url_encode(json.dumps({"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": "enc1"}
                                      ).encode())
    token = decode(f"{header}.AAAA.BBBB.CCCC.DDDD")
    assert token.format is TokenFormat.JWE
    assert token.kind is TokenKind.ENCRYPTED
    assert any("RSA private key (kid 'enc1')" in r for r in token.reasons)


def test_auth0_opaque_access_token_is_recognised():
    header = b64url_encode(json.dumps({"alg": "dir", "enc": "A256GCM",
                                       "iss": "https://tenant.eu.auth0.com/"}).encode())
    token = decode(f"{header}..iv-iv-iv.cipher.tag")
    assert any("Auth0 opaque access token" in r for r in token.reasons)


def test_nested_jwt_is_decoded_inside():
    inner = _tok({"sub": "inner", "scope": "x"})
    outer = pyjwt.encode({"x": 1}, SECRET, algorithm="HS256", headers={"cty": "JWT"})
    h, _, _ = outer.split(".")
    import hashlib
    import hmac
    p = b64url_encode(inner.encode())
    sig = hmac.new(SECRET, f"{h}.{p}".encode(), hashlib.sha256).digest()
    token = decode(f"{h}.{p}.{b64url_encode(sig)}")
    assert token.nested is not None and token.nested.kind is TokenKind.ACCESS_TOKEN


@pytest.mark.parametrize("text,hint", [
    ("ya29.a0AfH6SMBx3example", "Google OAuth access token"),
    ("v1.MRrt1UIyXb3GZ2kW0cRRZdnh", "Auth0 refresh token"),
    ("gho_16C7e42F292c6912E7710c838347Ae178B4a", "GitHub OAuth access token"),
    ("8xLOxBtZp8", "not a JOSE object: 10 characters, base64url alphabet"),
    ("deadbeef" * 8, "hexadecimal"),
])
def test_opaque_tokens_get_length_charset_and_hint(text, hint):
    token = decode(text)
    assert token.format is TokenFormat.OPAQUE
    assert any(hint in r for r in token.reasons)


def test_opaque_token_in_a_response_keeps_its_role():
    token = decode(json.dumps({"refresh_token": "8xLOxBtZp8aBcDeFgH", "access_token": ""}))
    assert token.kind is TokenKind.REFRESH_TOKEN


def test_jws_json_serialization_is_recognised_not_verified():
    doc = {"payload": b64url_encode(b'{"sub":"x"}'),
           "signatures": [{"protected": b64url_encode(b'{"alg":"ES256"}'), "signature": "AAAA"}]}
    token = decode(json.dumps(doc))
    assert token.format is TokenFormat.JWS_JSON
    assert token.payload == {"sub": "x"}
    assert "not verified unless you ask" in token.reasons[0]


# --- precise problems ----------------------------------------------------------------------

def test_padding_is_located():
    h, p, s = ID.split(".")
    token = decode(f"{h}.{p}=.{s}")
    problem = token.problems[0]
    assert (problem.segment, problem.offset, problem.code) == ("payload", len(p), "bad_character")
    assert "padding" in problem.message
    assert token.claims is not None  # still shows what it could


def test_whitespace_inside_is_located_and_the_rest_still_shown():
    h, p, s = ID.split(".")
    token = decode(f"{h}.{p[:7]}\n{p[7:]}.{s}")
    problem = token.problems[0]
    assert (problem.segment, problem.offset) == ("payload", 7)
    assert "line break" in problem.message
    assert token.claims["sub"] == "u1"


def test_standard_base64_is_named():
    h, p, s = ID.split(".")
    token = decode(f"{h}.{p}.{s[:3]}+{s[4:]}")
    assert token.problems[0].segment == "signature"
    assert "standard base64" in token.problems[0].message


@pytest.mark.parametrize("count", [2, 4, 6])
def test_wrong_segment_count(count):
    h, p, s = ID.split(".")
    parts = ([h, p, s] * 2)[:count]
    token = decode(".".join(parts))
    assert any(p.code == "segment_count" and f"{count} segments" in p.message
               for p in token.problems)


def test_bad_json_in_header_is_located():
    token = decode(b64url_encode(b'{"alg":"HS256",}') + "." + b64url_encode(b"{}") + ".AAAA")
    problem = token.problems[0]
    assert problem.segment == "header" and problem.code == "bad_json"
    assert "character 16" in problem.message


def test_duplicate_header_member_is_a_problem():
    token = decode(b64url_encode(b'{"alg":"HS256","alg":"none"}') + ".e30.AAAA")
    assert token.problems[0].code == "duplicate_member"


def test_non_json_payload_is_text_or_hex():
    text = decode(b64url_encode(b'{"alg":"HS256"}') + "." + b64url_encode(b"hello") + ".AAAA")
    assert text.payload_text == "hello" and text.kind is TokenKind.SIGNED_DATA
    binary = decode(b64url_encode(b'{"alg":"HS256"}') + "." + b64url_encode(b"\xff\x00") + ".AAAA")
    assert binary.payload_text is None and binary.payload_bytes == b"\xff\x00"


def test_invalid_utf8_header_is_located():
    token = decode(b64url_encode(b'{"alg":"\xff"}') + ".e30.AAAA")
    assert token.problems[0].code == "not_utf8"
    assert "byte 8" in token.problems[0].message


# --- claims, times, findings ---------------------------------------------------------------

def test_claims_are_explained_with_times_in_three_forms():
    rows = {r.name: r for r in explain_claims({"exp": NOW + 252, "iat": NOW - 3 * 86400,
                                               "sub": "x"}, NOW)}
    assert rows["exp"].relative == "expires in 4 min 12 s"
    assert rows["exp"].utc == "2027-01-15 08:04:12 UTC"
    assert rows["iat"].relative == "issued 3 days ago"
    assert rows["lifetime"].display == "3 days"
    assert rows["sub"].info.source == "RFC 7519 §4.1.2"


@pytest.mark.parametrize("seconds,words", [(12, "12 s"), (252, "4 min 12 s"), (3600, "1 h"),
                                           (7500, "2 h 5 min"), (90000, "1 day 1 h"),
                                           (3 * 86400 + 5, "3 days"), (400 * 86400, "13 months"),
                                           (800 * 86400, "2 years")])
def test_human_durations(seconds, words):
    assert human_duration(seconds) == words


def test_relative_time_expired():
    assert relative(NOW - 120, NOW) == "2 min ago"


@pytest.mark.parametrize("name,source", [
    ("act", "RFC 8693"), ("cnf", "RFC 7800"), ("ath", "RFC 9449"), ("gty", "Auth0"),
    ("oid", "Microsoft"), ("realm_access", "Keycloak"), ("hd", "Google"), ("at_hash", "OpenID"),
    ("client_id", "RFC 9068"), ("https://example.com/roles", "public claim names"),
])
def test_registry_covers_the_named_specs(name, source):
    assert source in lookup(name).source


@pytest.mark.parametrize("claims,code", [
    ({"password": "x"}, "sensitive_claim"),
    ({"client_secret": "x"}, "sensitive_claim"),
    ({"tax_id": "078-05-1120"}, "sensitive_value"),
    ({"iat": NOW, "exp": NOW + 400 * 86400}, "long_lifetime"),
    ({"scope": "read"}, "no_exp"),
    ({"exp": "tomorrow"}, "bad_numeric_date"),
])
def test_findings(claims, code):
    assert code in {f.code for f in decode(_tok(claims)).findings}


def test_jku_header_is_a_warning():
    token = decode(_tok({"sub": "x"}, jku="https://evil.example/keys"))
    assert any(f.code == "header_jku" for f in token.findings)


def test_the_token_text_is_kept_out_of_repr():
    assert ID not in repr(decode(ID))


def test_pasted_dpop_headers_give_both_tokens():
    """What `tokendesk token --dpop` prints (and Copy DPoP headers… copies), pasted back: the
    access token and the proof, not one broken 5-segment token."""
    from tokendesk.core.tokens.extract import extract

    found = extract("Authorization: DPoP eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln\r\n"
                    "DPoP: eyJ0eXAiOiJkcG9wK2p3dCJ9.eyJodG0iOiJHRVQifQ.c2ln\n")
    assert found.source == "HTTP headers"
    assert [(t.label, t.text[:12]) for t in found.tokens] == [
        ("Authorization header", "eyJhbGciOiJI"), ("DPoP proof", "eyJ0eXAiOiJk")]
    assert extract("Accept: text/html\nX-Other: 1").tokens[0].label == "token"  # no token
