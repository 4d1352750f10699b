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

__all__ = ["Decrypted", "JweKey", "decrypt", "load_decryption_key"]

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


@dataclass(frozen=True)
class JweKey:
    """A decryption key read from a JWK, with what the JWK says it may do (SECURITY.md 25a):
    its own ``alg`` must equal the token's, its ``use``/``key_ops`` must allow decryption."""

    key: Any = field(repr=False)
    alg: str | None = None
    use: str | None = None
    key_ops: tuple[str, ...] | None = None
    kid: str | None = None

    def __getattr__(self, name: str) -> Any:  # key_size, curve...: as the key itself
        if name == "key":
            raise AttributeError(name)
        return getattr(self.key, name)


#: key_ops that allow a JWE to be decrypted (RFC 7517 §4.3): the content key is unwrapped,
#: derived (ECDH-ES) or used directly (dir).
_DECRYPT_OPS = frozenset({"decrypt", "unwrapKey", "deriveKey", "deriveBits"})
_SIG_OPS = frozenset({"sign", "verify"})
_ENC_OPS = frozenset({"encrypt", "decrypt", "wrapKey", "unwrapKey", "deriveKey", "deriveBits"})
#: Header parameters a JWE may list in ``crit`` that Tokendesk understands: none.
_UNDERSTOOD_CRIT: frozenset[str] = frozenset()


def load_decryption_key(data: str | bytes | dict[str, Any]) -> Any:
    """A private JWK (as a :class:`JweKey`, keeping its ``alg``, ``use`` and ``key_ops``), a
    PEM private key, or raw key bytes (for dir and A*KW)."""
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
    return JweKey(_private_from_jwk(data), *_jwk_permissions(data))


def _jwk_permissions(jwk: dict[str, Any]) -> tuple[str | None, str | None,
                                                   tuple[str, ...] | None, str | None]:
    """(alg, use, key_ops, kid) of a JWK; members of the wrong type, or a ``use`` that
    contradicts ``key_ops`` (RFC 7517 §4.3), are :class:`UnusableKey`."""
    alg, use, ops, kid = (jwk.get(n) for n in ("alg", "use", "key_ops", "kid"))
    for name, value in (("alg", alg), ("use", use), ("kid", kid)):
        if value is not None and not isinstance(value, str):
            raise UnusableKey(f"the JWK {name} is not a string")
    if ops is not None and (not isinstance(ops, list)
                            or not all(isinstance(op, str) for op in ops)):
        raise UnusableKey("the JWK key_ops is not an array of strings")
    if use is not None and ops is not None:
        allowed = _SIG_OPS if use == "sig" else _ENC_OPS if use == "enc" else None
        if allowed is not None and not set(ops) <= allowed:
            raise UnusableKey(f"the JWK has use {use!r} but key_ops "
                              f"{', '.join(map(repr, ops))}: they disagree (RFC 7517 §4.3)")
    return alg, use, None if ops is None else tuple(ops), kid


def _check_key_for(key: JweKey, alg: str, enc: str) -> None:
    """SECURITY.md 25a: the key's own alg, use and key_ops must allow this decryption. A
    ``dir`` key may name the content encryption it is for (RFC 7520 §5.6 does)."""
    if key.alg is not None and key.alg != alg and not (alg == "dir" and key.alg == enc):
        raise DecryptionFailed(
            f"the key is for {_short(key.alg)}, the token uses {_short(alg)}: refused (a key is "
            "bound to one algorithm; RSA-OAEP keys must not fall back to RSA1_5, AES-GCM key "
            "wrap keys must not unwrap AES-KW)")
    if key.use is not None and key.use != "enc":
        raise DecryptionFailed(f"the key has use {_short(key.use)}, not 'enc': it must not "
                               "decrypt")
    if key.key_ops is not None and not _DECRYPT_OPS & set(key.key_ops):
        raise DecryptionFailed(
            f"the key's key_ops ({', '.join(map(_short, key.key_ops)) or 'none'}) do not "
            "allow decryption (decrypt, unwrapKey or deriveKey)")


def _check_crit(header: dict[str, Any]) -> None:
    """RFC 7515 §4.1.11 / RFC 7516 §4.1.13: crit is a non-empty array of strings, each a
    header member that is present, not a registered one, and understood."""
    if "crit" not in header:
        return
    crit = header["crit"]
    if not isinstance(crit, list) or not crit or not all(isinstance(c, str) for c in crit):
        raise DecryptionFailed("crit must be a non-empty array of header parameter names: "
                               "refused")
    for name in crit:
        if name not in header:
            raise DecryptionFailed(f"crit lists {_short(name)}, which the header lacks: refused")
        if name not in _UNDERSTOOD_CRIT:
            raise DecryptionFailed(f"crit lists {_short(name)}, an extension Tokendesk does not "
                                   "understand: refused (RFC 7516 §4.1.13)")


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
    if not isinstance(alg, str):
        raise DecryptionFailed(f"unsupported key management algorithm {_short(alg)}")
    _check_crit(header)
    if isinstance(key, JweKey):
        _check_key_for(key, alg, enc)
        key = key.key
    if enc.endswith("GCM") and len(raw[2]) != 12:
        raise DecryptionFailed(f"the {enc} IV is {len(raw[2]) * 8} bits; AES-GCM IVs are 96 "
                               "bits (RFC 7518 §5.3): refused")
    warnings: list[str] = []
    cek = _content_key(header, alg, enc, raw[1], key, password, warnings)
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
            if len(iv) != 12 or len(tag) != 16:
                raise DecryptionFailed(f"{alg} needs a 96-bit iv and a 128-bit tag in the "
                                       f"header (RFC 7518 §4.7); this has {len(iv) * 8} and "
                                       f"{len(tag) * 8}")
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
    derived = ecdh_kdf(shared, header, alg, enc)
    return derived if alg == "ECDH-ES" else aes_key_unwrap(derived, wrapped)


def ecdh_kdf(shared: bytes, header: dict[str, Any], alg: str, enc: str) -> bytes:
    """RFC 7518 §4.6.2: the Concat KDF over the ECDH shared secret, for ``alg`` and ``enc``."""
    direct = alg == "ECDH-ES"
    length = _ENC_KEY_BYTES[enc] if direct else _KW_BYTES[alg.split("+")[1]]
    algorithm_id = (enc if direct else alg).encode()

    def field_(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    apu = b64url_decode(header["apu"]) if "apu" in header else b""
    apv = b64url_decode(header["apv"]) if "apv" in header else b""
    other = field_(algorithm_id) + field_(apu) + field_(apv) + struct.pack(">I", length * 8)
    return ConcatKDFHash(hashes.SHA256(), length, other).derive(shared)


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
