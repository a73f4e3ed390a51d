"""Goals' repository (goals, their capabilities, their progress) and recognition's."""

from __future__ import annotations

import uuid
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.common import one_of, save_versioned
from app.adapters.db.pagination import fetch_page_by_id
from app.adapters.db.people import MAX_DEPTH, reports_below
from app.adapters.db.tables import goal_capabilities, goal_progress, goals, recognitions
from app.adapters.db.tenancy import CROSS_TENANT
from app.domain.goals import Goal, GoalFilter, GoalLevel, GoalProgress, GoalStatus, Measure
from app.domain.pagination import Page, PageRequest
from app.domain.recognitions import Recognition, RecognitionFilter


class SqlGoalRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, goal: Goal) -> None:
        await self._conn.execute(sa.insert(goals).values(_goal_values(goal)))
        await self._write_capabilities(goal)

    async def get(self, tenant_id: uuid.UUID, goal_id: uuid.UUID) -> Goal | None:
        found = await self.get_many(tenant_id, [goal_id])
        return found[0] if found else None

    async def get_many(self, tenant_id: uuid.UUID, goal_ids: Collection[uuid.UUID]) -> list[Goal]:
        if not goal_ids:
            return []
        rows = await self._conn.execute(
            sa.select(goals)
            .where(goals.c.tenant_id == tenant_id, one_of(self._conn, goals.c.id, list(goal_ids)))
            .order_by(goals.c.id)
        )
        return await self._complete(tenant_id, list(rows))

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, criteria: GoalFilter
    ) -> Page[Goal]:
        statement = sa.select(goals).where(goals.c.tenant_id == tenant_id, *_criteria(criteria))
        if criteria.people_visible_to is not None:
            me = criteria.people_visible_to
            visible = [goals.c.employee_id.is_(None), goals.c.employee_id == me]
            if criteria.managing:
                below = reports_below(tenant_id, [me])
                visible.append(goals.c.employee_id.in_(sa.select(below.c.id)))
            statement = statement.where(sa.or_(*visible))
        rows = await fetch_page_by_id(self._conn, statement, goals.c.id, page, lambda r: r)
        return Page(await self._complete(tenant_id, list(rows.items)), rows.cursors, rows.has_more)

    async def lock(self, tenant_id: uuid.UUID, goal_id: uuid.UUID) -> None:
        # A write that changes nothing: a row lock on PostgreSQL, the database write lock on
        # SQLite, taken before the goal is read so a read-modify-write cannot go stale.
        await self._conn.execute(
            sa.update(goals)
            .where(goals.c.tenant_id == tenant_id, goals.c.id == goal_id)
            .values(version=goals.c.version)
        )

    async def lock_alignment(self, tenant_id: uuid.UUID) -> None:
        if self._conn.dialect.name != "postgresql":
            return  # SQLite runs one writing transaction at a time anyway
        # The tenant's second half, so that it does not queue behind reporting-line changes.
        key = int.from_bytes(tenant_id.bytes[8:], "big", signed=True)
        await self._conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)")
            .bindparams(key=key)
            .execution_options(**{CROSS_TENANT: True})
        )

    async def save(self, goal: Goal, *, previous_version: int) -> None:
        values = _goal_values(goal)
        for fixed in ("id", "tenant_id", "employee_id", "org_unit_id", "created_at"):
            values.pop(fixed)
        await save_versioned(
            self._conn,
            goals,
            tenant_id=goal.tenant_id,
            row_id=goal.id,
            previous_version=previous_version,
            values=values,
            kind="Goal",
        )
        await self._conn.execute(
            sa.delete(goal_capabilities).where(
                goal_capabilities.c.tenant_id == goal.tenant_id,
                goal_capabilities.c.goal_id == goal.id,
            )
        )
        await self._write_capabilities(goal)

    async def ancestors(self, tenant_id: uuid.UUID, goal_id: uuid.UUID) -> list[Goal]:
        up = (
            sa.select(goals.c.parent_id.label("id"), sa.literal(1).label("depth"))
            .where(goals.c.tenant_id == tenant_id, goals.c.id == goal_id)
            .cte("goals_up", recursive=True)
        )
        up = up.union_all(
            sa.select(goals.c.parent_id, up.c.depth + 1)
            .join(up, goals.c.id == up.c.id)
            .where(goals.c.tenant_id == tenant_id, up.c.depth < MAX_DEPTH)
        )
        rows = await self._conn.execute(
            sa.select(goals)
            .join(up, goals.c.id == up.c.id)
            .where(goals.c.tenant_id == tenant_id)
            .order_by(up.c.depth)
        )
        return await self._complete(tenant_id, list(rows))

    async def add_progress(self, update: GoalProgress) -> None:
        await self._conn.execute(
            sa.insert(goal_progress).values(
                id=update.id,
                tenant_id=update.tenant_id,
                goal_id=update.goal_id,
                value=update.value,
                note=update.note,
                recorded_by=update.recorded_by,
                recorded_at=update.recorded_at,
            )
        )

    async def progress(
        self, tenant_id: uuid.UUID, goal_id: uuid.UUID, page: PageRequest
    ) -> Page[GoalProgress]:
        statement = sa.select(goal_progress).where(
            goal_progress.c.tenant_id == tenant_id, goal_progress.c.goal_id == goal_id
        )
        return await fetch_page_by_id(self._conn, statement, goal_progress.c.id, page, _progress_of)

    async def recent_progress(
        self, tenant_id: uuid.UUID, goal_ids: Collection[uuid.UUID], per_goal: int
    ) -> dict[uuid.UUID, list[GoalProgress]]:
        if not goal_ids:
            return {}
        ranked = (
            sa.select(
                goal_progress,
                sa.func.row_number()
                .over(partition_by=goal_progress.c.goal_id, order_by=goal_progress.c.id.desc())
                .label("newness"),
            )
            .where(
                goal_progress.c.tenant_id == tenant_id,
                one_of(self._conn, goal_progress.c.goal_id, list(goal_ids)),
            )
            .subquery("ranked")
        )
        rows = await self._conn.execute(
            sa.select(ranked)
            .where(ranked.c.newness <= per_goal)
            .order_by(ranked.c.goal_id, ranked.c.id)
        )
        found: dict[uuid.UUID, list[GoalProgress]] = {}
        for row in rows:
            found.setdefault(row.goal_id, []).append(_progress_of(row))
        return found

    async def _write_capabilities(self, goal: Goal) -> None:
        if goal.capability_ids:
            await self._conn.execute(
                sa.insert(goal_capabilities),
                [
                    {"tenant_id": goal.tenant_id, "goal_id": goal.id, "capability_id": capability}
                    for capability in goal.capability_ids
                ],
            )

    async def _complete(self, tenant_id: uuid.UUID, rows: list[sa.Row]) -> list[Goal]:
        """Goals with their capabilities: one more query for the whole lot."""
        if not rows:
            return []
        linked: dict[uuid.UUID, list[uuid.UUID]] = {}
        for link in await self._conn.execute(
            sa.select(goal_capabilities.c.goal_id, goal_capabilities.c.capability_id)
            .where(
                goal_capabilities.c.tenant_id == tenant_id,
                one_of(self._conn, goal_capabilities.c.goal_id, [row.id for row in rows]),
            )
            .order_by(goal_capabilities.c.goal_id, goal_capabilities.c.capability_id)
        ):
            linked.setdefault(link.goal_id, []).append(link.capability_id)
        return [
            Goal(
                id=row.id,
                tenant_id=row.tenant_id,
                employee_id=row.employee_id,
                org_unit_id=row.org_unit_id,
                parent_id=row.parent_id,
                title=row.title,
                description=row.description,
                measure=Measure(row.kpi, row.unit, row.baseline, row.target),
                current_value=row.current_value,
                due_date=row.due_date,
                status=GoalStatus(row.status),
                capability_ids=tuple(linked.get(row.id, ())),
                version=row.version,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
            for row in rows
        ]


class SqlRecognitionRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, recognition: Recognition) -> None:
        await self._conn.execute(
            sa.insert(recognitions).values(
                id=recognition.id,
                tenant_id=recognition.tenant_id,
                employee_id=recognition.employee_id,
                given_by=recognition.given_by,
                message=recognition.message,
                capability_id=recognition.capability_id,
                goal_id=recognition.goal_id,
                created_at=recognition.created_at,
            )
        )

    async def get(self, tenant_id: uuid.UUID, recognition_id: uuid.UUID) -> Recognition | None:
        row = (
            await self._conn.execute(
                sa.select(recognitions).where(
                    recognitions.c.tenant_id == tenant_id, recognitions.c.id == recognition_id
                )
            )
        ).first()
        return None if row is None else _recognition_of(row)

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, criteria: RecognitionFilter
    ) -> Page[Recognition]:
        statement = sa.select(recognitions).where(recognitions.c.tenant_id == tenant_id)
        if criteria.employee_id is not None:
            statement = statement.where(recognitions.c.employee_id == criteria.employee_id)
        if criteria.given_by is not None:
            statement = statement.where(recognitions.c.given_by == criteria.given_by)
        if criteria.visible_to is not None:
            me = criteria.visible_to
            visible = [recognitions.c.employee_id == me, recognitions.c.given_by == me]
            if criteria.managing:
                below = reports_below(tenant_id, [me])
                visible.append(recognitions.c.employee_id.in_(sa.select(below.c.id)))
            statement = statement.where(sa.or_(*visible))
        return await fetch_page_by_id(
            self._conn, statement, recognitions.c.id, page, _recognition_of, newest_first=True
        )


def _criteria(criteria: GoalFilter) -> list[sa.ColumnElement[bool]]:
    found: list[sa.ColumnElement[bool]] = []
    if criteria.employee_id is not None:
        found.append(goals.c.employee_id == criteria.employee_id)
    if criteria.org_unit_id is not None:
        found.append(goals.c.org_unit_id == criteria.org_unit_id)
    if criteria.parent_id is not None:
        found.append(goals.c.parent_id == criteria.parent_id)
    if criteria.status is not None:
        found.append(goals.c.status == criteria.status.value)
    if criteria.no_personal:
        found.append(goals.c.employee_id.is_(None))
    if criteria.level is GoalLevel.PERSON:
        found.append(goals.c.employee_id.is_not(None))
    elif criteria.level is GoalLevel.TEAM:
        found += [goals.c.employee_id.is_(None), goals.c.org_unit_id.is_not(None)]
    elif criteria.level is GoalLevel.ORGANISATION:
        found += [goals.c.employee_id.is_(None), goals.c.org_unit_id.is_(None)]
    return found


def _goal_values(goal: Goal) -> dict[str, object]:
    return {
        "id": goal.id,
        "tenant_id": goal.tenant_id,
        "employee_id": goal.employee_id,
        "org_unit_id": goal.org_unit_id,
        "parent_id": goal.parent_id,
        "title": goal.title,
        "description": goal.description,
        "kpi": goal.measure.kpi,
        "unit": goal.measure.unit,
        "baseline": goal.measure.baseline,
        "target": goal.measure.target,
        "current_value": goal.current_value,
        "due_date": goal.due_date,
        "status": goal.status.value,
        "version": goal.version,
        "created_at": goal.created_at,
        "updated_at": goal.updated_at,
    }


def _progress_of(row: sa.Row) -> GoalProgress:
    return GoalProgress(
        id=row.id,
        tenant_id=row.tenant_id,
        goal_id=row.goal_id,
        value=row.value,
        note=row.note,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def _recognition_of(row: sa.Row) -> Recognition:
    return Recognition(
        id=row.id,
        tenant_id=row.tenant_id,
        employee_id=row.employee_id,
        given_by=row.given_by,
        message=row.message,
        capability_id=row.capability_id,
        goal_id=row.goal_id,
        created_at=row.created_at,
    )
