"""Development plans' repository: plans, their items and open gaps, and the tenant's policy."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.common import insert_for, one_of
from app.adapters.db.pagination import fetch_page_by_id
from app.adapters.db.people import reports_below
from app.adapters.db.tables import (
    learning_feedback,
    plan_items,
    plan_open_gaps,
    plan_policies,
    plans,
)
from app.domain.development import OPEN_PLAN, ItemStatus, Plan, PlanItem, PlanPolicy, PlanStatus
from app.domain.errors import Conflict
from app.domain.impact import Feedback
from app.domain.pagination import Page, PageRequest
from app.domain.plans import Budget, OpenGap, Reason, Shortfall
from app.domain.views import PlanFilter


class SqlPlanRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add_many(self, new_plans: Sequence[Plan]) -> None:
        if not new_plans:
            return
        await self._conn.execute(sa.insert(plans), [_plan_values(p) for p in new_plans])
        await self._write_children(new_plans)

    async def get(self, tenant_id: uuid.UUID, plan_id: uuid.UUID) -> Plan | None:
        rows = await self._conn.execute(
            sa.select(plans).where(plans.c.tenant_id == tenant_id, plans.c.id == plan_id)
        )
        found = await self._complete(tenant_id, list(rows))
        return found[0] if found else None

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, criteria: PlanFilter
    ) -> Page[Plan]:
        statement = sa.select(plans).where(plans.c.tenant_id == tenant_id)
        if criteria.employee_id is not None:
            statement = statement.where(plans.c.employee_id == criteria.employee_id)
        if criteria.status is not None:
            statement = statement.where(plans.c.status == criteria.status)
        if criteria.only_employee is not None:
            statement = statement.where(plans.c.employee_id == criteria.only_employee)
        if criteria.visible_to_manager is not None:
            below = reports_below(tenant_id, [criteria.visible_to_manager])
            statement = statement.where(
                sa.or_(
                    plans.c.employee_id == criteria.visible_to_manager,
                    plans.c.employee_id.in_(sa.select(below.c.id)),
                )
            )
        rows_page = await fetch_page_by_id(self._conn, statement, plans.c.id, page, lambda r: r)
        found = await self._complete(tenant_id, list(rows_page.items))
        return Page(found, rows_page.cursors, rows_page.has_more)

    async def lock(self, tenant_id: uuid.UUID, plan_id: uuid.UUID) -> None:
        await self._lock(plans.c.tenant_id == tenant_id, plans.c.id == plan_id)

    async def open_plans(
        self, tenant_id: uuid.UUID, employee_ids: Collection[uuid.UUID], *, lock: bool = False
    ) -> dict[uuid.UUID, Plan]:
        if not employee_ids:
            return {}
        criteria = (
            plans.c.tenant_id == tenant_id,
            plans.c.status.in_([s.value for s in OPEN_PLAN]),
            one_of(self._conn, plans.c.employee_id, list(set(employee_ids))),
        )
        if lock:
            await self._lock(*criteria)
        rows = await self._conn.execute(sa.select(plans).where(*criteria))
        return {plan.employee_id: plan for plan in await self._complete(tenant_id, list(rows))}

    async def completed_items(
        self, tenant_id: uuid.UUID, employee_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, set[uuid.UUID]]:
        if not employee_ids:
            return {}
        rows = await self._conn.execute(
            sa.select(plans.c.employee_id, plan_items.c.learning_item_id)
            .join(plans, plans.c.id == plan_items.c.plan_id)
            .where(
                plan_items.c.tenant_id == tenant_id,
                plans.c.tenant_id == tenant_id,
                plan_items.c.status == ItemStatus.COMPLETED.value,
                one_of(self._conn, plans.c.employee_id, list(set(employee_ids))),
            )
        )
        found: dict[uuid.UUID, set[uuid.UUID]] = {}
        for row in rows:
            found.setdefault(row.employee_id, set()).add(row.learning_item_id)
        return found

    async def planned_assessments(
        self, tenant_id: uuid.UUID, assessment_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        if not assessment_ids:
            return set()
        rows = await self._conn.execute(
            sa.select(plans.c.assessment_id).where(
                plans.c.tenant_id == tenant_id,
                plans.c.status != PlanStatus.CANCELLED.value,
                one_of(self._conn, plans.c.assessment_id, list(set(assessment_ids))),
            )
        )
        return {row.assessment_id for row in rows}

    async def save_many(self, changes: Sequence[tuple[Plan, int]]) -> None:
        if not changes:
            return
        updated = await self._conn.execute(
            sa.update(plans)
            .where(
                plans.c.tenant_id == sa.bindparam("b_tenant_id"),
                plans.c.id == sa.bindparam("b_id"),
                plans.c.version == sa.bindparam("b_version"),
            )
            .values(
                {
                    column: sa.bindparam(column)
                    for column in (
                        "status",
                        "due_date",
                        "closed_at",
                        "reassessment_id",
                        "version",
                        "updated_at",
                    )
                }
            ),
            [
                {
                    "b_tenant_id": plan.tenant_id,
                    "b_id": plan.id,
                    "b_version": previous,
                    "status": plan.status.value,
                    "due_date": plan.due_date,
                    "closed_at": plan.closed_at,
                    "reassessment_id": plan.reassessment_id,
                    "version": plan.version,
                    "updated_at": plan.updated_at,
                }
                for plan, previous in changes
            ],
        )
        if self._conn.dialect.supports_sane_multi_rowcount and updated.rowcount != len(changes):
            raise Conflict("A plan was changed by another request meanwhile; retry.")
        saved = [plan for plan, _ in changes]
        for table in (plan_items, plan_open_gaps):
            await self._conn.execute(
                sa.delete(table).where(
                    table.c.tenant_id == saved[0].tenant_id,
                    table.c.plan_id.in_([plan.id for plan in saved]),
                )
            )
        await self._write_children(saved)

    async def completions(
        self, tenant_id: uuid.UUID, completion_ids: Collection[str]
    ) -> dict[str, tuple[uuid.UUID, uuid.UUID]]:
        if not completion_ids:
            return {}
        rows = await self._conn.execute(
            sa.select(
                plan_items.c.completion_id, plans.c.employee_id, plan_items.c.learning_item_id
            )
            .join(plans, plans.c.id == plan_items.c.plan_id)
            .where(
                plan_items.c.tenant_id == tenant_id,
                plans.c.tenant_id == tenant_id,
                plan_items.c.completion_id.in_(set(completion_ids)),
            )
        )
        return {row.completion_id: (row.employee_id, row.learning_item_id) for row in rows}

    async def _lock(self, *criteria: sa.ColumnElement[bool]) -> None:
        """A write that changes nothing: row locks on PostgreSQL, and on SQLite the database
        write lock taken before anything is read, so a read-modify-write cannot go stale."""
        await self._conn.execute(sa.update(plans).where(*criteria).values(version=plans.c.version))

    async def feedback(
        self, tenant_id: uuid.UUID, plan_id: uuid.UUID, learning_item_id: uuid.UUID
    ) -> Feedback | None:
        row = (
            await self._conn.execute(
                sa.select(learning_feedback).where(
                    learning_feedback.c.tenant_id == tenant_id,
                    learning_feedback.c.plan_id == plan_id,
                    learning_feedback.c.learning_item_id == learning_item_id,
                )
            )
        ).first()
        if row is None:
            return None
        return Feedback(
            row.tenant_id, row.plan_id, row.learning_item_id, row.rating, row.comment, row.given_at
        )

    async def put_feedback(self, feedback: Feedback) -> None:
        insert = insert_for(self._conn, learning_feedback)
        await self._conn.execute(
            insert.values(
                tenant_id=feedback.tenant_id,
                plan_id=feedback.plan_id,
                learning_item_id=feedback.learning_item_id,
                rating=feedback.rating,
                comment=feedback.comment,
                given_at=feedback.given_at,
            ).on_conflict_do_update(
                index_elements=["plan_id", "learning_item_id"],
                set_={
                    "rating": insert.excluded.rating,
                    "comment": insert.excluded.comment,
                    "given_at": insert.excluded.given_at,
                },
            )
        )

    async def policy(self, tenant_id: uuid.UUID) -> tuple[PlanPolicy, int] | None:
        row = (
            await self._conn.execute(
                sa.select(plan_policies).where(plan_policies.c.tenant_id == tenant_id)
            )
        ).first()
        if row is None:
            return None
        policy = PlanPolicy(
            generate_on_finalise=row.generate_on_finalise,
            start_active=row.start_active,
            due_in_days=row.due_in_days,
            reassess_after_days=row.reassess_after_days,
            budget=Budget(row.budget_minutes, row.budget_cost),
        )
        return policy, row.version

    async def save_policy(
        self, tenant_id: uuid.UUID, policy: PlanPolicy, version: int, now: datetime
    ) -> None:
        insert = insert_for(self._conn, plan_policies)
        values = {
            "tenant_id": tenant_id,
            "generate_on_finalise": policy.generate_on_finalise,
            "start_active": policy.start_active,
            "due_in_days": policy.due_in_days,
            "reassess_after_days": policy.reassess_after_days,
            "budget_minutes": policy.budget.minutes,
            "budget_cost": policy.budget.cost,
            "version": version,
            "updated_at": now,
        }
        await self._conn.execute(
            insert.values(values).on_conflict_do_update(
                index_elements=["tenant_id"],
                set_={k: insert.excluded[k] for k in values if k != "tenant_id"},
            )
        )

    async def _write_children(self, saved: Sequence[Plan]) -> None:
        items = [
            {
                "tenant_id": plan.tenant_id,
                "plan_id": plan.id,
                "learning_item_id": item.learning_item_id,
                "position": position,
                "reason": item.reason.value,
                "capability_ids": [str(c) for c in item.capability_ids],
                "status": item.status.value,
                "due_date": item.due_date,
                "completed_at": item.completed_at,
                "completion_id": item.completion_id,
            }
            for plan in saved
            for position, item in enumerate(plan.items)
        ]
        if items:
            await self._conn.execute(sa.insert(plan_items), items)
        gaps = [
            {
                "tenant_id": plan.tenant_id,
                "plan_id": plan.id,
                "capability_id": gap.capability_id,
                "reached_level": gap.reached_level,
                "required_level": gap.required_level,
                "shortfall": gap.shortfall.value,
                "position": position,
            }
            for plan in saved
            for position, gap in enumerate(plan.open_gaps)
        ]
        if gaps:
            await self._conn.execute(sa.insert(plan_open_gaps), gaps)

    async def _complete(self, tenant_id: uuid.UUID, rows: list[sa.Row]) -> list[Plan]:
        """Plans with their items and open gaps: two queries for the whole page."""
        if not rows:
            return []
        ids = [row.id for row in rows]
        items: dict[uuid.UUID, list[PlanItem]] = {}
        for item in await self._conn.execute(
            sa.select(plan_items)
            .where(plan_items.c.tenant_id == tenant_id, plan_items.c.plan_id.in_(ids))
            .order_by(plan_items.c.plan_id, plan_items.c.position)
        ):
            items.setdefault(item.plan_id, []).append(
                PlanItem(
                    learning_item_id=item.learning_item_id,
                    reason=Reason(item.reason),
                    capability_ids=tuple(uuid.UUID(c) for c in item.capability_ids),
                    status=ItemStatus(item.status),
                    due_date=item.due_date,
                    completed_at=item.completed_at,
                    completion_id=item.completion_id,
                )
            )
        gaps: dict[uuid.UUID, list[OpenGap]] = {}
        for gap in await self._conn.execute(
            sa.select(plan_open_gaps)
            .where(plan_open_gaps.c.tenant_id == tenant_id, plan_open_gaps.c.plan_id.in_(ids))
            .order_by(plan_open_gaps.c.plan_id, plan_open_gaps.c.position)
        ):
            gaps.setdefault(gap.plan_id, []).append(
                OpenGap(
                    gap.capability_id,
                    gap.reached_level,
                    gap.required_level,
                    Shortfall(gap.shortfall),
                )
            )
        return [
            Plan(
                id=row.id,
                tenant_id=row.tenant_id,
                employee_id=row.employee_id,
                role_id=row.role_id,
                assessment_id=row.assessment_id,
                status=PlanStatus(row.status),
                items=tuple(items.get(row.id, ())),
                open_gaps=tuple(gaps.get(row.id, ())),
                minutes=row.minutes,
                cost=row.cost,
                due_date=row.due_date,
                version=row.version,
                created_at=row.created_at,
                updated_at=row.updated_at,
                closed_at=row.closed_at,
                reassessment_id=row.reassessment_id,
            )
            for row in rows
        ]


def _plan_values(plan: Plan) -> dict[str, object]:
    return {
        "id": plan.id,
        "tenant_id": plan.tenant_id,
        "employee_id": plan.employee_id,
        "role_id": plan.role_id,
        "assessment_id": plan.assessment_id,
        "status": plan.status.value,
        "minutes": plan.minutes,
        "cost": plan.cost,
        "due_date": plan.due_date,
        "closed_at": plan.closed_at,
        "reassessment_id": plan.reassessment_id,
        "version": plan.version,
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
    }
