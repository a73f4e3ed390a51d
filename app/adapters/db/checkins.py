"""Check-ins' repository: the templates, the check-ins and the goals and plan items they
discussed."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.common import save_versioned
from app.adapters.db.pagination import fetch_page_by_id
from app.adapters.db.people import reports_below
from app.adapters.db.tables import (
    checkin_goals,
    checkin_plan_items,
    checkin_templates,
    checkins,
    goals,
    plan_items,
    plans,
)
from app.domain.checkins import (
    Answer,
    Checkin,
    CheckinFilter,
    CheckinTemplate,
    PlanItemRef,
    Question,
)
from app.domain.pagination import Page, PageRequest, encode_cursor


class SqlCheckinRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_template(self, template: CheckinTemplate) -> None:
        await self._conn.execute(
            sa.insert(checkin_templates).values(
                id=template.id,
                tenant_id=template.tenant_id,
                created_at=template.created_at,
                **_template_values(template),
            )
        )

    async def get_template(
        self, tenant_id: uuid.UUID, template_id: uuid.UUID
    ) -> CheckinTemplate | None:
        found = await self.templates_by_ids(tenant_id, [template_id])
        return found[0] if found else None

    async def templates_by_ids(
        self, tenant_id: uuid.UUID, template_ids: Collection[uuid.UUID]
    ) -> list[CheckinTemplate]:
        if not template_ids:
            return []
        rows = await self._conn.execute(
            sa.select(checkin_templates).where(
                checkin_templates.c.tenant_id == tenant_id,
                checkin_templates.c.id.in_(set(template_ids)),
            )
        )
        return [_template(row) for row in rows]

    async def list_templates(
        self, tenant_id: uuid.UUID, page: PageRequest, *, active: bool | None = None
    ) -> Page[CheckinTemplate]:
        statement = sa.select(checkin_templates).where(checkin_templates.c.tenant_id == tenant_id)
        if active is not None:
            statement = statement.where(checkin_templates.c.active == active)
        return await fetch_page_by_id(
            self._conn, statement, checkin_templates.c.id, page, _template
        )

    async def template_named(self, tenant_id: uuid.UUID, name: str) -> uuid.UUID | None:
        return (
            await self._conn.execute(
                sa.select(checkin_templates.c.id).where(
                    checkin_templates.c.tenant_id == tenant_id, checkin_templates.c.name == name
                )
            )
        ).scalar_one_or_none()

    async def save_template(self, template: CheckinTemplate, *, previous_version: int) -> None:
        await save_versioned(
            self._conn,
            checkin_templates,
            tenant_id=template.tenant_id,
            row_id=template.id,
            previous_version=previous_version,
            values=_template_values(template),
            kind="Check-in template",
        )

    async def add(self, checkin: Checkin) -> None:
        await self._conn.execute(
            sa.insert(checkins).values(
                id=checkin.id,
                tenant_id=checkin.tenant_id,
                employee_id=checkin.employee_id,
                manager_id=checkin.manager_id,
                template_id=checkin.template_id,
                held_on=checkin.held_on,
                answers=[
                    {
                        "key": a.key,
                        "question": a.question,
                        "employee_answer": a.employee_answer,
                        "manager_answer": a.manager_answer,
                    }
                    for a in checkin.answers
                ],
                logged_by=checkin.logged_by,
                created_at=checkin.created_at,
            )
        )
        if checkin.goal_ids:
            await self._conn.execute(
                sa.insert(checkin_goals),
                [
                    {"tenant_id": checkin.tenant_id, "checkin_id": checkin.id, "goal_id": goal}
                    for goal in checkin.goal_ids
                ],
            )
        if checkin.plan_items:
            await self._conn.execute(
                sa.insert(checkin_plan_items),
                [
                    {
                        "tenant_id": checkin.tenant_id,
                        "checkin_id": checkin.id,
                        "plan_id": item.plan_id,
                        "learning_item_id": item.learning_item_id,
                    }
                    for item in checkin.plan_items
                ],
            )

    async def get(self, tenant_id: uuid.UUID, checkin_id: uuid.UUID) -> Checkin | None:
        rows = await self._conn.execute(
            sa.select(checkins).where(
                checkins.c.tenant_id == tenant_id, checkins.c.id == checkin_id
            )
        )
        found = await self._complete(tenant_id, list(rows))
        return found[0] if found else None

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, criteria: CheckinFilter
    ) -> Page[Checkin]:
        statement = sa.select(checkins).where(checkins.c.tenant_id == tenant_id)
        if criteria.employee_id is not None:
            statement = statement.where(checkins.c.employee_id == criteria.employee_id)
        if criteria.only_employee is not None:
            statement = statement.where(checkins.c.employee_id == criteria.only_employee)
        if criteria.visible_to_manager is not None:
            below = reports_below(tenant_id, [criteria.visible_to_manager])
            statement = statement.where(
                sa.or_(
                    checkins.c.employee_id == criteria.visible_to_manager,
                    checkins.c.employee_id.in_(sa.select(below.c.id)),
                )
            )
        if page.after is not None:
            held_on, checkin_id = _after(page)
            statement = statement.where(
                sa.or_(
                    checkins.c.held_on < held_on,
                    sa.and_(checkins.c.held_on == held_on, checkins.c.id < checkin_id),
                )
            )
        rows = (
            await self._conn.execute(
                statement.order_by(checkins.c.held_on.desc(), checkins.c.id.desc()).limit(
                    page.limit + 1
                )
            )
        ).all()
        visible = rows[: page.limit]
        return Page(
            await self._complete(tenant_id, visible),
            [encode_cursor((row.held_on.isoformat(), str(row.id))) for row in visible],
            len(rows) > page.limit,
        )

    async def goals_of(
        self, tenant_id: uuid.UUID, employee_id: uuid.UUID, goal_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        if not goal_ids:
            return set()
        rows = await self._conn.execute(
            sa.select(goals.c.id).where(
                goals.c.tenant_id == tenant_id,
                goals.c.employee_id == employee_id,
                goals.c.id.in_(set(goal_ids)),
            )
        )
        return {row.id for row in rows}

    async def plan_items_of(
        self, tenant_id: uuid.UUID, employee_id: uuid.UUID, items: Collection[PlanItemRef]
    ) -> set[PlanItemRef]:
        if not items:
            return set()
        rows = await self._conn.execute(
            sa.select(plan_items.c.plan_id, plan_items.c.learning_item_id)
            .join(
                plans, sa.and_(plans.c.id == plan_items.c.plan_id, plans.c.tenant_id == tenant_id)
            )
            .where(
                plan_items.c.tenant_id == tenant_id,
                plans.c.employee_id == employee_id,
                plan_items.c.plan_id.in_({item.plan_id for item in items}),
                plan_items.c.learning_item_id.in_({item.learning_item_id for item in items}),
            )
        )
        return {PlanItemRef(row.plan_id, row.learning_item_id) for row in rows} & set(items)

    async def _complete(self, tenant_id: uuid.UUID, rows: list[sa.Row]) -> list[Checkin]:
        """Check-ins with their links: two queries for the whole page."""
        if not rows:
            return []
        ids = [row.id for row in rows]
        linked_goals: dict[uuid.UUID, list[uuid.UUID]] = {}
        for link in await self._conn.execute(
            sa.select(checkin_goals)
            .where(checkin_goals.c.tenant_id == tenant_id, checkin_goals.c.checkin_id.in_(ids))
            .order_by(checkin_goals.c.checkin_id, checkin_goals.c.goal_id)
        ):
            linked_goals.setdefault(link.checkin_id, []).append(link.goal_id)
        linked_items: dict[uuid.UUID, list[PlanItemRef]] = {}
        for link in await self._conn.execute(
            sa.select(checkin_plan_items)
            .where(
                checkin_plan_items.c.tenant_id == tenant_id,
                checkin_plan_items.c.checkin_id.in_(ids),
            )
            .order_by(
                checkin_plan_items.c.checkin_id,
                checkin_plan_items.c.plan_id,
                checkin_plan_items.c.learning_item_id,
            )
        ):
            linked_items.setdefault(link.checkin_id, []).append(
                PlanItemRef(link.plan_id, link.learning_item_id)
            )
        return [
            Checkin(
                id=row.id,
                tenant_id=row.tenant_id,
                employee_id=row.employee_id,
                manager_id=row.manager_id,
                template_id=row.template_id,
                held_on=row.held_on,
                answers=tuple(
                    Answer(a["key"], a["question"], a["employee_answer"], a["manager_answer"])
                    for a in row.answers
                ),
                goal_ids=tuple(linked_goals.get(row.id, ())),
                plan_items=tuple(linked_items.get(row.id, ())),
                logged_by=row.logged_by,
                created_at=row.created_at,
            )
            for row in rows
        ]


def _after(page: PageRequest) -> tuple[date, uuid.UUID]:
    try:
        held_on, checkin_id = page.after or ()
        return date.fromisoformat(str(held_on)), uuid.UUID(str(checkin_id))
    except ValueError:
        raise page.invalid_cursor() from None


def _template_values(template: CheckinTemplate) -> dict[str, object]:
    return {
        "name": template.name,
        "questions": [{"key": q.key, "text": q.text} for q in template.questions],
        "active": template.active,
        "version": template.version,
        "updated_at": template.updated_at,
    }


def _template(row: sa.Row) -> CheckinTemplate:
    return CheckinTemplate(
        id=row.id,
        tenant_id=row.tenant_id,
        name=row.name,
        questions=tuple(Question(q["key"], q["text"]) for q in row.questions),
        active=row.active,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
