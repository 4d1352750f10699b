"""Tokens: parsing, classification, claims, keys, verification, JWE and encoding.

Submodules are imported on use: ``decoding`` needs only the standard library, while ``keys``,
``verify``, ``jwe`` and ``encode`` pull in ``cryptography``.
"""
