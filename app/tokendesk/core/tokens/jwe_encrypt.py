"""JWE compact encryption (RFC 7516) for test tokens: every alg/enc pair :mod:`.jwe` decrypts,
except RSA1_5 (deprecated, padding oracles: never made new).

The recipient's key is bound as for decryption (SECURITY.md 25a): a JWK's own ``alg`` must be
the one used, its ``use`` must be ``enc`` and its ``key_ops`` must allow encryption. A nested
JWT (a signed token, encrypted) carries ``cty: JWT`` (RFC 7519 §5.2).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
import zlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, x448, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from ..errors import UnsupportedAlgorithm, UnusableKey
from .b64 import b64url_decode, b64url_encode, is_b64url
from .jwe import _ENC_KEY_BYTES, _KW_BYTES, _MAX_P2C, JweKey, _jwk_permissions, _short, ecdh_kdf
from .keyset import EC_CURVES, MIN_RSA_BITS

__all__ = ["ENCRYPTION_ALGS", "ENCS", "encrypt", "load_encryption_key"]

ENCS = tuple(_ENC_KEY_BYTES)
ENCRYPTION_ALGS = ("RSA-OAEP", "RSA-OAEP-256", "A128KW", "A192KW", "A256KW", "A128GCMKW",
                   "A192GCMKW", "A256GCMKW", "dir", "ECDH-ES", "ECDH-ES+A128KW",
                   "ECDH-ES+A192KW", "ECDH-ES+A256KW", "PBES2-HS256+A128KW",
                   "PBES2-HS384+A192KW", "PBES2-HS512+A256KW")
#: PBKDF2 iterations for a new PBES2 token (the decrypter accepts up to _MAX_P2C)
DEFAULT_P2C = 100_000
_ENCRYPT_OPS = frozenset({"encrypt", "wrapKey", "deriveKey", "deriveBits"})
_CURVE_NAMES = {cls().name: jose for jose, (cls, _, _) in EC_CURVES.items()}


def load_encryption_key(data: str | bytes, *, kid: str | None = None) -> JweKey:
    """The recipient's key: a public (or private) JWK, a JWKS holding one key for encryption
    (or the one with ``kid``), a PEM public key, certificate or private key (its public half),
    or an ``oct`` JWK for dir, A*KW and A*GCMKW."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = text.strip().lstrip("\ufeff")
    if text.startswith("-----BEGIN"):
        return JweKey(_from_pem(text))
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        raise UnusableKey("the encryption key must be a JWK, a JWKS or a PEM public key") \
            from None
    if isinstance(doc, dict) and "keys" in doc:
        members = doc["keys"]
        if not isinstance(members, list):
            raise UnusableKey("the JWKS member 'keys' is not an array")
        chosen = [m for m in members if isinstance(m, dict)
                  and (m.get("kid") == kid if kid is not None else m.get("use") in (None, "enc"))
                  and m.get("kty") in ("RSA", "EC", "OKP", "oct")]
        if len(chosen) != 1:
            raise UnusableKey(f"the JWKS holds {len(chosen)} keys that could encrypt"
                              + (f" with kid {kid!r}" if kid is not None else "")
                              + ": give exactly one (--kid KID, or a JWK file)")
        doc = chosen[0]
    if not isinstance(doc, dict):
        raise UnusableKey("the encryption key must be a JSON object (JWK)")
    return JweKey(_from_jwk(doc), *_jwk_permissions(doc))


def _from_pem(text: str) -> Any:
    block = text.encode()
    try:
        if "CERTIFICATE" in text.split("\n", 1)[0]:
            return _public(x509.load_pem_x509_certificate(block).public_key())
        if "PRIVATE KEY" in text.split("\n", 1)[0]:
            private = serialization.load_pem_private_key(block, password=None)
            return _public(private.public_key())
        return _public(serialization.load_pem_public_key(block))
    except (ValueError, TypeError) as exc:
        raise UnusableKey(f"the PEM key could not be read ({str(exc)[:100]})") from None


def _public(key: Any) -> Any:
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise UnusableKey(f"the RSA key is {key.key_size} bits; at least {MIN_RSA_BITS} "
                              "are required")
        return key
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in _CURVE_NAMES:
            raise UnusableKey(f"the EC curve {key.curve.name} is not a JOSE curve")
        return key
    if isinstance(key, x25519.X25519PublicKey | x448.X448PublicKey):
        return key
    raise UnusableKey(f"a {type(key).__name__} cannot encrypt (RSA, EC, X25519 or X448)")


def _b64(jwk: dict[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str) or not is_b64url(value.rstrip("=")):
        raise UnusableKey(f"the JWK member {name!r} is missing or not base64url")
    return b64url_decode(value.rstrip("="))


def _from_jwk(jwk: dict[str, Any]) -> Any:
    kty = jwk.get("kty")
    try:
        if kty == "oct":
            return _b64(jwk, "k")
        if kty == "RSA":
            n, e = (int.from_bytes(_b64(jwk, m), "big") for m in ("n", "e"))
            return _public(rsa.RSAPublicNumbers(e, n).public_key())
        if kty == "EC":
            crv = jwk.get("crv")
            if not isinstance(crv, str) or crv not in EC_CURVES:
                raise UnusableKey(f"unsupported curve {_short(crv)} (P-256, P-384, P-521)")
            x, y = (int.from_bytes(_b64(jwk, m), "big") for m in ("x", "y"))
            return ec.EllipticCurvePublicNumbers(x, y, EC_CURVES[crv][0]()).public_key()
        if kty == "OKP":
            crv = jwk.get("crv")
            if crv == "X25519":
                return x25519.X25519PublicKey.from_public_bytes(_b64(jwk, "x"))
            if crv == "X448":
                return x448.X448PublicKey.from_public_bytes(_b64(jwk, "x"))
            raise UnusableKey(f"the OKP curve {_short(crv)} cannot encrypt (X25519, X448)")
    except ValueError as exc:
        raise UnusableKey(f"the JWK is not a valid key ({str(exc)[:100]})") from None
    raise UnusableKey(f"unknown key type kty {_short(kty)}")


def default_alg(key: JweKey) -> str:
    """The key's own alg, or the usual one for its type."""
    if key.alg is not None:
        return key.alg
    k = key.key
    if isinstance(k, rsa.RSAPublicKey):
        return "RSA-OAEP-256"
    if isinstance(k, ec.EllipticCurvePublicKey | x25519.X25519PublicKey | x448.X448PublicKey):
        return "ECDH-ES"
    if isinstance(k, bytes) and len(k) in (16, 24, 32):
        return f"A{len(k) * 8}KW"
    return "dir"


def encrypt(plaintext: bytes, key: JweKey | Any, *, alg: str | None = None,
            enc: str = "A256GCM", header: dict[str, Any] | None = None,
            password: bytes | None = None, compress: bool = False,
            p2c: int = DEFAULT_P2C) -> str:
    """A compact JWE of ``plaintext`` for the recipient ``key`` (see
    :func:`load_encryption_key`; ``None`` with ``password`` for PBES2)."""
    if key is not None and not isinstance(key, JweKey):
        key = JweKey(key)
    if alg is None:
        if key is None:
            raise UnsupportedAlgorithm("give the algorithm (PBES2-HS*+A*KW for a password)")
        alg = default_alg(key)
    if alg == "RSA1_5":
        raise UnsupportedAlgorithm("RSA1_5 is deprecated (padding oracles): Tokendesk does not "
                                   "make new RSA1_5 tokens; use RSA-OAEP-256")
    if alg not in ENCRYPTION_ALGS:
        raise UnsupportedAlgorithm(f"unsupported key management algorithm {_short(alg)}")
    if enc not in _ENC_KEY_BYTES:
        raise UnsupportedAlgorithm(f"unsupported content encryption {_short(enc)}")
    if key is not None:
        _check_key(key, alg, enc)
    head: dict[str, Any] = {"alg": alg, "enc": enc}
    if compress:
        head["zip"] = "DEF"
    for name, value in (header or {}).items():
        if name in ("alg", "enc", "zip", "epk", "iv", "tag", "p2s", "p2c"):
            raise UnusableKey(f"the header member {name!r} is set by the encryption itself")
        head[name] = value
    size = _ENC_KEY_BYTES[enc]
    cek, wrapped = _content_key(head, alg, enc, size, None if key is None else key.key,
                                password, p2c)
    if compress:
        deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
        plaintext = deflater.compress(plaintext) + deflater.flush()
    protected = b64url_encode(json.dumps(head, separators=(",", ":")).encode())
    iv, ciphertext, tag = _seal(enc, cek, plaintext, protected.encode("ascii"))
    return ".".join([protected, b64url_encode(wrapped), b64url_encode(iv),
                     b64url_encode(ciphertext), b64url_encode(tag)])


def _check_key(key: JweKey, alg: str, enc: str) -> None:
    if key.alg is not None and key.alg != alg and not (alg == "dir" and key.alg == enc):
        raise UnusableKey(f"the key is for {_short(key.alg)}, not {_short(alg)}: a key is bound "
                          "to one algorithm")
    if key.use is not None and key.use != "enc":
        raise UnusableKey(f"the key has use {_short(key.use)}, not 'enc': it must not encrypt")
    if key.key_ops is not None and not _ENCRYPT_OPS & set(key.key_ops):
        raise UnusableKey("the key's key_ops do not allow encryption (encrypt, wrapKey or "
                          "deriveKey)")


def _content_key(head: dict[str, Any], alg: str, enc: str, size: int, key: Any,
                 password: bytes | None, p2c: int) -> tuple[bytes, bytes]:
    """(the content key, the encrypted key), filling the header members the alg needs."""
    if alg.startswith("PBES2"):
        if password is None:
            raise UnusableKey(f"{alg} needs a password")
        if not 1000 <= p2c <= _MAX_P2C:
            raise UnusableKey(f"p2c must be from 1000 to {_MAX_P2C:,}")
        cek = os.urandom(size)
        salt = os.urandom(16)
        head.update(p2s=b64url_encode(salt), p2c=p2c)
        prf = {"256": hashes.SHA256(), "384": hashes.SHA384(),
               "512": hashes.SHA512()}[alg[8:11]]
        kek = PBKDF2HMAC(prf, _KW_BYTES[alg.split("+")[1]], alg.encode() + b"\x00" + salt,
                         p2c).derive(password)
        return cek, aes_key_wrap(kek, cek)
    if key is None:
        raise UnusableKey(f"{alg} needs the recipient's key")
    if alg == "dir":
        if not isinstance(key, bytes) or len(key) != size:
            raise UnusableKey(f"dir with {enc} needs a {size * 8}-bit shared key")
        return key, b""
    if alg in _KW_BYTES or alg.endswith("GCMKW"):
        need = int(alg[1:4]) // 8
        if not isinstance(key, bytes) or len(key) != need:
            raise UnusableKey(f"{alg} needs a {need * 8}-bit AES key")
        cek = os.urandom(size)
        if alg in _KW_BYTES:
            return cek, aes_key_wrap(key, cek)
        iv = os.urandom(12)
        sealed = AESGCM(key).encrypt(iv, cek, b"")
        head.update(iv=b64url_encode(iv), tag=b64url_encode(sealed[-16:]))
        return cek, sealed[:-16]
    if alg.startswith("RSA-OAEP"):
        if not isinstance(key, rsa.RSAPublicKey):
            raise UnusableKey(f"{alg} needs the recipient's RSA public key")
        cek = os.urandom(size)
        oaep: hashes.HashAlgorithm = hashes.SHA1() if alg == "RSA-OAEP" else hashes.SHA256()  # noqa: S303
        return cek, key.encrypt(cek, padding.OAEP(padding.MGF1(oaep), oaep, None))
    # ECDH-ES and ECDH-ES+A*KW
    if isinstance(key, ec.EllipticCurvePublicKey):
        ephemeral: Any = ec.generate_private_key(key.curve)
        shared = ephemeral.exchange(ec.ECDH(), key)
        crv = _CURVE_NAMES[key.curve.name]
        coord = EC_CURVES[crv][2]
        numbers = ephemeral.public_key().public_numbers()
        head["epk"] = {"kty": "EC", "crv": crv,
                       "x": b64url_encode(numbers.x.to_bytes(coord, "big")),
                       "y": b64url_encode(numbers.y.to_bytes(coord, "big"))}
    elif isinstance(key, x25519.X25519PublicKey | x448.X448PublicKey):
        cls = x25519.X25519PrivateKey if isinstance(key, x25519.X25519PublicKey) \
            else x448.X448PrivateKey
        ephemeral = cls.generate()
        shared = ephemeral.exchange(key)
        raw = ephemeral.public_key().public_bytes(serialization.Encoding.Raw,
                                                  serialization.PublicFormat.Raw)
        head["epk"] = {"kty": "OKP", "crv": "X25519" if cls is x25519.X25519PrivateKey
                       else "X448", "x": b64url_encode(raw)}
    else:
        raise UnusableKey(f"{alg} needs the recipient's EC, X25519 or X448 public key")
    derived = ecdh_kdf(shared, head, alg, enc)
    if alg == "ECDH-ES":
        return derived, b""
    cek = os.urandom(size)
    return cek, aes_key_wrap(derived, cek)


def _seal(enc: str, cek: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes, bytes]:
    if enc.endswith("GCM"):
        iv = os.urandom(12)
        sealed = AESGCM(cek).encrypt(iv, plaintext, aad)
        return iv, sealed[:-16], sealed[-16:]
    half = len(cek) // 2
    mac_key, enc_key = cek[:half], cek[half:]
    iv = os.urandom(16)
    pad = 16 - len(plaintext) % 16
    encryptor = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(plaintext + bytes([pad]) * pad) + encryptor.finalize()
    digest = {16: hashlib.sha256, 24: hashlib.sha384, 32: hashlib.sha512}[half]
    al = struct.pack(">Q", len(aad) * 8)
    tag = hmac.new(mac_key, aad + iv + ciphertext + al, digest).digest()[:half]
    return iv, ciphertext, tag
