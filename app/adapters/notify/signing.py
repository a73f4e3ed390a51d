"""Standard Webhooks v1 signatures, by which a receiver knows a webhook came from Tandem."""

import base64
import binascii
import hashlib
import hmac
import math
from collections.abc import Sequence
from datetime import datetime

from app.domain.notifications import WebhookMessage

SECRET_PREFIX = "whsec_"  # noqa: S105 - the marker of a secret, not one
USER_AGENT = "Tandem-Webhooks/1"


def _key(secret: str) -> bytes:
    # Decoded as the reference library does (prefix optional, missing padding forgiven), so every
    # secret its verifiers accept signs here alike.
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX) + "==")
    except binascii.Error as error:
        raise ValueError("webhook secret is not base64") from error
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,` and the base64 HMAC-SHA256 of `{message_id}.{timestamp}.{body}`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return (
        "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()
    )


def signature_header(secrets: Sequence[str], message_id: str, timestamp: int, body: bytes) -> str:
    """One signature per secret, space-separated, so that during a rotation a receiver holding
    either the new or the previous secret accepts the message."""
    # A lone string is a Sequence[str] too, and would sign with each of its characters.
    if isinstance(secrets, str) or not secrets:
        raise ValueError("a webhook is signed with a non-empty sequence of secrets")
    return " ".join(sign(secret, message_id, timestamp, body) for secret in secrets)


def headers(message: WebhookMessage, now: datetime) -> dict[str, str]:
    """The headers of one delivery attempt, signed at `now` (timezone-aware): receivers refuse
    timestamps more than a few minutes off, so every retry is signed afresh."""
    if now.tzinfo is None:
        raise ValueError("the signing time must be timezone-aware")
    timestamp = math.floor(now.timestamp())
    return {
        "webhook-id": message.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            message.secrets, message.message_id, timestamp, message.body
        ),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
