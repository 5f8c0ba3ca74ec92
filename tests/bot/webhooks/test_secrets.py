"""Webhook secrets at rest: sealed with a key, plain without, clear errors when they cannot open."""

from __future__ import annotations

import pytest

from bot.webhooks.secrets import SecretBox, SecretBoxError, generate_key, mask, parse_key

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_a_sealed_secret_opens_with_the_same_key_and_does_not_contain_it() -> None:
    box = SecretBox(generate_key())
    stored = box.seal(SECRET)
    assert stored.startswith("enc:v1:")
    assert "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" not in stored
    assert box.open(stored) == SECRET


def test_without_a_key_secrets_are_stored_plain() -> None:
    box = SecretBox(None)
    assert box.seal(SECRET) == SECRET
    assert box.open(SECRET) == SECRET
    assert box.encrypts is False


def test_a_sealed_secret_without_the_key_is_a_clear_error() -> None:
    stored = SecretBox(generate_key()).seal(SECRET)
    with pytest.raises(SecretBoxError, match="no secrets key is configured"):
        SecretBox(None).open(stored)


def test_a_sealed_secret_with_another_key_is_a_clear_error() -> None:
    stored = SecretBox(generate_key()).seal(SECRET)
    with pytest.raises(SecretBoxError, match="key is wrong"):
        SecretBox(generate_key()).open(stored)


def test_a_plain_value_opens_under_a_key_and_is_reported_for_resealing() -> None:
    box = SecretBox(generate_key())
    assert box.open(SECRET) == SECRET
    assert box.needs_reseal(SECRET) is True
    assert box.needs_reseal(box.seal(SECRET)) is False


@pytest.mark.parametrize("key", ["", "short", "x" * 44, generate_key()[:-4]])
def test_malformed_keys_are_refused_with_a_hint(key: str) -> None:
    with pytest.raises(ValueError, match="generate_key"):
        parse_key(key)
    with pytest.raises(ValueError, match="generate_key"):
        SecretBox(key)


def test_a_generated_key_parses_from_str_and_bytes_with_surrounding_whitespace() -> None:
    key = generate_key()
    assert parse_key(f" {key}\n") == key.encode()
    assert parse_key(key.encode()) == key.encode()


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        (SECRET, "whsec_…LaSw"),
        ("whsec_abc", "***"),
        ("", "***"),
        ("0123456789abcdefXyZ1", "…XyZ1"),
    ],
)
def test_mask_shows_at_most_the_prefix_and_last_four_characters(secret: str, expected: str) -> None:
    assert mask(secret) == expected
