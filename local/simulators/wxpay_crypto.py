"""The cryptography both sides of WeChat Pay API v3 use, written from the protocol (not from the SDK).

The simulator checks merchant signatures, signs its answers and notifications with the "platform" key
and encrypts notification resources with the merchant's APIv3 key, exactly as PROTOCOLS.md B.2-B.7 say.
``generate_keys`` makes the key material the local stack and the tests hand to both sides.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SCHEME = "WECHATPAY2-SHA256-RSA2048"
_AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')
_NONCE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class WxPayKeys:
    """Key material for one merchant and the platform that serves it, all PEM text.

    The product (Secrets Manager) gets ``merchant_private_pem``, ``platform_public_pem``, the public
    key id, the merchant serial and the APIv3 key; the simulator gets ``merchant_public_pem``,
    ``platform_private_pem`` and the same id, serial and APIv3 key.
    """

    merchant_private_pem: str  # PKCS#8, as the merchant console hands out apiclient_key.pem
    merchant_public_pem: str  # SPKI
    platform_private_pem: str  # PKCS#8, only the simulator ever holds it
    platform_public_pem: str  # SPKI, the "WeChat Pay public key" downloaded from the console
    apiv3_key: str  # 32 ASCII characters


def generate_keys() -> WxPayKeys:
    """Fresh RSA-2048 key pairs for merchant and platform plus a random 32-character APIv3 key."""
    merchant, platform = _new_rsa(), _new_rsa()
    return WxPayKeys(
        merchant_private_pem=private_pem(merchant),
        merchant_public_pem=public_pem(merchant.public_key()),
        platform_private_pem=private_pem(platform),
        platform_public_pem=public_pem(platform.public_key()),
        apiv3_key=random_text(32),
    )


def _new_rsa() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(key: RSAPublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@lru_cache(maxsize=8)
def load_private(pem: str) -> RSAPrivateKey:
    """Parsed once per process (~37 ms each: the tests build a simulator per test from the same keys)."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("an RSA private key is required")
    return key


def load_public(pem: str) -> RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, RSAPublicKey):
        raise ValueError("an RSA public key is required")
    return key


def random_text(length: int) -> str:
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(length))


def sign_lines(key: RSAPrivateKey, *lines: str) -> str:
    """RSA PKCS#1 v1.5 SHA-256 over the lines, each ending in ``\\n``, as Base64."""
    message = "".join(f"{line}\n" for line in lines).encode()
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def verify_lines(key: RSAPublicKey, signature_b64: str, *lines: str) -> bool:
    message = "".join(f"{line}\n" for line in lines).encode()
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), message, padding.PKCS1v15(),
                   hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def parse_authorization(header: str) -> dict[str, str] | None:
    """The fields of a ``WECHATPAY2-SHA256-RSA2048 k="v",...`` header, or None for another scheme."""
    scheme, _, params = header.strip().partition(" ")
    if scheme != SCHEME:
        return None
    return dict(_AUTH_FIELD.findall(params))


def encrypt_resource(apiv3_key: str, plaintext: str, associated_data: str) -> dict[str, str]:
    """AEAD_AES_256_GCM with a 12-character nonce, as WeChat encrypts notification resources."""
    nonce = random_text(12)
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), plaintext.encode(),
                                                   associated_data.encode())
    return {"algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(ciphertext).decode(),
            "associated_data": associated_data, "nonce": nonce}
