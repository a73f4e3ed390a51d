"""Webhook subscriptions: where a tenant wants its events POSTed, which ones, and the secrets
that sign them; and the delivery log of each event to each subscription."""

import ipaddress
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from app.domain.errors import FieldError, InvalidInput
from app.domain.events import DomainEvent, EventType
from app.domain.ids import new_id
from app.domain.notifications import DeliveryStatus, new_webhook_secret
from app.domain.values import check_text

ROTATION_OVERLAP = timedelta(hours=24)
"""After a rotation, the previous secret signs too for this long, so receivers can switch."""
MAX_URL_LENGTH = 2000
GONE = "The receiver answered 410 Gone."
"""Why a subscription was disabled when its receiver asked never to be called again."""


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


@dataclass(frozen=True)
class WebhookSubscription:
    id: uuid.UUID
    tenant_id: uuid.UUID
    url: str
    description: str
    event_types: frozenset[EventType]
    """The events wanted; empty for every event."""
    status: SubscriptionStatus
    disabled_reason: str | None
    secret: str
    previous_secret: str | None
    previous_secret_expires_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls,
        tenant_id: uuid.UUID,
        *,
        url: str,
        event_types: Iterable[EventType],
        description: str,
        now: datetime,
    ) -> "WebhookSubscription":
        return cls(
            id=new_id(),
            tenant_id=tenant_id,
            url=_checked_url(url),
            description=_checked_description(description),
            event_types=frozenset(event_types),
            status=SubscriptionStatus.ACTIVE,
            disabled_reason=None,
            secret=new_webhook_secret(),
            previous_secret=None,
            previous_secret_expires_at=None,
            version=1,
            created_at=now,
            updated_at=now,
        )

    def changed(
        self,
        *,
        url: str,
        event_types: Iterable[EventType],
        description: str,
        active: bool,
        now: datetime,
    ) -> "WebhookSubscription":
        status = SubscriptionStatus.ACTIVE if active else SubscriptionStatus.DISABLED
        return replace(
            self,
            url=_checked_url(url),
            event_types=frozenset(event_types),
            description=_checked_description(description),
            status=status,
            disabled_reason=None if active else (self.disabled_reason or "Disabled by a user."),
            version=self.version + 1,
            updated_at=now,
        )

    def rotated(self, now: datetime) -> "WebhookSubscription":
        """A new secret; the current one keeps signing beside it for ROTATION_OVERLAP. A
        second rotation within the overlap retires the oldest secret at once."""
        return replace(
            self,
            secret=new_webhook_secret(),
            previous_secret=self.secret,
            previous_secret_expires_at=now + ROTATION_OVERLAP,
            version=self.version + 1,
            updated_at=now,
        )

    def wants(self, event: DomainEvent) -> bool:
        """Active, subscribed to the event's type, and existing when it happened (a new
        subscription does not receive the backlog)."""
        return (
            self.status is SubscriptionStatus.ACTIVE
            and event.tenant_id == self.tenant_id
            and (not self.event_types or event.type in self.event_types)
            and event.occurred_at >= self.created_at
        )

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        return signing_secrets(
            self.secret, self.previous_secret, self.previous_secret_expires_at, now
        )

    def rotation_ends_at(self, now: datetime) -> datetime | None:
        """When the previous secret stops signing, while a rotation's overlap runs."""
        return self.previous_secret_expires_at if len(self.signing_secrets(now)) > 1 else None


def signing_secrets(
    secret: str, previous: str | None, previous_expires_at: datetime | None, now: datetime
) -> tuple[str, ...]:
    """The secrets that sign a message sent at `now`: the current one, and the previous one
    until its overlap after a rotation ends."""
    if previous and previous_expires_at and now < previous_expires_at:
        return (secret, previous)
    return (secret,)


@dataclass(frozen=True)
class Delivery:
    """One event to one subscription: the delivery log's row and the outbox's."""

    id: uuid.UUID
    """The `webhook-id`: the same on every attempt."""
    tenant_id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: uuid.UUID
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class OutgoingWebhook:
    delivery: Delivery
    url: str
    body: bytes
    secrets: tuple[str, ...]


def _checked_url(url: str) -> str:
    problem = "Give an http(s) URL without credentials or spaces, at most 2000 characters."
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except (AttributeError, ValueError):
        parts, port = None, None
    if (
        parts is None
        or parts.scheme not in ("https", "http")
        or not parts.hostname
        or len(url) > MAX_URL_LENGTH
        or parts.username
        or parts.password
        or any(c.isspace() or not c.isprintable() for c in url.strip())
        or port == 0
    ):
        raise InvalidInput("The webhook subscription is not valid.", [FieldError("url", problem)])
    if _internal(parts.hostname):
        # Loopback, private and link-local hosts (the cloud metadata service among them) are
        # never a tenant's receiver and are what a forged subscription would probe.
        raise InvalidInput(
            "The webhook subscription is not valid.",
            [FieldError("url", "Give a public host: internal addresses cannot receive webhooks.")],
        )
    return url.strip()


def _internal(host: str) -> bool:
    """An internal address written out: localhost, or an IP literal (dotted, IPv6, an
    IPv4-mapped IPv6, or a bare number) that is not a global address. A name that resolves
    to one is for the sender to refuse when it connects."""
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(int(host) if host.isdigit() else host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return not (mapped or address).is_global


def _checked_description(description: str) -> str:
    errors: list[FieldError] = []
    text = check_text(description, "description", errors)
    if len(text) > 500:
        errors.append(FieldError("description", "At most 500 characters."))
    if errors:
        raise InvalidInput("The webhook subscription is not valid.", errors)
    return text
