"""Outgoing messages: what is sent (emails to people, signed webhooks to subscribers), the
gateways that send them, and when a failed attempt is tried again."""

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

MAX_ATTEMPTS = 14
"""Attempts before a message is dead-lettered: about a day (26 hours) of retries with the
backoff below."""
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
CLAIM_LEASE = timedelta(minutes=10)
"""How long a claimed message is left to its sender before a sweep hands it to another:
longer than a batch takes against a slow server (100 emails, 10 at a time, 30 s each)."""


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    """Given up on after MAX_ATTEMPTS, or refused for good: kept, never silently dropped."""


@dataclass(frozen=True)
class EmailMessage:
    message_id: str
    """Stable across retries, so a receiving server can drop a duplicate."""
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class WebhookMessage:
    message_id: str
    """The `webhook-id`: stable across retries, the receiver's idempotency key."""
    url: str
    body: bytes
    secrets: tuple[str, ...]
    """Signing secrets (`whsec_...`): the current one and, during a rotation, the previous."""


@dataclass(frozen=True)
class Outgoing:
    """A queued notification about an assessment, with what it takes to write it."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    assessment_id: uuid.UUID
    kind: str
    sequence: int
    recipient: str
    """employee, manager, skip_manager, or an email address."""
    address: str | None
    """Where it goes: the recipient's email as it is now, or None if they have none."""
    employee_name: str
    role_name: str
    due_date: date | None
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    sent_at: datetime | None = None
    last_error: str | None = None


_SUBJECTS = {
    "assessment_opened": "Your capability assessment for {role} is open",
    "manager_turn": "{employee} has finished their self-assessment: your rating is next",
    "reminder": "Reminder: the assessment of {employee} for {role} is waiting",
    "escalation": "Overdue: the assessment of {employee} for {role}",
}


def compose(outgoing: Outgoing) -> EmailMessage | None:
    """The email for a queued notification, or None when the recipient has no address."""
    if not outgoing.address:
        return None
    due = f" It is due on {outgoing.due_date.isoformat()}." if outgoing.due_date else ""
    subject = _SUBJECTS.get(outgoing.kind, "An assessment in Tandem needs you").format(
        employee=outgoing.employee_name, role=outgoing.role_name
    )
    body = (
        f"{subject}.{due}\n\nAssessment {outgoing.assessment_id} "
        f"({outgoing.employee_name}, {outgoing.role_name})."
    )
    return EmailMessage(str(outgoing.id), outgoing.address, subject, body)


@dataclass(frozen=True)
class Attempt:
    """How one delivery attempt ended."""

    ok: bool
    status_code: int | None = None
    error: str | None = None
    permanent: bool = False
    """Retrying cannot help (a webhook receiver's 410 Gone, a mail server refusing the
    recipient for good, no address at all): dead-letter at once."""


class EmailSender(Protocol):
    async def send(self, message: EmailMessage) -> Attempt:
        """Hand the message to the mail system; never raises."""
        ...


class WebhookSender(Protocol):
    async def send(self, message: WebhookMessage, now: datetime) -> Attempt:
        """POST the body with Standard Webhooks headers signed at `now`; never raises."""
        ...


@dataclass(frozen=True)
class Retry:
    """What happens to a message after an attempt: delivered, retried at `at`, or dead."""

    status: DeliveryStatus
    attempts: int
    at: datetime | None = None
    """When to try again, for a message still pending."""
    sent_at: datetime | None = None


def after_attempt(message_id: str, attempts_before: int, attempt: Attempt, now: datetime) -> Retry:
    """Exponential backoff with jitter: the n-th retry waits FIRST_RETRY * 2^(n-1), capped at
    LONGEST_WAIT, plus up to a quarter more. The jitter is drawn from the message id and the
    attempt number, so the decision is a pure function and retries of many messages that
    failed together spread out instead of arriving at the receiver at once."""
    attempts = attempts_before + 1
    if attempt.ok:
        return Retry(DeliveryStatus.DELIVERED, attempts, sent_at=now)
    if attempt.permanent or attempts >= MAX_ATTEMPTS:
        return Retry(DeliveryStatus.DEAD, attempts)
    wait = min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)
    digest = hashlib.sha256(f"{message_id}:{attempts}".encode()).digest()
    jitter = wait * (int.from_bytes(digest[:2], "big") / 65535 / 4)
    return Retry(DeliveryStatus.PENDING, attempts, now + wait + jitter)


def new_webhook_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
