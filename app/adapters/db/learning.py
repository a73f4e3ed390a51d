"""The learning catalogue's repository."""

from __future__ import annotations

import uuid
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.common import ids_by_key, save_versioned
from app.adapters.db.pagination import fetch_page_by_id
from app.adapters.db.tables import learning_items, learning_prerequisites, learning_targets
from app.domain.learning import DeliveryFormat, ItemContent, LearningItem
from app.domain.pagination import Page, PageRequest
from app.domain.plans import LearningKind, Offer, Target


class SqlLearningRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, item: LearningItem) -> None:
        await self._conn.execute(sa.insert(learning_items).values(_values(item)))
        await self._write_links(item)

    async def get(self, tenant_id: uuid.UUID, item_id: uuid.UUID) -> LearningItem | None:
        found = await self.get_many(tenant_id, [item_id])
        return found[0] if found else None

    async def get_many(
        self, tenant_id: uuid.UUID, item_ids: Collection[uuid.UUID]
    ) -> list[LearningItem]:
        rows = await self._conn.execute(
            sa.select(learning_items).where(
                learning_items.c.tenant_id == tenant_id, learning_items.c.id.in_(set(item_ids))
            )
        )
        return await self._complete(tenant_id, list(rows))

    async def list(
        self,
        tenant_id: uuid.UUID,
        page: PageRequest,
        *,
        capability_id: uuid.UUID | None = None,
        kind: LearningKind | None = None,
        active: bool | None = None,
    ) -> Page[LearningItem]:
        statement = sa.select(learning_items).where(learning_items.c.tenant_id == tenant_id)
        if capability_id is not None:
            statement = statement.where(
                learning_items.c.id.in_(
                    sa.select(learning_targets.c.item_id).where(
                        learning_targets.c.tenant_id == tenant_id,
                        learning_targets.c.capability_id == capability_id,
                    )
                )
            )
        if kind is not None:
            statement = statement.where(learning_items.c.kind == kind.value)
        if active is not None:
            statement = statement.where(learning_items.c.active == active)
        rows_page = await fetch_page_by_id(
            self._conn, statement, learning_items.c.id, page, lambda row: row
        )
        items = await self._complete(tenant_id, list(rows_page.items))
        return Page(items, rows_page.cursors, rows_page.has_more)

    async def save(self, item: LearningItem, *, previous_version: int) -> None:
        values = _values(item)
        await save_versioned(
            self._conn,
            learning_items,
            tenant_id=item.tenant_id,
            row_id=item.id,
            previous_version=previous_version,
            values={k: v for k, v in values.items() if k not in ("id", "tenant_id", "created_at")},
            kind="Learning item",
        )
        for table in (learning_targets, learning_prerequisites):
            await self._conn.execute(
                sa.delete(table).where(
                    table.c.tenant_id == item.tenant_id, table.c.item_id == item.id
                )
            )
        await self._write_links(item)

    async def ids_by_external_ids(
        self, tenant_id: uuid.UUID, external_ids: Collection[str]
    ) -> dict[str, uuid.UUID]:
        return await ids_by_key(
            self._conn, learning_items.c.external_id, tenant_id=tenant_id, keys=external_ids
        )

    async def prerequisite_graph(
        self, tenant_id: uuid.UUID
    ) -> dict[uuid.UUID, tuple[uuid.UUID, ...]]:
        items = await self._conn.execute(
            sa.select(learning_items.c.id).where(learning_items.c.tenant_id == tenant_id)
        )
        graph: dict[uuid.UUID, list[uuid.UUID]] = {row.id: [] for row in items}
        links = await self._conn.execute(
            sa.select(learning_prerequisites).where(learning_prerequisites.c.tenant_id == tenant_id)
        )
        for link in links:
            graph[link.item_id].append(link.prerequisite_id)
        return {item: tuple(needed) for item, needed in graph.items()}

    async def offers(self, tenant_id: uuid.UUID) -> list[Offer]:
        rows = await self._conn.execute(
            sa.select(learning_items).where(
                learning_items.c.tenant_id == tenant_id, learning_items.c.active.is_(True)
            )
        )
        return [item.as_offer() for item in await self._complete(tenant_id, list(rows))]

    async def _write_links(self, item: LearningItem) -> None:
        content = item.content
        if content.targets:
            await self._conn.execute(
                sa.insert(learning_targets),
                [
                    {
                        "tenant_id": item.tenant_id,
                        "item_id": item.id,
                        "capability_id": t.capability_id,
                        "from_level": t.from_level,
                        "to_level": t.to_level,
                        "position": position,
                    }
                    for position, t in enumerate(content.targets)
                ],
            )
        if content.prerequisites:
            await self._conn.execute(
                sa.insert(learning_prerequisites),
                [
                    {"tenant_id": item.tenant_id, "item_id": item.id, "prerequisite_id": needed}
                    for needed in content.prerequisites
                ],
            )

    async def _complete(self, tenant_id: uuid.UUID, rows: list[sa.Row]) -> list[LearningItem]:
        """Items with their targets and prerequisites: two queries for the whole page."""
        if not rows:
            return []
        ids = [row.id for row in rows]
        targets: dict[uuid.UUID, list[Target]] = {}
        for t in await self._conn.execute(
            sa.select(learning_targets)
            .where(learning_targets.c.tenant_id == tenant_id, learning_targets.c.item_id.in_(ids))
            .order_by(learning_targets.c.item_id, learning_targets.c.position)
        ):
            targets.setdefault(t.item_id, []).append(
                Target(t.capability_id, t.from_level, t.to_level)
            )
        needs: dict[uuid.UUID, list[uuid.UUID]] = {}
        for p in await self._conn.execute(
            sa.select(learning_prerequisites).where(
                learning_prerequisites.c.tenant_id == tenant_id,
                learning_prerequisites.c.item_id.in_(ids),
            )
        ):
            needs.setdefault(p.item_id, []).append(p.prerequisite_id)
        return [
            LearningItem(
                id=row.id,
                tenant_id=row.tenant_id,
                content=ItemContent(
                    title=row.title,
                    kind=LearningKind(row.kind),
                    targets=tuple(targets.get(row.id, ())),
                    description=row.description,
                    external_id=row.external_id,
                    url=row.url,
                    format=None if row.format is None else DeliveryFormat(row.format),
                    minutes=row.minutes,
                    cost=row.cost,
                    prerequisites=tuple(sorted(needs.get(row.id, ()), key=str)),
                    active=row.active,
                ),
                version=row.version,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
            for row in rows
        ]


def _values(item: LearningItem) -> dict[str, object]:
    content = item.content
    return {
        "id": item.id,
        "tenant_id": item.tenant_id,
        "external_id": content.external_id,
        "title": content.title,
        "description": content.description,
        "kind": content.kind.value,
        "url": content.url,
        "format": None if content.format is None else content.format.value,
        "minutes": content.minutes,
        "cost": content.cost,
        "active": content.active,
        "version": item.version,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }
