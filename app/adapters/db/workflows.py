"""Workflows, their runs, and the set-based opening of an assessment cycle."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.assessments import group_members
from app.adapters.db.catalogue import published_capabilities
from app.adapters.db.common import insert_for, one_of, one_row, save_versioned
from app.adapters.db.pagination import fetch_page_by_id
from app.adapters.db.tables import (
    assessment_items,
    assessment_raters,
    assessments,
    capabilities,
    capability_revisions,
    competency_scales,
    employees,
    notifications,
    role_requirements,
    workflow_runs,
    workflows,
)
from app.adapters.db.tenancy import CROSS_TENANT
from app.domain.assessments import UNFINISHED, AssessmentStatus, Purpose, RaterType
from app.domain.cohorts import Cohort
from app.domain.ids import new_id
from app.domain.notifications import DeliveryStatus
from app.domain.pagination import Page, PageRequest
from app.domain.people import EmployeeStatus
from app.domain.views import Grouping
from app.domain.workflow_documents import document_of, parse_definition
from app.domain.workflows import (
    AssessmentFacts,
    Notice,
    Opening,
    Workflow,
    WorkflowRun,
    WorkflowStatus,
    workflow_zone,
)


class SqlWorkflowRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, workflow: Workflow) -> None:
        await self._conn.execute(sa.insert(workflows).values(_values(workflow)))

    async def get(self, tenant_id: uuid.UUID, workflow_id: uuid.UUID) -> Workflow | None:
        row = await one_row(self._conn, workflows, tenant_id=tenant_id, row_id=workflow_id)
        return None if row is None else _workflow(row)

    async def id_by_key(self, tenant_id: uuid.UUID, key: str) -> uuid.UUID | None:
        return await self._conn.scalar(
            sa.select(workflows.c.id).where(
                workflows.c.tenant_id == tenant_id, workflows.c.key == key
            )
        )

    async def list(self, tenant_id: uuid.UUID, page: PageRequest) -> Page[Workflow]:
        statement = sa.select(workflows).where(workflows.c.tenant_id == tenant_id)
        return await fetch_page_by_id(self._conn, statement, workflows.c.id, page, _workflow)

    async def save(self, workflow: Workflow, *, previous_version: int) -> None:
        values = _values(workflow)
        for unchanged in ("id", "tenant_id", "key", "created_at"):
            values.pop(unchanged)
        await save_versioned(
            self._conn,
            workflows,
            tenant_id=workflow.tenant_id,
            row_id=workflow.id,
            previous_version=previous_version,
            values=values,
            kind="Workflow",
        )

    async def every_tenant(self, *, active_only: bool) -> list[Workflow]:
        statement = sa.select(workflows)
        if active_only:
            statement = statement.where(workflows.c.status == WorkflowStatus.ACTIVE.value)
        rows = await self._conn.execute(
            statement.order_by(workflows.c.id).execution_options(**{CROSS_TENANT: True})
        )
        return [_workflow(row) for row in rows]

    async def last_periods(
        self, workflow_ids: Collection[uuid.UUID]
    ) -> dict[tuple[uuid.UUID, str], str]:
        if not workflow_ids:
            return {}
        rows = await self._conn.execute(
            sa.select(
                workflow_runs.c.workflow_id,
                workflow_runs.c.trigger,
                sa.func.max(workflow_runs.c.period).label("period"),
            )
            .where(
                workflow_runs.c.workflow_id.in_(set(workflow_ids)),
                workflow_runs.c.trigger.like("schedule:%"),
            )
            .group_by(workflow_runs.c.workflow_id, workflow_runs.c.trigger)
            .execution_options(**{CROSS_TENANT: True})
        )
        return {(row.workflow_id, row.trigger): row.period for row in rows}

    async def claim_runs(self, runs: Sequence[WorkflowRun]) -> list[WorkflowRun]:
        if not runs:
            return []
        statement = (
            insert_for(self._conn, workflow_runs)
            .on_conflict_do_nothing(index_elements=["workflow_id", "trigger", "period"])
            .returning(workflow_runs.c.id)
        )
        claimed = await self._conn.execute(
            statement,
            [
                {
                    "id": run.id,
                    "tenant_id": run.tenant_id,
                    "workflow_id": run.workflow_id,
                    "trigger": run.trigger,
                    "period": run.period,
                    "employee_id": run.employee_id,
                    "fired_at": run.fired_at,
                    "opened": 0,
                }
                for run in runs
            ],
        )
        ids = {row.id for row in claimed}
        return [run for run in runs if run.id in ids]

    async def open_assessments(
        self,
        tenant_id: uuid.UUID,
        opening: Opening,
        target: Grouping,
        cohorts: Sequence[Cohort],
        notices: Sequence[Notice],
    ) -> int:
        status = (
            AssessmentStatus.OPEN
            if RaterType.SELF in opening.rater_types
            else AssessmentStatus.AWAITING_MANAGER
        )
        await self._one_opening_at_a_time(tenant_id)
        chosen = _eligible(tenant_id, opening, target, cohorts)
        made_id = sa.func.tandem_uuid7()
        inserted = await self._conn.execute(
            sa.insert(assessments).from_select(
                [
                    "id",
                    "tenant_id",
                    "employee_id",
                    "role_id",
                    "purpose",
                    "status",
                    "required_rater_types",
                    "due_date",
                    "version",
                    "created_at",
                    "opened_at",
                    "workflow_id",
                    "workflow_run_id",
                    "workflow_round",
                ],
                chosen.with_only_columns(
                    made_id,
                    employees.c.tenant_id,
                    employees.c.id,
                    employees.c.current_role_id,
                    sa.literal(Purpose.CURRENT_ROLE.value),
                    sa.literal(status.value),
                    sa.literal(sorted(t.value for t in opening.rater_types), sa.JSON),
                    sa.literal(opening.due_date, sa.Date),
                    sa.literal(2),
                    sa.literal(opening.now, assessments.c.created_at.type),
                    sa.literal(opening.now, assessments.c.opened_at.type),
                    sa.literal(opening.workflow_id, sa.Uuid),
                    workflow_runs.c.id
                    if opening.per_person
                    else sa.literal(opening.run_ids[0], sa.Uuid),
                    sa.literal(1),
                ),
            )
        )
        opened = inserted.rowcount
        if not opened:
            return 0
        run = sa.and_(
            assessments.c.tenant_id == tenant_id,
            assessments.c.workflow_run_id.in_(opening.run_ids),
        )
        levels = _published_levels(tenant_id).subquery("published")
        position = sa.func.row_number().over(
            partition_by=assessments.c.id, order_by=role_requirements.c.position
        )
        await self._conn.execute(
            sa.insert(assessment_items).from_select(
                [
                    "tenant_id",
                    "assessment_id",
                    "capability_id",
                    "required_level",
                    "max_level",
                    "weight",
                    "core",
                    "position",
                ],
                sa.select(
                    assessments.c.tenant_id,
                    assessments.c.id,
                    role_requirements.c.capability_id,
                    role_requirements.c.required_level,
                    levels.c.max_level,
                    role_requirements.c.weight,
                    role_requirements.c.core,
                    position - 1,
                )
                .join(role_requirements, role_requirements.c.role_id == assessments.c.role_id)
                .join(levels, levels.c.capability_id == role_requirements.c.capability_id)
                .where(run, role_requirements.c.tenant_id == tenant_id),
            )
        )
        rater_columns = ["tenant_id", "assessment_id", "employee_id", "rater_type"]
        self_raters = sa.select(
            assessments.c.tenant_id,
            assessments.c.id,
            assessments.c.employee_id,
            sa.literal(RaterType.SELF.value),
        ).where(run)
        managers = (
            sa.select(
                assessments.c.tenant_id,
                assessments.c.id,
                employees.c.manager_id,
                sa.literal(RaterType.MANAGER.value),
            )
            .join(employees, employees.c.id == assessments.c.employee_id)
            .where(run, employees.c.tenant_id == tenant_id, employees.c.manager_id.is_not(None))
        )
        await self._conn.execute(
            sa.insert(assessment_raters).from_select(
                rater_columns, sa.union_all(self_raters, managers)
            )
        )
        if notices:
            await self._conn.execute(
                sa.insert(notifications).from_select(
                    [
                        "id",
                        "tenant_id",
                        "assessment_id",
                        "kind",
                        "sequence",
                        "recipient",
                        "status",
                        "attempts",
                        "next_attempt_at",
                        "created_at",
                    ],
                    sa.union_all(
                        *(
                            sa.select(
                                made_id,
                                assessments.c.tenant_id,
                                assessments.c.id,
                                sa.literal(notice.kind),
                                sa.literal(notice.sequence),
                                sa.literal(notice.recipient),
                                sa.literal(DeliveryStatus.PENDING.value),
                                sa.literal(0),
                                sa.literal(opening.now, notifications.c.created_at.type),
                                sa.literal(opening.now, notifications.c.created_at.type),
                            ).where(run)
                            for notice in notices
                        )
                    ),
                )
            )
        return opened

    async def _one_opening_at_a_time(self, tenant_id: uuid.UUID) -> None:
        """Openings of one tenant take turns until their transaction ends, so one sees the
        assessments another opened (the "no unfinished assessment" rule has no unique key to
        lean on). SQLite writers take turns anyway."""
        if self._conn.dialect.name == "postgresql":
            key = int.from_bytes(tenant_id.bytes[:8], "big", signed=True)
            await self._conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))

    async def would_open(
        self,
        tenant_id: uuid.UUID,
        opening: Opening,
        target: Grouping,
        cohorts: Sequence[Cohort],
        page: PageRequest,
    ) -> tuple[int, Page[uuid.UUID]]:
        chosen = _eligible(tenant_id, opening, target, cohorts)
        count = await self._conn.scalar(chosen.with_only_columns(sa.func.count()))
        found = await fetch_page_by_id(
            self._conn,
            chosen.with_only_columns(employees.c.id),
            employees.c.id,
            page,
            lambda row: row.id,
        )
        return count or 0, found

    async def record_opened(self, tenant_id: uuid.UUID, run_ids: Collection[uuid.UUID]) -> None:
        opened = (
            sa.select(sa.func.count())
            .select_from(assessments)
            .where(
                assessments.c.tenant_id == tenant_id,
                assessments.c.workflow_run_id == workflow_runs.c.id,
            )
            .scalar_subquery()
        )
        await self._conn.execute(
            sa.update(workflow_runs)
            .where(workflow_runs.c.tenant_id == tenant_id, workflow_runs.c.id.in_(set(run_ids)))
            .values(opened=opened)
        )

    async def open_scheduled(self, workflow: Workflow, due_by: date, now: datetime) -> int:
        scheduled = sa.and_(
            assessments.c.tenant_id == workflow.tenant_id,
            assessments.c.workflow_id == workflow.id,
            assessments.c.status == AssessmentStatus.SCHEDULED.value,
            assessments.c.due_date <= due_by,
        )
        rows = await self._conn.execute(
            sa.select(assessments.c.id, assessments.c.required_rater_types).where(scheduled)
        )
        by_status: dict[AssessmentStatus, list[uuid.UUID]] = {}
        for row in rows:
            status = (
                AssessmentStatus.OPEN
                if RaterType.SELF.value in row.required_rater_types
                else AssessmentStatus.AWAITING_MANAGER
            )
            by_status.setdefault(status, []).append(row.id)
        opened = 0
        for status, ids in by_status.items():
            result = await self._conn.execute(
                sa.update(assessments)
                .where(scheduled, one_of(self._conn, assessments.c.id, ids))
                .values(status=status.value, opened_at=now, version=assessments.c.version + 1)
            )
            opened += result.rowcount
        return opened

    async def waiting(self, workflow: Workflow) -> list[tuple[uuid.UUID, AssessmentFacts]]:
        employee = employees.alias("employee")
        manager = employees.alias("manager")
        rows = await self._conn.execute(
            sa.select(
                assessments.c.id,
                assessments.c.status,
                assessments.c.opened_at,
                assessments.c.due_date,
                assessments.c.required_rater_types,
                employee.c.manager_id,
                manager.c.manager_id.label("skip_manager_id"),
                assessment_raters.c.submitted_at.label("self_submitted_at"),
            )
            .join(employee, employee.c.id == assessments.c.employee_id)
            .outerjoin(
                assessment_raters,
                sa.and_(
                    assessment_raters.c.assessment_id == assessments.c.id,
                    assessment_raters.c.tenant_id == assessments.c.tenant_id,
                    assessment_raters.c.rater_type == RaterType.SELF.value,
                ),
            )
            .outerjoin(
                manager,
                sa.and_(
                    manager.c.id == employee.c.manager_id,
                    manager.c.tenant_id == employee.c.tenant_id,
                ),
            )
            .where(
                assessments.c.tenant_id == workflow.tenant_id,
                employee.c.tenant_id == workflow.tenant_id,
                assessments.c.workflow_id == workflow.id,
                assessments.c.status.in_(
                    [AssessmentStatus.OPEN.value, AssessmentStatus.AWAITING_MANAGER.value]
                ),
            )
        )
        zone = workflow_zone(workflow)
        return [
            (
                row.id,
                AssessmentFacts(
                    status=row.status,
                    opened_on=row.opened_at.astimezone(zone).date(),
                    due_date=row.due_date,
                    has_manager=row.manager_id is not None,
                    has_skip_manager=row.skip_manager_id is not None,
                    waits_on_employee=RaterType.SELF.value in row.required_rater_types,
                    turn_began_on=None
                    if row.self_submitted_at is None
                    else row.self_submitted_at.astimezone(zone).date(),
                ),
            )
            for row in rows
        ]

    async def queue(
        self, tenant_id: uuid.UUID, notices: Sequence[tuple[uuid.UUID, Notice]], now: datetime
    ) -> None:
        if not notices:
            return
        await self._conn.execute(
            insert_for(self._conn, notifications).on_conflict_do_nothing(
                index_elements=["assessment_id", "kind", "sequence", "recipient"]
            ),
            [
                {
                    "id": new_id(),
                    "tenant_id": tenant_id,
                    "assessment_id": assessment_id,
                    "kind": notice.kind,
                    "sequence": notice.sequence,
                    "recipient": notice.recipient,
                    "status": DeliveryStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for assessment_id, notice in notices
            ],
        )

    async def runs(
        self, tenant_id: uuid.UUID, workflow_id: uuid.UUID, page: PageRequest
    ) -> Page[WorkflowRun]:
        statement = sa.select(workflow_runs).where(
            workflow_runs.c.tenant_id == tenant_id, workflow_runs.c.workflow_id == workflow_id
        )
        return await fetch_page_by_id(self._conn, statement, workflow_runs.c.id, page, _run)


def _eligible(
    tenant_id: uuid.UUID, opening: Opening, target: Grouping, cohorts: Sequence[Cohort]
) -> sa.Select:
    """The people a firing opens an assessment for, as a select over `employees`."""
    members = group_members(tenant_id, target, cohorts).subquery("members")
    levels = _published_levels(tenant_id).subquery("published")
    assessed = sa.select(role_requirements.c.role_id).join(
        levels, levels.c.capability_id == role_requirements.c.capability_id
    )
    unfinished = (
        sa.select(assessments.c.id)
        .where(
            assessments.c.tenant_id == tenant_id,
            assessments.c.employee_id == employees.c.id,
            assessments.c.role_id == employees.c.current_role_id,
            assessments.c.status.in_([s.value for s in UNFINISHED]),
        )
        .exists()
    )
    conditions = [
        employees.c.tenant_id == tenant_id,
        employees.c.status == EmployeeStatus.ACTIVE.value,
        employees.c.id.in_(sa.select(members.c.employee_id)),
        employees.c.current_role_id.in_(assessed.where(role_requirements.c.tenant_id == tenant_id)),
        ~unfinished,
    ]
    if RaterType.MANAGER in opening.rater_types:
        conditions.append(employees.c.manager_id.is_not(None))
    chosen = sa.select(employees.c.id).where(*conditions)
    if opening.per_person:
        # Several events about one person in a batch: their first run opens the assessment.
        others = workflow_runs.alias("others")
        first_run = (
            sa.select(others.c.id)
            .where(
                others.c.tenant_id == tenant_id,
                others.c.employee_id == employees.c.id,
                others.c.id.in_(opening.run_ids),
            )
            .order_by(others.c.id)
            .limit(1)
            .scalar_subquery()
        )
        chosen = chosen.join(
            workflow_runs,
            sa.and_(
                workflow_runs.c.employee_id == employees.c.id,
                workflow_runs.c.tenant_id == tenant_id,
                workflow_runs.c.id == first_run,
            ),
        )
    return chosen


def _published_levels(tenant_id: uuid.UUID) -> sa.Select:
    """(capability_id, max_level) of every published capability: its scale's level count."""
    return (
        published_capabilities(tenant_id)
        .with_only_columns(
            capabilities.c.id.label("capability_id"),
            sa.func.json_array_length(competency_scales.c.levels).label("max_level"),
        )
        .join(competency_scales, competency_scales.c.id == capability_revisions.c.scale_id)
        .where(competency_scales.c.tenant_id == tenant_id)
    )


def _values(workflow: Workflow) -> dict[str, object]:
    return {
        "id": workflow.id,
        "tenant_id": workflow.tenant_id,
        "key": workflow.key,
        "name": workflow.name,
        "definition": document_of(workflow.definition),
        "status": workflow.status.value,
        "active_since": workflow.active_since,
        "version": workflow.version,
        "created_at": workflow.created_at,
        "updated_at": workflow.updated_at,
    }


def _workflow(row: sa.Row) -> Workflow:
    return Workflow(
        id=row.id,
        tenant_id=row.tenant_id,
        key=row.key,
        name=row.name,
        definition=parse_definition(row.definition),
        status=WorkflowStatus(row.status),
        active_since=row.active_since,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _run(row: sa.Row) -> WorkflowRun:
    return WorkflowRun(
        id=row.id,
        tenant_id=row.tenant_id,
        workflow_id=row.workflow_id,
        trigger=row.trigger,
        period=row.period,
        fired_at=row.fired_at,
        opened=row.opened,
        employee_id=row.employee_id,
    )
