"""Phone numbers and addresses at rest: AES-256-GCM with a key from Secrets Manager.

A ciphertext is ``v1.<base64url(nonce + ciphertext)>``; the version lets the key be rotated."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class PiiCipher:
    def __init__(self, key_b64: str) -> None:
        key = base64.b64decode(key_b64)
        if len(key) != 32:
            raise ValueError("PII key must be 32 bytes (base64)")
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), b"diancan-pii")
        return "v1." + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str) -> str:
        version, _, body = token.partition(".")
        if version != "v1":
            raise ValueError("unknown PII ciphertext version")
        raw = base64.urlsafe_b64decode(body)
        return self._aead.decrypt(raw[:12], raw[12:], b"diancan-pii").decode("utf-8")

