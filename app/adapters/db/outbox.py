"""The lease protocol both outboxes (notifications, webhook deliveries) share: due rows are
claimed in batches, FOR UPDATE SKIP LOCKED, until a lease ends; outcomes are recorded only on
rows still held under that lease."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.tenancy import CROSS_TENANT
from app.domain.notifications import CLAIM_LEASE, DeliveryStatus, Retry


async def claim_due(
    conn: AsyncConnection,
    table: sa.Table,
    now: datetime,
    limit: int,
    *conditions: sa.ColumnElement[bool],
) -> list[uuid.UUID]:
    """The ids of up to `limit` pending rows due at `now` and not held by a live claim
    (meeting `conditions` too), now claimed until `now + CLAIM_LEASE`."""
    claimable = (
        sa.select(table.c.id)
        .where(
            table.c.status == DeliveryStatus.PENDING.value,
            table.c.next_attempt_at <= now,
            sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < now),
            *conditions,
        )
        .order_by(table.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await conn.execute(
        sa.update(table)
        .where(table.c.id.in_(claimable.scalar_subquery()))
        .values(claimed_until=now + CLAIM_LEASE)
        .returning(table.c.id)
        .execution_options(**{CROSS_TENANT: True})
    )
    return [row.id for row in claimed]


async def record_outcomes(
    conn: AsyncConnection,
    table: sa.Table,
    outcomes: Sequence[tuple[uuid.UUID, Retry, Mapping[str, object]]],
    lease: datetime,
    *,
    sent_column: str,
) -> None:
    """Store each (row, retry decision, other columns' values) on the rows still pending
    under `lease`: a sender whose lease lapsed and was taken over changes nothing."""
    if not outcomes:
        return
    others = sorted({name for _, _, values in outcomes for name in values})
    await conn.execute(
        sa.update(table)
        .where(
            table.c.id == sa.bindparam("row_id"),
            table.c.status == DeliveryStatus.PENDING.value,
            table.c.claimed_until == sa.bindparam("lease", type_=table.c.claimed_until.type),
        )
        .values(
            {
                "status": sa.bindparam("new_status"),
                "attempts": sa.bindparam("new_attempts"),
                "next_attempt_at": sa.func.coalesce(
                    sa.bindparam("retry_at", type_=table.c.next_attempt_at.type),
                    table.c.next_attempt_at,
                ),
                sent_column: sa.bindparam("sent", type_=table.c[sent_column].type),
                "claimed_until": None,
                **{name: sa.bindparam(f"new_{name}") for name in others},
            }
        )
        .execution_options(**{CROSS_TENANT: True}),
        [
            {
                "row_id": row_id,
                "lease": lease,
                "new_status": retry.status.value,
                "new_attempts": retry.attempts,
                "retry_at": retry.at,
                "sent": retry.sent_at,
                **{f"new_{name}": values.get(name) for name in others},
            }
            for row_id, retry, values in outcomes
        ],
    )


def short(error: str | None) -> str | None:
    """An error as the outbox keeps it: at most 300 characters."""
    return None if error is None else error[:300]
