"""Webhook subscriptions and the delivery outbox, which is also the delivery log."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.common import delete_row, insert_for, one_of, one_row, save_versioned
from app.adapters.db.outbox import claim_due, record_outcomes, short
from app.adapters.db.pagination import fetch_page_by_id
from app.adapters.db.tables import events, webhook_deliveries, webhook_subscriptions
from app.adapters.db.tenancy import CROSS_TENANT
from app.domain.events import DomainEvent, EventType
from app.domain.notifications import DeliveryStatus, Retry
from app.domain.pagination import Page, PageRequest
from app.domain.webhooks import (
    Delivery,
    OutgoingWebhook,
    SubscriptionStatus,
    WebhookSubscription,
    signing_secrets,
)


class SqlWebhookRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, subscription: WebhookSubscription) -> None:
        await self._conn.execute(sa.insert(webhook_subscriptions).values(_values(subscription)))

    async def get(
        self, tenant_id: uuid.UUID, subscription_id: uuid.UUID
    ) -> WebhookSubscription | None:
        row = await one_row(
            self._conn, webhook_subscriptions, tenant_id=tenant_id, row_id=subscription_id
        )
        return None if row is None else _subscription(row)

    async def list(self, tenant_id: uuid.UUID, page: PageRequest) -> Page[WebhookSubscription]:
        statement = sa.select(webhook_subscriptions).where(
            webhook_subscriptions.c.tenant_id == tenant_id
        )
        return await fetch_page_by_id(
            self._conn, statement, webhook_subscriptions.c.id, page, _subscription
        )

    async def save(self, subscription: WebhookSubscription, *, previous_version: int) -> None:
        values = _values(subscription)
        for unchanged in ("id", "tenant_id", "created_at"):
            values.pop(unchanged)
        await save_versioned(
            self._conn,
            webhook_subscriptions,
            tenant_id=subscription.tenant_id,
            row_id=subscription.id,
            previous_version=previous_version,
            values=values,
            kind="Webhook subscription",
        )

    async def delete(self, tenant_id: uuid.UUID, subscription_id: uuid.UUID) -> None:
        await delete_row(
            self._conn, webhook_subscriptions, tenant_id=tenant_id, row_id=subscription_id
        )

    async def active_of(self, tenant_ids: Collection[uuid.UUID]) -> list[WebhookSubscription]:
        if not tenant_ids:
            return []
        rows = await self._conn.execute(
            sa.select(webhook_subscriptions)
            .where(
                webhook_subscriptions.c.tenant_id.in_(set(tenant_ids)),
                webhook_subscriptions.c.status == SubscriptionStatus.ACTIVE.value,
            )
            .execution_options(**{CROSS_TENANT: True})
        )
        return [_subscription(row) for row in rows]

    async def enqueue(self, deliveries: Sequence[Delivery]) -> None:
        if not deliveries:
            return
        await self._conn.execute(
            insert_for(self._conn, webhook_deliveries).on_conflict_do_nothing(
                index_elements=["subscription_id", "event_id"]
            ),
            [
                {
                    "id": d.id,
                    "tenant_id": d.tenant_id,
                    "subscription_id": d.subscription_id,
                    "event_id": d.event_id,
                    "event_type": d.event_type.value,
                    "status": d.status.value,
                    "attempts": d.attempts,
                    "next_attempt_at": d.next_attempt_at,
                    "created_at": d.created_at,
                }
                for d in deliveries
            ],
        )

    async def claim(self, now: datetime, limit: int) -> list[OutgoingWebhook]:
        # Deliveries of a disabled subscription wait, pending, until it is enabled again.
        active = sa.select(webhook_subscriptions.c.id).where(
            webhook_subscriptions.c.status == SubscriptionStatus.ACTIVE.value
        )
        ids = await claim_due(
            self._conn,
            webhook_deliveries,
            now,
            limit,
            webhook_deliveries.c.subscription_id.in_(active),
        )
        if not ids:
            return []
        rows = await self._conn.execute(
            sa.select(
                webhook_deliveries,
                webhook_subscriptions.c.url,
                webhook_subscriptions.c.secret,
                webhook_subscriptions.c.previous_secret,
                webhook_subscriptions.c.previous_secret_expires_at,
                events.c.occurred_at,
                events.c.employee_id,
                events.c.subject_id,
                events.c.data,
            )
            .join(
                webhook_subscriptions,
                webhook_subscriptions.c.id == webhook_deliveries.c.subscription_id,
            )
            .join(events, events.c.id == webhook_deliveries.c.event_id)
            .where(one_of(self._conn, webhook_deliveries.c.id, ids))
            .execution_options(**{CROSS_TENANT: True})
        )
        found = []
        for row in rows:
            delivery = _delivery(row)
            event = DomainEvent(
                id=delivery.event_id,
                tenant_id=delivery.tenant_id,
                type=delivery.event_type,
                occurred_at=row.occurred_at,
                employee_id=row.employee_id,
                subject_id=row.subject_id,
                data=row.data,
            )
            secrets = signing_secrets(
                row.secret, row.previous_secret, row.previous_secret_expires_at, now
            )
            found.append(OutgoingWebhook(delivery, row.url, event.body(), secrets))
        return found

    async def record(
        self,
        outcomes: Sequence[tuple[uuid.UUID, Retry, int | None, str | None]],
        lease: datetime,
    ) -> None:
        await record_outcomes(
            self._conn,
            webhook_deliveries,
            [
                (row_id, retry, {"last_status_code": status_code, "last_error": short(error)})
                for row_id, retry, status_code, error in outcomes
            ],
            lease,
            sent_column="delivered_at",
        )

    async def disable(
        self, subscription_ids: Collection[uuid.UUID], reason: str, now: datetime
    ) -> None:
        if not subscription_ids:
            return
        await self._conn.execute(
            sa.update(webhook_subscriptions)
            .where(
                webhook_subscriptions.c.id.in_(set(subscription_ids)),
                webhook_subscriptions.c.status == SubscriptionStatus.ACTIVE.value,
            )
            .values(
                status=SubscriptionStatus.DISABLED.value,
                disabled_reason=reason,
                version=webhook_subscriptions.c.version + 1,
                updated_at=now,
            )
            .execution_options(**{CROSS_TENANT: True})
        )

    async def deliveries(
        self, tenant_id: uuid.UUID, subscription_id: uuid.UUID, page: PageRequest
    ) -> Page[Delivery]:
        statement = sa.select(webhook_deliveries).where(
            webhook_deliveries.c.tenant_id == tenant_id,
            webhook_deliveries.c.subscription_id == subscription_id,
        )
        return await fetch_page_by_id(
            self._conn, statement, webhook_deliveries.c.id, page, _delivery
        )


def _values(subscription: WebhookSubscription) -> dict[str, object]:
    return {
        "id": subscription.id,
        "tenant_id": subscription.tenant_id,
        "url": subscription.url,
        "description": subscription.description,
        "event_types": sorted(t.value for t in subscription.event_types),
        "status": subscription.status.value,
        "disabled_reason": subscription.disabled_reason,
        "secret": subscription.secret,
        "previous_secret": subscription.previous_secret,
        "previous_secret_expires_at": subscription.previous_secret_expires_at,
        "version": subscription.version,
        "created_at": subscription.created_at,
        "updated_at": subscription.updated_at,
    }


def _subscription(row: sa.Row) -> WebhookSubscription:
    return WebhookSubscription(
        id=row.id,
        tenant_id=row.tenant_id,
        url=row.url,
        description=row.description,
        event_types=frozenset(EventType(t) for t in row.event_types),
        status=SubscriptionStatus(row.status),
        disabled_reason=row.disabled_reason,
        secret=row.secret,
        previous_secret=row.previous_secret,
        previous_secret_expires_at=row.previous_secret_expires_at,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _delivery(row: sa.Row) -> Delivery:
    return Delivery(
        id=row.id,
        tenant_id=row.tenant_id,
        subscription_id=row.subscription_id,
        event_id=row.event_id,
        event_type=EventType(row.event_type),
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
    )
