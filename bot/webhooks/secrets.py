"""Webhook signing secrets at rest: sealed (encrypted) in the database when a key is configured.

Owns: `SecretBox` (seal/open with Fernet under an operator key, or plain text without one), the
key helpers (`generate_key`, `parse_key`) and `mask` for showing a secret in the UI and logs.

Must not: read the environment or config (the caller passes the key's value), or log secrets.
Stored forms: `enc:v1:<Fernet token>` when sealed, the secret itself otherwise; a box with a key
still opens plain values (written before a key was set) so they can be re-sealed.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.fernet import Fernet, InvalidToken

SEALED_PREFIX = "enc:v1:"


class SecretBoxError(Exception):
    """A stored secret cannot be opened: no key, wrong key or a damaged value."""


def generate_key() -> str:
    """A new key for sealing secrets (urlsafe base64 of 32 random bytes), for the env var."""
    return Fernet.generate_key().decode("ascii")


def parse_key(key: str | bytes) -> bytes:
    """The key as bytes; ValueError with a clear message unless it is urlsafe base64 of 32 bytes
    (what `generate_key` makes)."""
    raw = key.strip() if isinstance(key, bytes) else key.strip().encode("ascii", "replace")
    try:
        decoded = base64.urlsafe_b64decode(raw)
    except (binascii.Error, ValueError):
        decoded = b""
    if len(decoded) != 32:
        raise ValueError(
            "the secrets key must be urlsafe base64 of 32 bytes (44 characters); "
            "make one with generate_key()"
        )
    return raw


class SecretBox:
    """Seals secrets for the database with `key` (see `generate_key`), or keeps them plain if
    `key` is None."""

    def __init__(self, key: str | bytes | None) -> None:
        self._fernet = None if key is None else Fernet(parse_key(key))

    @property
    def encrypts(self) -> bool:
        return self._fernet is not None

    def seal(self, secret: str) -> str:
        """The stored form of `secret`."""
        if secret.startswith(SEALED_PREFIX):
            raise ValueError("refusing to seal a value that looks sealed already")
        if self._fernet is None:
            return secret
        return SEALED_PREFIX + self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, stored: str) -> str:
        """The secret from its stored form; SecretBoxError if it is sealed and cannot be opened."""
        if not is_sealed(stored):
            return stored
        if self._fernet is None:
            raise SecretBoxError(
                "a webhook secret is stored encrypted but no secrets key is configured"
            )
        try:
            return self._fernet.decrypt(stored[len(SEALED_PREFIX) :].encode("ascii")).decode()
        except (InvalidToken, UnicodeError) as exc:
            raise SecretBoxError(
                "a webhook secret cannot be decrypted: the secrets key is wrong, or the stored "
                "value is damaged"
            ) from exc

    def needs_reseal(self, stored: str) -> bool:
        """True for a plain stored value while a key is configured."""
        return self._fernet is not None and not is_sealed(stored)


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)


def mask(secret: str) -> str:
    """A secret for display: `whsec_…XyZ1` (prefix and last 4 characters), or `***` when the
    secret is too short for showing 4 characters to be harmless."""
    prefix = "whsec_" if secret.startswith("whsec_") else ""
    rest = secret[len(prefix) :]
    if len(rest) < 16:
        return "***"
    return f"{prefix}…{rest[-4:]}"
