"""Helpers every repository uses: optimistic saves and the dialect's upsert."""

import uuid
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from app.domain.errors import Conflict


async def save_versioned(
    conn: AsyncConnection,
    table: sa.Table,
    *,
    tenant_id: uuid.UUID,
    row_id: uuid.UUID,
    previous_version: int,
    values: dict[str, object],
    kind: str,
) -> None:
    """Update the row only if nobody saved it since `previous_version` was read."""
    result = await conn.execute(
        sa.update(table)
        .where(
            table.c.tenant_id == tenant_id,
            table.c.id == row_id,
            table.c.version == previous_version,
        )
        .values(values)
    )
    if result.rowcount != 1:
        raise Conflict(f"{kind} {row_id} was changed by another request meanwhile; retry.")


async def delete_row(
    conn: AsyncConnection, table: sa.Table, *, tenant_id: uuid.UUID, row_id: uuid.UUID
) -> None:
    await conn.execute(sa.delete(table).where(table.c.tenant_id == tenant_id, table.c.id == row_id))


async def one_row(
    conn: AsyncConnection, table: sa.Table, *, tenant_id: uuid.UUID, row_id: uuid.UUID
) -> sa.Row | None:
    """The tenant's row of `table` with this id, if there is one."""
    statement = sa.select(table).where(table.c.tenant_id == tenant_id, table.c.id == row_id)
    return (await conn.execute(statement)).first()


async def any_row(conn: AsyncConnection, statement: sa.Select) -> bool:
    return (await conn.execute(statement.limit(1))).first() is not None


async def ids_by_key(
    conn: AsyncConnection,
    key_column: sa.Column,
    *,
    tenant_id: uuid.UUID,
    keys: Collection[str],
) -> dict[str, uuid.UUID]:
    """The ids of the tenant's rows whose `key_column` is one of `keys`, by key."""
    if not keys:
        return {}
    table = key_column.table
    rows = await conn.execute(
        sa.select(key_column.label("key"), table.c.id).where(
            table.c.tenant_id == tenant_id, one_of(conn, key_column, set(keys))
        )
    )
    return {row.key: row.id for row in rows}


async def existing_ids(
    conn: AsyncConnection, table: sa.Table, *, tenant_id: uuid.UUID, ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of `ids` that are rows of the tenant in `table`."""
    if not ids:
        return set()
    rows = await conn.execute(
        sa.select(table.c.id).where(table.c.tenant_id == tenant_id, table.c.id.in_(set(ids)))
    )
    return set(rows.scalars())


def insert_for(conn: AsyncConnection, table: sa.Table):
    """An INSERT that supports ON CONFLICT on this connection's database."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def search_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def one_of(
    conn: AsyncConnection, column: sa.ColumnElement, values: Collection[object]
) -> sa.ColumnElement[bool]:
    """column IN values, as one array parameter on PostgreSQL: a whole company is more ids
    than the 32,767 parameters a statement may carry, and rendering thousands of
    placeholders on every call costs more than the query."""
    if conn.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)
