"""Keyset pagination over Core selects: fetch one row more than asked to learn if more exist."""

import uuid
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.domain.pagination import Page, PageRequest, encode_cursor

T = TypeVar("T")


async def fetch_page_by_id(
    conn: AsyncConnection,
    statement: sa.Select,
    id_column: sa.ColumnElement[uuid.UUID],
    page: PageRequest,
    to_domain: Callable[[sa.Row], T],
    *,
    newest_first: bool = False,
) -> Page[T]:
    """Page through `statement` in id order (UUIDv7 ids: creation order), or the reverse."""
    if page.after is not None:
        after = _uuid_from_cursor(page)
        statement = statement.where(id_column < after if newest_first else id_column > after)
    order = id_column.desc() if newest_first else id_column
    rows = (await conn.execute(statement.order_by(order).limit(page.limit + 1))).all()
    visible = rows[: page.limit]
    return Page(
        items=[to_domain(row) for row in visible],
        cursors=[encode_cursor((str(row._mapping[id_column.key]),)) for row in visible],
        has_more=len(rows) > page.limit,
    )


def _uuid_from_cursor(page: PageRequest) -> uuid.UUID:
    try:
        (value,) = page.after or ()
        return uuid.UUID(str(value))
    except ValueError:
        raise page.invalid_cursor() from None
