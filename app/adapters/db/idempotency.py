"""Idempotency keys stored in the same transaction as the effect they guard."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.common import insert_for
from app.adapters.db.tables import idempotency_records
from app.domain.views import StoredResponse


class SqlIdempotencyStore:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def claim(
        self,
        tenant_id: uuid.UUID,
        *,
        caller: str,
        key: str,
        endpoint: str,
        fingerprint: str,
        now: datetime,
    ) -> StoredResponse | None:
        # On PostgreSQL a concurrent claim of the same key blocks on the primary key until the
        # first transaction ends; it then sees the stored response (or claims the key if the
        # first one rolled back). No "in flight" state can be left behind by a crash.
        insert = insert_for(self._conn, idempotency_records)
        claimed = await self._conn.execute(
            insert.values(
                tenant_id=tenant_id,
                caller=caller,
                key=key,
                endpoint=endpoint,
                fingerprint=fingerprint,
                created_at=now,
            )
            .on_conflict_do_nothing()
            .returning(idempotency_records.c.key)
        )
        if claimed.first() is not None:
            return None
        row = (
            await self._conn.execute(
                sa.select(idempotency_records).where(
                    idempotency_records.c.tenant_id == tenant_id,
                    idempotency_records.c.caller == caller,
                    idempotency_records.c.key == key,
                )
            )
        ).one()
        return StoredResponse(row.endpoint, row.fingerprint, row.response or {})

    async def complete(
        self, tenant_id: uuid.UUID, *, caller: str, key: str, response: dict
    ) -> None:
        await self._conn.execute(
            sa.update(idempotency_records)
            .where(
                idempotency_records.c.tenant_id == tenant_id,
                idempotency_records.c.caller == caller,
                idempotency_records.c.key == key,
            )
            .values(response=response)
        )
