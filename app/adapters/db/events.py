"""The event outbox: events written with the change that caused them, processed once."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.common import insert_for
from app.adapters.db.tables import events, plans
from app.adapters.db.tenancy import CROSS_TENANT
from app.domain.development import PlanStatus
from app.domain.events import DomainEvent, EventType


class SqlEventRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def record(self, new: Sequence[DomainEvent]) -> None:
        if not new:
            return
        await self._conn.execute(
            insert_for(self._conn, events).on_conflict_do_nothing(
                index_elements=["tenant_id", "dedupe_key"]
            ),
            [
                {
                    "id": event.id,
                    "tenant_id": event.tenant_id,
                    "type": event.type.value,
                    "employee_id": event.employee_id,
                    "subject_id": event.subject_id,
                    "data": dict(event.data),
                    "occurred_at": event.occurred_at,
                    "dedupe_key": event.dedupe_key,
                }
                for event in new
            ],
        )

    async def unprocessed(self, limit: int) -> list[DomainEvent]:
        rows = await self._conn.execute(
            sa.select(events)
            .where(events.c.processed_at.is_(None))
            .order_by(events.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(**{CROSS_TENANT: True})
        )
        return [
            DomainEvent(
                id=row.id,
                tenant_id=row.tenant_id,
                type=EventType(row.type),
                occurred_at=row.occurred_at,
                employee_id=row.employee_id,
                subject_id=row.subject_id,
                data=row.data,
                dedupe_key=row.dedupe_key,
            )
            for row in rows
        ]

    async def mark_processed(self, event_ids: Collection[uuid.UUID], now: datetime) -> None:
        if not event_ids:
            return
        await self._conn.execute(
            sa.update(events)
            .where(events.c.id.in_(set(event_ids)))
            .values(processed_at=now)
            .execution_options(**{CROSS_TENANT: True})
        )

    async def mark_failed(self, event_id: uuid.UUID, error: str, now: datetime) -> None:
        await self._conn.execute(
            sa.update(events)
            .where(events.c.id == event_id)
            .values(processed_at=now, error=error[:300])
            .execution_options(**{CROSS_TENANT: True})
        )

    async def plans_overdue(self, today: date, now: datetime) -> int:
        key = sa.literal("plan_overdue:") + sa.cast(plans.c.id, sa.String)
        overdue = sa.select(
            sa.func.tandem_uuid7(),
            plans.c.tenant_id,
            sa.literal(EventType.PLAN_OVERDUE.value),
            plans.c.employee_id,
            plans.c.id,
            sa.literal({}, sa.JSON),
            sa.literal(now, events.c.occurred_at.type),
            key,
        ).where(
            plans.c.status == PlanStatus.ACTIVE.value,
            plans.c.due_date < today,
            ~sa.select(events.c.id)
            .where(events.c.tenant_id == plans.c.tenant_id, events.c.dedupe_key == key)
            .exists(),
        )
        result = await self._conn.execute(
            insert_for(self._conn, events)
            .from_select(
                [
                    "id",
                    "tenant_id",
                    "type",
                    "employee_id",
                    "subject_id",
                    "data",
                    "occurred_at",
                    "dedupe_key",
                ],
                overdue,
            )
            .on_conflict_do_nothing(index_elements=["tenant_id", "dedupe_key"])
            .execution_options(**{CROSS_TENANT: True})
        )
        return result.rowcount
