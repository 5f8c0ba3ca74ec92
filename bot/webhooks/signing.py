"""Standard Webhooks v1 signatures: secrets, the `webhook-signature` value, the request headers.

Owns: `generate_secret`, `secret_key` (validate/decode a `whsec_` secret), `sign` and `headers`.
The HMAC is computed over the exact body bytes sent; tests prove byte-equality with the reference
`standardwebhooks` package and that its verifier accepts every signature we make.

Must not: build payloads, send requests, store secrets (see `bot.webhooks.secrets`) or read the
clock (the caller passes the attempt's timestamp: a retry has the same id and a fresh timestamp).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as _random
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64


def generate_secret() -> str:
    """A new signing secret: `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(_random.token_bytes(32)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_…` secret; ValueError unless it is base64 of 24–64 bytes."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a webhook secret starts with {SECRET_PREFIX!r}")
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a webhook secret is whsec_ followed by base64") from exc
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise ValueError(
            f"a webhook secret holds {MIN_SECRET_BYTES}–{MAX_SECRET_BYTES} bytes, not {len(key)}"
        )
    return key


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def sign(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value: one signature per secret, space-separated (two while
    a secret is being rotated)."""
    if isinstance(secrets, str):
        raise TypeError("sign() takes a sequence of secrets, not one string")
    if not secrets:
        raise ValueError("sign() needs at least one secret")
    if "." in msg_id or not msg_id:
        # The id is part of "{id}.{timestamp}.{body}": a dot in it would make signatures ambiguous.
        raise ValueError(f"a webhook id must be non-empty and contain no '.': {msg_id!r}")
    return " ".join(signature(secret, msg_id, timestamp, body) for secret in secrets)


def headers(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The Standard Webhooks request headers for one attempt of one message."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": sign(secrets, msg_id, timestamp, body),
        "content-type": "application/json",
    }
