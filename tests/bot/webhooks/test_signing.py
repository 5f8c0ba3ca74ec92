"""Standard Webhooks signatures, checked against the spec's vector and the reference package."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from bot.webhooks.signing import generate_secret, headers, secret_key, sign

VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TS = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

BODY = '{"type":"treaty.ratified","data":{"country":"Côte d\'Ivoire"}}'.encode()


def test_sign_matches_the_standard_webhooks_known_answer() -> None:
    assert sign([VECTOR_SECRET], VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIG


def test_sign_is_byte_equal_to_the_reference_package_for_a_non_ascii_body() -> None:
    secret = generate_secret()
    reference = Webhook(secret).sign(
        "msg_1", datetime.fromtimestamp(1_700_000_000, UTC), BODY.decode()
    )
    assert sign([secret], "msg_1", 1_700_000_000, BODY) == reference


def test_generated_secret_is_whsec_and_base64_of_32_bytes() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret != generate_secret()


def test_every_signature_of_a_rotation_verifies_with_the_reference_verifier() -> None:
    old, new = generate_secret(), generate_secret()
    sent = headers([old, new], "msg_rot", int(time.time()), BODY)
    assert len(sent["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(BODY, sent) == {
            "type": "treaty.ratified",
            "data": {"country": "Côte d'Ivoire"},
        }


def test_headers_carry_id_timestamp_signature_and_json_content_type() -> None:
    sent = headers([VECTOR_SECRET], VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    assert sent == {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": "1614265330",
        "webhook-signature": VECTOR_SIG,
        "content-type": "application/json",
    }


def test_a_tampered_body_fails_verification() -> None:
    secret = generate_secret()
    sent = headers([secret], "msg_t", int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"Ivoire", b"Ivoira"), sent)


def test_a_signature_from_another_secret_fails_verification() -> None:
    sent = headers([generate_secret()], "msg_o", int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(BODY, sent)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "starts with"),
        ("whsec_not base64!", "base64"),
        ("whsec_" + base64.b64encode(b"x" * 16).decode(), "not 16"),
    ],
)
def test_malformed_secrets_are_refused(secret: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        secret_key(secret)


def test_sign_refuses_a_bare_string_and_an_id_with_a_dot() -> None:
    with pytest.raises(TypeError):
        sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    with pytest.raises(ValueError, match="contain no"):
        sign([VECTOR_SECRET], "msg.1", VECTOR_TS, VECTOR_BODY)
