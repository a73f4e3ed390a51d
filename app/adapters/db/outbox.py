"""The lease protocol both outboxes (notifications, webhook deliveries) share: due rows are
claimed in batches, FOR UPDATE SKIP LOCKED, until a lease ends; outcomes are recorded only on
rows still held under that lease."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
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
    under `lease`: a sender whose lease lapsed and was taken over changes nothing. One
    statement for the whole batch on PostgreSQL (an UPDATE from unnested arrays), one
    executemany of the same UPDATE elsewhere."""
    if not outcomes:
        return
    others = sorted({name for _, _, values in outcomes for name in values})
    rows = [
        {
            "row_id": row_id,
            "new_status": retry.status.value,
            "new_attempts": retry.attempts,
            "retry_at": retry.at,
            "sent": retry.sent_at,
            **{f"new_{name}": values.get(name) for name in others},
        }
        for row_id, retry, values in outcomes
    ]
    stored_as = {  # the column each value is written to, for its type
        "row_id": table.c.id,
        "new_status": table.c.status,
        "new_attempts": table.c.attempts,
        "retry_at": table.c.next_attempt_at,
        "sent": table.c[sent_column],
        **{f"new_{name}": table.c[name] for name in others},
    }
    parameters: list[dict[str, object]] | None = rows
    if conn.dialect.name == "postgresql":
        outcome = (
            sa.func.unnest(
                *(
                    sa.bindparam(name, [row[name] for row in rows], ARRAY(column.type))
                    for name, column in stored_as.items()
                )
            )
            .table_valued(*(sa.column(name, column.type) for name, column in stored_as.items()))
            .render_derived(name="outcome", with_types=False)
        )
        source: dict[str, sa.ColumnElement] = {name: outcome.c[name] for name in stored_as}
        parameters = None
    else:
        source = {name: sa.bindparam(name, type_=column.type) for name, column in stored_as.items()}
    statement = (
        sa.update(table)
        .where(
            table.c.id == source["row_id"],
            table.c.status == DeliveryStatus.PENDING.value,
            table.c.claimed_until == sa.literal(lease, table.c.claimed_until.type),
        )
        .values(
            {
                "status": source["new_status"],
                "attempts": source["new_attempts"],
                "next_attempt_at": sa.func.coalesce(source["retry_at"], table.c.next_attempt_at),
                sent_column: source["sent"],
                "claimed_until": None,
                **{name: source[f"new_{name}"] for name in others},
            }
        )
        .execution_options(**{CROSS_TENANT: True})
    )
    await conn.execute(statement, parameters)


def short(error: str | None) -> str | None:
    """An error as the outbox keeps it: at most 300 characters."""
    return None if error is None else error[:300]
