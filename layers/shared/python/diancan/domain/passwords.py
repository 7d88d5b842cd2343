"""Password hashing with scrypt (stdlib), a per-user salt and the cost parameters stored with the hash,
so the cost can be raised later and old hashes upgraded at the next login (``needs_rehash``)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from pydantic import BaseModel, Field

ALGORITHM = "scrypt"


class ScryptCost(BaseModel):
    model_config = {"frozen": True}

    n: int = Field(2**17, ge=2**10)  # OWASP 2024: N=2^17, r=8, p=1 (128 MiB)
    r: int = Field(8, ge=1)
    p: int = Field(1, ge=1)

    @property
    def max_memory(self) -> int:
        return 128 * self.r * self.n * 2


CURRENT = ScryptCost()


class PasswordHash(BaseModel):
    """What is stored: never the password, only the derived key and how it was derived."""

    algorithm: str = ALGORITHM
    salt: str
    n: int
    r: int
    p: int
    key: str

    @property
    def cost(self) -> ScryptCost:
        return ScryptCost(n=self.n, r=self.r, p=self.p)


def _derive(password: str, salt: bytes, cost: ScryptCost) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=cost.n, r=cost.r, p=cost.p,
                          maxmem=cost.max_memory, dklen=32)


def hash_password(password: str, cost: ScryptCost = CURRENT) -> PasswordHash:
    salt = secrets.token_bytes(16)
    return PasswordHash(salt=salt.hex(), n=cost.n, r=cost.r, p=cost.p, key=_derive(password, salt, cost).hex())


def verify_password(password: str, stored: PasswordHash) -> bool:
    if stored.algorithm != ALGORITHM:
        return False
    return hmac.compare_digest(_derive(password, bytes.fromhex(stored.salt), stored.cost).hex(), stored.key)


def needs_rehash(stored: PasswordHash, cost: ScryptCost = CURRENT) -> bool:
    return stored.algorithm != ALGORITHM or (stored.n, stored.r, stored.p) < (cost.n, cost.r, cost.p)
