"""Webhook signatures are the ones the Standard Webhooks reference library verifies."""

import string
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.adapters.notify.signing import USER_AGENT, headers, sign, signature_header
from app.domain.notifications import WebhookMessage, new_webhook_secret

URL = "https://hooks.example.com/tandem"
message_ids = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=40)
# The reference library verifies the body as UTF-8 text, so the bodies it can check are encoded text.
bodies = st.text(max_size=2000).map(str.encode)


def verify(secret: str, body: bytes, signed: dict[str, str]) -> None:
    Webhook(secret).verify(body, signed, json_parse=False)


def test_the_specification_example_signs_to_its_published_signature():
    body = b'{"test": 2432232314}'
    signature = sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@given(message_id=message_ids, body=bodies)
def test_signed_headers_verify_with_the_reference_library(message_id, body):
    secret = new_webhook_secret()
    now = datetime.now(UTC)
    signed = headers(WebhookMessage(message_id, URL, body, (secret,)), now)

    verify(secret, body, signed)
    assert signed["webhook-id"] == message_id
    assert signed["webhook-timestamp"] == str(int(now.timestamp()))
    assert signed["content-type"] == "application/json"
    assert signed["user-agent"] == USER_AGENT


@given(message_id=message_ids, body=bodies)
def test_during_a_rotation_either_secret_verifies_and_no_other(message_id, body):
    previous, current = new_webhook_secret(), new_webhook_secret()
    signed = headers(WebhookMessage(message_id, URL, body, (current, previous)), datetime.now(UTC))

    assert len(signed["webhook-signature"].split(" ")) == 2
    verify(previous, body, signed)
    verify(current, body, signed)
    with pytest.raises(WebhookVerificationError):
        verify(new_webhook_secret(), body, signed)


@given(body=bodies, suffix=st.text(min_size=1, max_size=8))
def test_a_tampered_body_fails_verification(body, suffix):
    secret = new_webhook_secret()
    signed = headers(WebhookMessage("msg_1", URL, body, (secret,)), datetime.now(UTC))
    with pytest.raises(WebhookVerificationError):
        verify(secret, body + suffix.encode(), signed)


@pytest.mark.parametrize("offset", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_a_timestamp_outside_the_tolerance_fails_verification(offset):
    secret, body = new_webhook_secret(), b'{"event": "plan.created"}'
    signed = headers(WebhookMessage("msg_1", URL, body, (secret,)), datetime.now(UTC) + offset)
    with pytest.raises(WebhookVerificationError, match="timestamp"):
        verify(secret, body, signed)


def test_a_secret_signs_alike_with_or_without_its_prefix_and_padding():
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo="
    bare = secret.removeprefix("whsec_")
    assert sign(bare, "msg_1", 1, b"{}") == sign(secret, "msg_1", 1, b"{}")
    assert sign(bare.rstrip("="), "msg_1", 1, b"{}") == sign(secret, "msg_1", 1, b"{}")


@pytest.mark.parametrize(
    ("secrets", "error"),
    [
        ((), "non-empty sequence"),
        (new_webhook_secret(), "non-empty sequence"),
        (("whsec_a",), "not base64"),
        (("whsec_",), "empty"),
    ],
)
def test_unusable_secrets_are_refused(secrets, error):
    with pytest.raises(ValueError, match=error):
        signature_header(secrets, "msg_1", 1, b"{}")


def test_the_signing_time_must_be_timezone_aware():
    message = WebhookMessage("msg_1", URL, b"{}", (new_webhook_secret(),))
    with pytest.raises(ValueError, match="timezone-aware"):
        headers(message, datetime(2025, 1, 1, 12, 0))
