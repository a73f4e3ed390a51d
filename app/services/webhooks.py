"""Webhook use cases: hr_admin subscribes URLs to events, rotates their signing secrets and
reads the delivery log (anyone else gets Forbidden; other tenants' ids NotFound); the worker
delivers the queued events, signed, with retries and a dead letter."""

import asyncio
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime

from app.domain.errors import NotFound
from app.domain.events import EventType
from app.domain.identity import Actor, Role
from app.domain.notifications import (
    CLAIM_LEASE,
    Retry,
    WebhookMessage,
    WebhookSender,
    after_attempt,
)
from app.domain.pagination import Page, PageRequest
from app.domain.ports import UnitOfWork
from app.domain.webhooks import (
    GONE,
    Delivery,
    OutgoingWebhook,
    WebhookSubscription,
)
from app.services import utcnow
from app.services.guards import check_version

logger = logging.getLogger(__name__)
BATCH = 100
PARALLEL_SENDS = 10


async def create_subscription(
    uow: UnitOfWork,
    actor: Actor,
    *,
    url: str,
    event_types: Iterable[EventType] = (),
    description: str = "",
) -> WebhookSubscription:
    """A new active subscription with a fresh `whsec_` secret (returned here, and by
    rotation; never listed). No event types means every event. Raises Forbidden,
    InvalidInput."""
    actor.require_any(Role.HR_ADMIN)
    subscription = WebhookSubscription.create(
        actor.tenant_id,
        url=url,
        event_types=event_types,
        description=description,
        now=utcnow(),
    )
    async with uow:
        await uow.webhooks.add(subscription)
        await uow.commit()
    return subscription


async def get_subscription(
    uow: UnitOfWork, actor: Actor, *, subscription_id: uuid.UUID
) -> WebhookSubscription:
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        return await _subscription(uow, actor, subscription_id)


async def list_subscriptions(
    uow: UnitOfWork, actor: Actor, *, page: PageRequest
) -> Page[WebhookSubscription]:
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        return await uow.webhooks.list(actor.tenant_id, page)


async def update_subscription(
    uow: UnitOfWork,
    actor: Actor,
    *,
    subscription_id: uuid.UUID,
    url: str,
    event_types: Iterable[EventType],
    description: str,
    active: bool,
    expected_version: int | None = None,
) -> WebhookSubscription:
    """Replace the URL, events and description; disable it or enable it again. Raises
    Forbidden, NotFound, InvalidInput, PreconditionFailed."""
    actor.require_any(Role.HR_ADMIN)
    return await _change(
        uow,
        actor,
        subscription_id,
        expected_version,
        lambda s, now: s.changed(
            url=url, event_types=event_types, description=description, active=active, now=now
        ),
    )


async def rotate_secret(
    uow: UnitOfWork,
    actor: Actor,
    *,
    subscription_id: uuid.UUID,
    expected_version: int | None = None,
) -> WebhookSubscription:
    """A new signing secret; for a day both sign each message, so the receiver can switch
    without losing any. Raises Forbidden, NotFound, PreconditionFailed."""
    actor.require_any(Role.HR_ADMIN)
    return await _change(uow, actor, subscription_id, expected_version, WebhookSubscription.rotated)


async def delete_subscription(uow: UnitOfWork, actor: Actor, *, subscription_id: uuid.UUID) -> None:
    """Deletes it with its delivery log. Raises Forbidden, NotFound."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        await _subscription(uow, actor, subscription_id)
        await uow.webhooks.delete(actor.tenant_id, subscription_id)
        await uow.commit()


async def list_deliveries(
    uow: UnitOfWork, actor: Actor, *, subscription_id: uuid.UUID, page: PageRequest
) -> Page[Delivery]:
    """The subscription's delivery log, oldest first. Raises Forbidden, NotFound."""
    actor.require_any(Role.HR_ADMIN)
    async with uow:
        await _subscription(uow, actor, subscription_id)
        return await uow.webhooks.deliveries(actor.tenant_id, subscription_id, page)


async def deliver_webhooks(
    uow: UnitOfWork,
    sender: WebhookSender,
    *,
    now: datetime | None = None,
    batches: int = 50,
    batch_size: int = BATCH,
) -> int:
    """Scheduled job: POST due deliveries, signed with Standard Webhooks headers, as
    `deliver_notifications` sends emails: claimed, sent outside a transaction, recorded.
    Failures are retried with backoff and dead-lettered after MAX_ATTEMPTS; a 410 Gone
    dead-letters at once and disables the subscription. Returns how many were delivered."""
    delivered = 0
    limit = asyncio.Semaphore(PARALLEL_SENDS)
    for _ in range(batches):
        claimed_at = now or utcnow()
        async with uow:
            claimed = await uow.webhooks.claim(claimed_at, batch_size)
            await uow.commit()
        if not claimed:
            break

        async def send(
            outgoing: OutgoingWebhook,
        ) -> tuple[uuid.UUID, Retry, int | None, str | None]:
            delivery = outgoing.delivery
            message = WebhookMessage(
                str(delivery.id), outgoing.url, outgoing.body, outgoing.secrets
            )
            async with limit:
                attempt = await sender.send(message, now or utcnow())
            retry = after_attempt(str(delivery.id), delivery.attempts, attempt, now or utcnow())
            return delivery.id, retry, attempt.status_code, attempt.error

        outcomes = await asyncio.gather(*(send(o) for o in claimed))
        gone = {
            o.delivery.subscription_id
            for o, (_, _, status_code, _) in zip(claimed, outcomes, strict=True)
            if status_code == 410
        }
        async with uow:
            await uow.webhooks.record(outcomes, claimed_at + CLAIM_LEASE)
            await uow.webhooks.disable(gone, GONE, now or utcnow())
            await uow.commit()
        sent = sum(1 for _, retry, _, _ in outcomes if retry.sent_at is not None)
        delivered += sent
        if sent < len(outcomes):
            logger.warning("Some webhooks failed", extra={"failed": len(outcomes) - sent})
    return delivered


async def _subscription(
    uow: UnitOfWork, actor: Actor, subscription_id: uuid.UUID
) -> WebhookSubscription:
    subscription = await uow.webhooks.get(actor.tenant_id, subscription_id)
    if subscription is None:
        raise NotFound("Webhook subscription", subscription_id)
    return subscription


async def _change(uow, actor, subscription_id, expected_version, change) -> WebhookSubscription:
    now = utcnow()
    async with uow:
        subscription = await _subscription(uow, actor, subscription_id)
        check_version("webhook subscription", subscription.version, expected_version)
        changed = change(subscription, now)
        await uow.webhooks.save(changed, previous_version=subscription.version)
        await uow.commit()
    return changed
