"""JWE compact decryption (RFC 7516) with ``cryptography`` primitives (RFC 7518 §4–5).

Key management: RSA-OAEP, RSA-OAEP-256, RSA1_5 (legacy; shown with a warning), A128/192/256KW,
A128/192/256GCMKW, dir, ECDH-ES and ECDH-ES+A*KW (P-256/384/521, X25519, X448),
PBES2-HS*+A*KW. Content: A128/192/256GCM, A128CBC-HS256, A192CBC-HS384, A256CBC-HS512.
Compressed content (``zip: DEF``) is inflated with a size cap.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa, x448, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap

from ..errors import DecryptionFailed, UnusableKey
from .b64 import b64url_decode, is_b64url, is_canonical, non_canonical_message
from .keys import EC_CURVES
from .parse import DuplicateMember, loads_no_duplicates

__all__ = ["Decrypted", "decrypt", "load_decryption_key"]

_ENC_KEY_BYTES = {"A128GCM": 16, "A192GCM": 24, "A256GCM": 32,
                  "A128CBC-HS256": 32, "A192CBC-HS384": 48, "A256CBC-HS512": 64}
_KW_BYTES = {"A128KW": 16, "A192KW": 24, "A256KW": 32}
_MAX_PLAINTEXT = 1 << 22
_MAX_P2C = 600_000


@dataclass(frozen=True)
class Decrypted:
    header: dict[str, Any]
    plaintext: bytes = field(repr=False)
    warnings: tuple[str, ...] = ()

    @property
    def text(self) -> str | None:
        try:
            return self.plaintext.decode("utf-8")
        except UnicodeDecodeError:
            return None


def load_decryption_key(data: str | bytes | dict[str, Any]) -> Any:
    """A private JWK, a PEM private key, or raw key bytes (for dir and A*KW)."""
    if isinstance(data, bytes) and not data.lstrip().startswith((b"{", b"-----")):
        return data
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    if isinstance(data, str):
        text = data.strip()
        if text.startswith("-----BEGIN"):
            try:
                return serialization.load_pem_private_key(text.encode(), password=None)
            except (ValueError, TypeError) as exc:
                raise UnusableKey(f"the PEM private key could not be read ({exc})") from None
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise UnusableKey("the decryption key must be a private JWK or a PEM private key") \
                from None
    if not isinstance(data, dict):
        raise UnusableKey("the decryption key must be a JSON object (JWK)")
    return _private_from_jwk(data)


def _b64(jwk: dict[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str) or not is_b64url(value.rstrip("=")):
        raise UnusableKey(f"the JWK member {name!r} is missing or not base64url")
    return b64url_decode(value.rstrip("="))


def _int(jwk: dict[str, Any], name: str) -> int:
    return int.from_bytes(_b64(jwk, name), "big")


def _private_from_jwk(jwk: dict[str, Any]) -> Any:
    kty = jwk.get("kty")
    try:
        if kty == "oct":
            return _b64(jwk, "k")
        if kty == "RSA":
            n, e, d = _int(jwk, "n"), _int(jwk, "e"), _int(jwk, "d")
            public = rsa.RSAPublicNumbers(e, n)
            if "p" in jwk and "q" in jwk:
                p, q = _int(jwk, "p"), _int(jwk, "q")
            else:
                p, q = rsa.rsa_recover_prime_factors(n, e, d)
            return rsa.RSAPrivateNumbers(
                p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q),
                rsa.rsa_crt_iqmp(p, q), public,
            ).private_key()
        if kty == "EC":
            crv = jwk.get("crv")
            if not isinstance(crv, str) or crv not in EC_CURVES:
                raise UnusableKey(f"unsupported curve {crv!r}")
            curve = EC_CURVES[crv][0]()
            pub = ec.EllipticCurvePublicNumbers(_int(jwk, "x"), _int(jwk, "y"), curve)
            return ec.EllipticCurvePrivateNumbers(_int(jwk, "d"), pub).private_key()
        if kty == "OKP":
            crv = jwk.get("crv")
            if crv == "X25519":
                return x25519.X25519PrivateKey.from_private_bytes(_b64(jwk, "d"))
            if crv == "X448":
                return x448.X448PrivateKey.from_private_bytes(_b64(jwk, "d"))
            if crv == "Ed25519":  # a signing key (for the encoder); it cannot decrypt
                return ed25519.Ed25519PrivateKey.from_private_bytes(_b64(jwk, "d"))
            if crv == "Ed448":
                return ed448.Ed448PrivateKey.from_private_bytes(_b64(jwk, "d"))
            raise UnusableKey(f"unsupported OKP curve {crv!r}")
    except ValueError as exc:
        raise UnusableKey(f"the private JWK is not a valid key ({exc})") from None
    raise UnusableKey(f"unknown key type kty {kty!r}")


def decrypt(text: str, key: Any, *, password: bytes | None = None) -> Decrypted:
    """Decrypt a compact JWE with ``key`` (see :func:`load_decryption_key`).

    Raises only :class:`DecryptionFailed` (or :class:`UnusableKey`), whatever the input."""
    if not isinstance(text, str):
        raise DecryptionFailed("the token must be text")
    parts = text.strip().split(".")
    if len(parts) != 5:
        raise DecryptionFailed(f"a JWE has 5 segments; this has {len(parts)}")
    names = ("header", "encrypted key", "iv", "ciphertext", "tag")
    for name, part in zip(names, parts, strict=True):
        if not is_b64url(part):
            raise DecryptionFailed(f"the {name} segment is not base64url")
        if not is_canonical(part):  # SECURITY.md 7a
            raise DecryptionFailed(non_canonical_message(f"the {name} segment", part))
    try:
        raw = [b64url_decode(p) for p in parts]
    except ValueError as exc:  # binascii.Error too: an impossible length
        raise DecryptionFailed(f"the JWE could not be decoded ({exc})") from None
    try:
        header = loads_no_duplicates(raw[0])
    except json.JSONDecodeError as exc:
        raise DecryptionFailed(f"the JWE header is not valid JSON ({exc.msg})") from None
    except UnicodeDecodeError:
        raise DecryptionFailed("the JWE header is not UTF-8 text") from None
    except DuplicateMember as exc:
        raise DecryptionFailed(f"the JWE header is ambiguous: {exc}") from None
    except ValueError:  # int() refuses a number of more than 4,300 digits
        raise DecryptionFailed("the JWE header holds a number too long to read") from None
    except RecursionError:
        raise DecryptionFailed("the JWE header is nested too deeply") from None
    if not isinstance(header, dict):
        raise DecryptionFailed("the JWE header is not a JSON object")
    alg, enc = header.get("alg"), header.get("enc")
    if not isinstance(enc, str) or enc not in _ENC_KEY_BYTES:
        raise DecryptionFailed(f"unsupported content encryption {_short(enc)}")
    warnings: list[str] = []
    cek = _content_key(header, str(alg), enc, raw[1], key, password, warnings)
    aad = parts[0].encode("ascii")
    plaintext = _decrypt_content(enc, cek, raw[2], raw[3], raw[4], aad)
    if header.get("zip") == "DEF":
        inflater = zlib.decompressobj(-15)
        try:
            plaintext = inflater.decompress(plaintext, _MAX_PLAINTEXT)
        except zlib.error:
            raise DecryptionFailed("zip is DEF, but the content is not DEFLATE data") from None
        if inflater.unconsumed_tail:
            raise DecryptionFailed("the compressed content inflates beyond the size limit")
    elif "zip" in header:
        raise DecryptionFailed(f"unsupported compression {_short(header['zip'])}")
    return Decrypted(header, plaintext, tuple(warnings))


def _short(value: Any) -> str:
    """A header value for a message: its repr, cut short (it may be a long hostile value)."""
    text = repr(value) if isinstance(value, str | int | float | bool | None) else \
        type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _content_key(header: dict[str, Any], alg: str, enc: str, wrapped: bytes, key: Any,
                 password: bytes | None, warnings: list[str]) -> bytes:
    size = _ENC_KEY_BYTES[enc]
    try:
        if alg == "dir":
            if not isinstance(key, bytes) or len(key) != size:
                raise DecryptionFailed(f"dir with {enc} needs a {size * 8}-bit shared key")
            return key
        if alg in _KW_BYTES:
            return aes_key_unwrap(_kek(key, _KW_BYTES[alg]), wrapped)
        if alg in ("A128GCMKW", "A192GCMKW", "A256GCMKW"):
            kek = _kek(key, int(alg[1:4]) // 8)
            iv, tag = b64url_decode(header["iv"]), b64url_decode(header["tag"])
            return AESGCM(kek).decrypt(iv, wrapped + tag, b"")
        if alg in ("RSA-OAEP", "RSA-OAEP-256", "RSA1_5"):
            if not isinstance(key, rsa.RSAPrivateKey):
                raise DecryptionFailed(f"{alg} needs the recipient's RSA private key")
            if alg == "RSA1_5":
                warnings.append("RSA1_5 is deprecated (vulnerable to padding oracles)")
                return _rsa1_5(key, wrapped, size)
            h: hashes.HashAlgorithm = hashes.SHA1() if alg == "RSA-OAEP" else hashes.SHA256()  # noqa: S303
            return key.decrypt(wrapped, padding.OAEP(padding.MGF1(h), h, None))
        if alg.startswith("ECDH-ES"):
            return _ecdh(header, alg, enc, wrapped, key)
        if alg.startswith("PBES2-HS") and alg.endswith("KW"):
            return _pbes2(header, alg, wrapped, key if password is None else password)
    except DecryptionFailed:
        raise
    except (InvalidUnwrap, ValueError, KeyError, TypeError) as exc:
        raise DecryptionFailed(f"the content key could not be recovered with this key "
                               f"({type(exc).__name__})") from None
    except Exception as exc:  # noqa: BLE001 - any library failure means "cannot decrypt"
        raise DecryptionFailed(f"decryption failed ({type(exc).__name__})") from None
    raise DecryptionFailed(f"unsupported key management algorithm {alg!r}")


def _kek(key: Any, size: int) -> bytes:
    if not isinstance(key, bytes) or len(key) != size:
        raise DecryptionFailed(f"this algorithm needs a {size * 8}-bit AES key")
    return key


def _rsa1_5(key: rsa.RSAPrivateKey, wrapped: bytes, size: int) -> bytes:
    # RFC 7516 §11.5: on any failure continue with a random key, so no oracle is exposed.
    fallback = os.urandom(size)
    try:
        cek = key.decrypt(wrapped, padding.PKCS1v15())
    except ValueError:
        return fallback
    return cek if len(cek) == size else fallback


def _ecdh(header: dict[str, Any], alg: str, enc: str, wrapped: bytes, key: Any) -> bytes:
    epk = header.get("epk")
    if not isinstance(epk, dict):
        raise DecryptionFailed("ECDH-ES needs the sender's epk in the header")
    if isinstance(key, ec.EllipticCurvePrivateKey):
        crv = epk.get("crv")
        if not isinstance(crv, str) or crv not in EC_CURVES \
                or EC_CURVES[crv][0]().name != key.curve.name:
            raise DecryptionFailed("the epk curve does not match the private key's curve")
        peer = ec.EllipticCurvePublicNumbers(
            int.from_bytes(b64url_decode(epk["x"]), "big"),
            int.from_bytes(b64url_decode(epk["y"]), "big"),
            EC_CURVES[crv][0](),
        ).public_key()  # raises ValueError for a point not on the curve (invalid-curve attack)
        shared = key.exchange(ec.ECDH(), peer)
    elif isinstance(key, x25519.X25519PrivateKey):
        shared = key.exchange(x25519.X25519PublicKey.from_public_bytes(b64url_decode(epk["x"])))
    elif isinstance(key, x448.X448PrivateKey):
        shared = key.exchange(x448.X448PublicKey.from_public_bytes(b64url_decode(epk["x"])))
    else:
        raise DecryptionFailed("ECDH-ES needs the recipient's EC, X25519 or X448 private key")
    direct = alg == "ECDH-ES"
    length = _ENC_KEY_BYTES[enc] if direct else _KW_BYTES[alg.split("+")[1]]
    algorithm_id = (enc if direct else alg).encode()

    def field_(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    apu = b64url_decode(header["apu"]) if "apu" in header else b""
    apv = b64url_decode(header["apv"]) if "apv" in header else b""
    other = field_(algorithm_id) + field_(apu) + field_(apv) + struct.pack(">I", length * 8)
    derived = ConcatKDFHash(hashes.SHA256(), length, other).derive(shared)
    return derived if direct else aes_key_unwrap(derived, wrapped)


def _pbes2(header: dict[str, Any], alg: str, wrapped: bytes, password: Any) -> bytes:
    if not isinstance(password, bytes):
        raise DecryptionFailed(f"{alg} needs the password")
    count = header.get("p2c")
    if not isinstance(count, int) or isinstance(count, bool) or not 1000 <= count <= _MAX_P2C:
        raise DecryptionFailed(f"p2c must be an integer from 1000 to {_MAX_P2C:,}")
    bits = alg[8:11]
    kw = _KW_BYTES[alg.split("+")[1]]
    salt = alg.encode() + b"\x00" + b64url_decode(header["p2s"])
    h = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[bits]
    kek = PBKDF2HMAC(h, kw, salt, count).derive(password)
    return aes_key_unwrap(kek, wrapped)


def _decrypt_content(enc: str, cek: bytes, iv: bytes, ciphertext: bytes, tag: bytes,
                     aad: bytes) -> bytes:
    if len(cek) != _ENC_KEY_BYTES[enc]:
        raise DecryptionFailed("the content key has the wrong length for " + enc)
    try:
        if enc.endswith("GCM"):
            return AESGCM(cek).decrypt(iv, ciphertext + tag, aad)
        half = len(cek) // 2
        mac_key, enc_key = cek[:half], cek[half:]
        digest = {16: hashlib.sha256, 24: hashlib.sha384, 32: hashlib.sha512}[half]
        al = struct.pack(">Q", len(aad) * 8)
        expected = hmac.new(mac_key, aad + iv + ciphertext + al, digest).digest()[:half]
        if not hmac.compare_digest(expected, tag):
            raise DecryptionFailed("the authentication tag does not match: wrong key or altered")
        decryptor = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        pad = padded[-1]
        if not 1 <= pad <= 16 or padded[-pad:] != bytes([pad]) * pad:
            raise DecryptionFailed("bad padding")
        return padded[:-pad]
    except DecryptionFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - InvalidTag and friends: wrong key or altered
        raise DecryptionFailed("the content could not be decrypted: wrong key, or the token "
                               f"was altered ({type(exc).__name__})") from None
