"""The workforce reports as set-based queries; app.domain.workforce and app.domain.impact
define what they mean."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.common import one_of
from app.adapters.db.pagination import fetch_page_by_id
from app.adapters.db.people import reports_below, units_at_or_below
from app.adapters.db.tables import (
    assessment_items,
    assessment_results,
    assessments,
    capabilities,
    current_levels,
    employee_aspired_roles,
    employees,
    learning_feedback,
    plan_items,
    plan_open_gaps,
    plans,
    role_requirements,
    roles,
)
from app.domain.assessments import AssessmentStatus
from app.domain.development import ItemStatus, PlanStatus
from app.domain.impact import Impact, ImpactBy
from app.domain.pagination import Page, PageRequest, encode_cursor
from app.domain.people import EmployeeStatus
from app.domain.workforce import Bench, Candidate, CapabilityMaturity, Population, ranked


class SqlWorkforceReportRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def capability_maturity(
        self,
        tenant_id: uuid.UUID,
        population: Population,
        page: PageRequest | None,
        *,
        framework_id: uuid.UUID | None = None,
    ) -> Page[CapabilityMaturity]:
        members = _members(tenant_id, population)
        level = current_levels.c.level
        proficient = sa.case((level >= role_requirements.c.required_level, 1), else_=0)
        per_role = (
            _required_of(tenant_id, members, framework_id)
            .add_columns(
                employees.c.current_role_id.label("role_id"),
                sa.func.count().label("holders"),
                sa.func.count(level).label("assessed"),
                sa.func.sum(proficient).label("proficient"),
            )
            .group_by(role_requirements.c.capability_id, employees.c.current_role_id)
            .subquery("per_role")
        )
        statement = sa.select(
            per_role.c.capability_id,
            sa.func.sum(per_role.c.holders).label("headcount"),
            sa.func.sum(per_role.c.assessed).label("assessed"),
            sa.func.sum(per_role.c.proficient).label("proficient"),
            sa.func.count().label("roles"),
            # At least half the holders proficient: app.domain.workforce.role_is_proficient.
            sa.func.sum(
                sa.case((2 * per_role.c.proficient >= per_role.c.holders, 1), else_=0)
            ).label("roles_proficient"),
        ).group_by(per_role.c.capability_id)
        found = await _rows(self._conn, statement, per_role.c.capability_id, page)
        ids = [row.capability_id for row in found.items]
        by_level: dict[uuid.UUID, list[tuple[int, int]]] = {}
        if ids:
            histogram = (
                _required_of(tenant_id, members, framework_id)
                .add_columns(level, sa.func.count().label("people"))
                .where(
                    level.is_not(None),
                    one_of(self._conn, role_requirements.c.capability_id, ids),
                )
                .group_by(role_requirements.c.capability_id, level)
                .order_by(role_requirements.c.capability_id, level)
            )
            for row in await self._conn.execute(histogram):
                by_level.setdefault(row.capability_id, []).append((row.level, row.people))
        return found.map(
            lambda row: CapabilityMaturity(
                capability_id=row.capability_id,
                headcount=int(row.headcount),
                assessed=int(row.assessed or 0),
                proficient=int(row.proficient or 0),
                roles=int(row.roles),
                roles_proficient=int(row.roles_proficient or 0),
                people_by_level=tuple(by_level.get(row.capability_id, ())),
            )
        )

    async def succession_bench(
        self,
        tenant_id: uuid.UUID,
        population: Population,
        page: PageRequest | None,
        *,
        role_id: uuid.UUID | None = None,
    ) -> Page[Bench]:
        members = _members(tenant_id, population)
        holders = (
            sa.select(
                employees.c.current_role_id.label("role_id"), sa.func.count().label("holders")
            )
            .where(*members, employees.c.current_role_id.is_not(None))
            .group_by(employees.c.current_role_id)
            .subquery("holders")
        )
        aspired = _aspirants(tenant_id, members).with_only_columns(employee_aspired_roles.c.role_id)
        statement = (
            sa.select(
                roles.c.id,
                roles.c.key,
                roles.c.name,
                sa.func.coalesce(holders.c.holders, 0).label("holders"),
            )
            .outerjoin(holders, holders.c.role_id == roles.c.id)
            .where(
                roles.c.tenant_id == tenant_id,
                sa.or_(holders.c.role_id.is_not(None), roles.c.id.in_(aspired)),
            )
        )
        if role_id is not None:
            statement = statement.where(roles.c.id == role_id)
        found = await _rows(self._conn, statement, roles.c.id, page)
        ids = [row.id for row in found.items]
        candidates: dict[uuid.UUID, list[Candidate]] = {}
        if ids:
            for row in await self._conn.execute(self._candidates(tenant_id, members, ids)):
                candidates.setdefault(row.role_id, []).append(
                    Candidate(
                        employee_id=row.employee_id,
                        name=row.name,
                        external_id=row.external_id,
                        readiness=float(row.readiness),
                        requirements=int(row.requirements),
                        requirements_met=int(row.requirements_met or 0),
                    )
                )
        return found.map(
            lambda row: Bench(
                role_id=row.id,
                role_key=row.key,
                role_name=row.name,
                holders=int(row.holders),
                candidates=ranked(candidates.get(row.id, ())),
            )
        )

    async def learning_impact(
        self,
        tenant_id: uuid.UUID,
        population: Population,
        by: ImpactBy,
        page: PageRequest | None,
    ) -> Page[Impact]:
        counted = _counted_plans(tenant_id, _members(tenant_id, population), self._conn)
        served = _served(tenant_id, counted, self._conn)
        gaps = _gap_outcomes(tenant_id, counted, served)
        if by is ImpactBy.LEARNING_ITEM:
            statement, key = _impact_by_item(tenant_id, counted, served, gaps)
        else:
            key = gaps.c.capability_id if by is ImpactBy.CAPABILITY else gaps.c.org_unit_id
            plans_with_gaps = sa.func.count(sa.distinct(gaps.c.plan_id)).label("plans")
            statement = (
                sa.select(key, plans_with_gaps, *_gap_aggregates(gaps))
                .where(key.is_not(None))
                .group_by(key)
            )
        found = await _rows(self._conn, statement, key, page)
        return found.map(
            lambda row: Impact(
                id=row._mapping[key.key],
                plans=int(row.plans),
                gaps=int(row.gaps or 0),
                reassessed=int(row.reassessed or 0),
                closed=int(row.closed or 0),
                mean_level_change=_float(row.mean_level_change),
                mean_days_to_close=_float(row.mean_days_to_close),
                ratings=_int(row._mapping.get("ratings")),
                mean_rating=_float(row._mapping.get("mean_rating")),
            )
        )

    def _candidates(
        self,
        tenant_id: uuid.UUID,
        members: list[sa.ColumnElement[bool]],
        role_ids: list[uuid.UUID],
    ) -> sa.Select:
        """Per (role, aspirant), app.domain.gaps.readiness: the weighted share of the role's
        requirements met, 1 when it requires nothing."""
        weight = role_requirements.c.weight
        met = current_levels.c.level >= role_requirements.c.required_level
        total = sa.func.coalesce(sa.func.sum(weight), 0.0)
        met_weight = sa.func.coalesce(sa.func.sum(sa.case((met, weight), else_=0.0)), 0.0)
        return (
            _aspirants(tenant_id, members)
            .with_only_columns(
                employee_aspired_roles.c.role_id,
                employees.c.id.label("employee_id"),
                employees.c.name,
                employees.c.external_id,
                sa.case((total == 0, 1.0), else_=met_weight / total).label("readiness"),
                sa.func.count(role_requirements.c.capability_id).label("requirements"),
                sa.func.sum(sa.case((met, 1), else_=0)).label("requirements_met"),
            )
            .outerjoin(
                role_requirements,
                sa.and_(
                    role_requirements.c.tenant_id == tenant_id,
                    role_requirements.c.role_id == employee_aspired_roles.c.role_id,
                ),
            )
            .outerjoin(
                current_levels,
                sa.and_(
                    current_levels.c.tenant_id == tenant_id,
                    current_levels.c.employee_id == employees.c.id,
                    current_levels.c.capability_id == role_requirements.c.capability_id,
                ),
            )
            .where(one_of(self._conn, employee_aspired_roles.c.role_id, role_ids))
            .group_by(
                employee_aspired_roles.c.role_id,
                employees.c.id,
                employees.c.name,
                employees.c.external_id,
            )
        )


def _members(tenant_id: uuid.UUID, population: Population) -> list[sa.ColumnElement[bool]]:
    """Conditions on `employees` that keep the population's active people. Made once per
    statement: each call makes new CTEs, and a statement may hold only one of each name."""
    conditions: list[sa.ColumnElement[bool]] = [
        employees.c.tenant_id == tenant_id,
        employees.c.status == EmployeeStatus.ACTIVE.value,
    ]
    if population.org_unit_id is not None:
        units = units_at_or_below(tenant_id, [population.org_unit_id])
        conditions.append(employees.c.org_unit_id.in_(sa.select(units.c.id)))
    if population.visible_to_manager is not None:
        below = reports_below(tenant_id, [population.visible_to_manager])
        conditions.append(
            sa.or_(
                employees.c.id == population.visible_to_manager,
                employees.c.id.in_(sa.select(below.c.id)),
            )
        )
    return conditions


def _required_of(
    tenant_id: uuid.UUID, members: list[sa.ColumnElement[bool]], framework_id: uuid.UUID | None
) -> sa.Select:
    """(capability) over each member's current role's requirements, with the member's current
    level outer-joined: columns and grouping are the caller's."""
    statement = (
        sa.select(role_requirements.c.capability_id)
        .select_from(employees)
        .join(
            role_requirements,
            sa.and_(
                role_requirements.c.tenant_id == tenant_id,
                role_requirements.c.role_id == employees.c.current_role_id,
            ),
        )
        .outerjoin(
            current_levels,
            sa.and_(
                current_levels.c.tenant_id == tenant_id,
                current_levels.c.employee_id == employees.c.id,
                current_levels.c.capability_id == role_requirements.c.capability_id,
            ),
        )
        .where(*members)
    )
    if framework_id is not None:
        statement = statement.join(
            capabilities,
            sa.and_(
                capabilities.c.tenant_id == tenant_id,
                capabilities.c.id == role_requirements.c.capability_id,
            ),
        ).where(capabilities.c.framework_id == framework_id)
    return statement


def _aspirants(tenant_id: uuid.UUID, members: list[sa.ColumnElement[bool]]) -> sa.Select:
    """Members aspiring to a role they do not hold, one row per (member, role)."""
    return (
        sa.select(employee_aspired_roles.c.employee_id)
        .select_from(employee_aspired_roles)
        .join(
            employees,
            sa.and_(
                employees.c.tenant_id == tenant_id,
                employees.c.id == employee_aspired_roles.c.employee_id,
            ),
        )
        .where(
            employee_aspired_roles.c.tenant_id == tenant_id,
            *members,
            sa.or_(
                employees.c.current_role_id.is_(None),
                employees.c.current_role_id != employee_aspired_roles.c.role_id,
            ),
        )
    )


def _counted_plans(
    tenant_id: uuid.UUID, members: list[sa.ColumnElement[bool]], conn: AsyncConnection
) -> sa.CTE:
    """Completed plans of members whose re-assessment is finalised, with the days from the
    plan's creation to the re-assessment's close."""
    reassessment = assessments.alias("reassessment")
    if conn.dialect.name == "postgresql":
        days = sa.extract("epoch", reassessment.c.closed_at - plans.c.created_at) / 86400.0
    else:
        days = sa.func.julianday(reassessment.c.closed_at) - sa.func.julianday(plans.c.created_at)
    return (
        sa.select(
            plans.c.id.label("plan_id"),
            plans.c.assessment_id,
            plans.c.reassessment_id,
            employees.c.org_unit_id,
            days.label("days"),
        )
        .join(
            reassessment,
            sa.and_(
                reassessment.c.tenant_id == tenant_id,
                reassessment.c.id == plans.c.reassessment_id,
            ),
        )
        .join(
            employees,
            sa.and_(employees.c.tenant_id == tenant_id, employees.c.id == plans.c.employee_id),
        )
        .where(
            plans.c.tenant_id == tenant_id,
            plans.c.status == PlanStatus.COMPLETED.value,
            reassessment.c.status == AssessmentStatus.FINALISED.value,
            *members,
        )
        .cte("counted")
    )


def _served(tenant_id: uuid.UUID, counted: sa.CTE, conn: AsyncConnection) -> sa.CTE:
    """(plan, learning item, capability, item status): the gaps each item of a counted plan
    was chosen for, as the plan recorded them (plan_items.capability_ids, a JSON list)."""
    if conn.dialect.name == "postgresql":
        listed = sa.func.json_array_elements_text(plan_items.c.capability_ids).table_valued("value")
        capability = sa.cast(listed.c.value, sa.Uuid)
    else:
        listed = sa.func.json_each(plan_items.c.capability_ids).table_valued("value")
        # Uuid columns are bare hex on SQLite; the JSON holds the hyphenated form.
        capability = sa.type_coerce(sa.func.replace(listed.c.value, "-", ""), sa.Uuid)
    return (
        sa.select(
            plan_items.c.plan_id,
            plan_items.c.learning_item_id,
            plan_items.c.status,
            capability.label("capability_id"),
        )
        .join(counted, counted.c.plan_id == plan_items.c.plan_id)
        .join(listed, sa.true())
        .where(plan_items.c.tenant_id == tenant_id)
        .cte("served")
    )


def _gap_outcomes(tenant_id: uuid.UUID, counted: sa.CTE, served: sa.CTE) -> sa.CTE:
    """Per counted plan, each capability it set out to close (one its items were chosen
    for, or one it reported open) that its assessment measured, with the required level and
    the levels before and after: app.domain.impact.GapOutcome."""
    left_open = (
        sa.select(plan_open_gaps.c.plan_id, plan_open_gaps.c.capability_id)
        .join(counted, counted.c.plan_id == plan_open_gaps.c.plan_id)
        .where(plan_open_gaps.c.tenant_id == tenant_id)
    )
    targeted = sa.union(sa.select(served.c.plan_id, served.c.capability_id), left_open).subquery(
        "targeted"
    )
    before = assessment_results.alias("before")
    after = assessment_results.alias("after")
    return (
        sa.select(
            counted.c.plan_id,
            counted.c.org_unit_id,
            counted.c.days,
            assessment_items.c.capability_id,
            assessment_items.c.required_level,
            before.c.level.label("before"),
            after.c.level.label("after"),
        )
        .join(targeted, targeted.c.plan_id == counted.c.plan_id)
        .join(
            assessment_items,
            sa.and_(
                assessment_items.c.tenant_id == tenant_id,
                assessment_items.c.assessment_id == counted.c.assessment_id,
                assessment_items.c.capability_id == targeted.c.capability_id,
            ),
        )
        .outerjoin(before, _result_in(before, tenant_id, counted.c.assessment_id))
        .outerjoin(after, _result_in(after, tenant_id, counted.c.reassessment_id))
        .cte("gap_outcomes")
    )


def _result_in(
    results: sa.FromClause, tenant_id: uuid.UUID, assessment_id: sa.ColumnElement[uuid.UUID]
) -> sa.ColumnElement[bool]:
    """The join to an assessment's result in the gap's capability."""
    return sa.and_(
        results.c.tenant_id == tenant_id,
        results.c.assessment_id == assessment_id,
        results.c.capability_id == assessment_items.c.capability_id,
    )


def _gap_aggregates(gaps: sa.CTE) -> list[sa.Label]:
    """The Impact columns over gap rows, but for plans (counted differently per grouping)."""
    closed = gaps.c.after >= gaps.c.required_level
    return [
        sa.func.count(gaps.c.capability_id).label("gaps"),
        sa.func.count(gaps.c.after).label("reassessed"),
        sa.func.sum(sa.case((closed, 1), else_=0)).label("closed"),
        sa.func.avg(gaps.c.after - gaps.c.before).label("mean_level_change"),
        sa.func.avg(sa.case((closed, gaps.c.days))).label("mean_days_to_close"),
    ]


def _impact_by_item(
    tenant_id: uuid.UUID, counted: sa.CTE, served: sa.CTE, gaps: sa.CTE
) -> tuple[sa.Select, sa.ColumnElement[uuid.UUID]]:
    """Per learning item completed in a counted plan: its completions and their ratings, and
    the gaps of those plans it was chosen for."""
    completed = ItemStatus.COMPLETED.value
    addressed = (
        sa.select(served.c.learning_item_id, *_gap_aggregates(gaps))
        .join(
            gaps,
            sa.and_(
                gaps.c.plan_id == served.c.plan_id,
                gaps.c.capability_id == served.c.capability_id,
            ),
        )
        .where(served.c.status == completed)
        .group_by(served.c.learning_item_id)
        .subquery("addressed")
    )
    key = plan_items.c.learning_item_id
    tallied = [column for column in addressed.c if column.key != "learning_item_id"]
    statement = (
        sa.select(
            key,
            sa.func.count().label("plans"),
            sa.func.count(learning_feedback.c.rating).label("ratings"),
            sa.func.avg(learning_feedback.c.rating).label("mean_rating"),
            *tallied,
        )
        .join(counted, counted.c.plan_id == plan_items.c.plan_id)
        .outerjoin(
            learning_feedback,
            sa.and_(
                learning_feedback.c.tenant_id == tenant_id,
                learning_feedback.c.plan_id == plan_items.c.plan_id,
                learning_feedback.c.learning_item_id == key,
            ),
        )
        .outerjoin(addressed, addressed.c.learning_item_id == key)
        .where(plan_items.c.tenant_id == tenant_id, plan_items.c.status == completed)
        .group_by(key, *tallied)
    )
    return statement, key


def _int(value: object) -> int | None:
    return None if value is None else int(value)


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # numeric on PostgreSQL


async def _rows(
    conn: AsyncConnection,
    statement: sa.Select,
    id_column: sa.ColumnElement[uuid.UUID],
    page: PageRequest | None,
) -> Page[sa.Row]:
    """A page of rows in id order, or all of them (an export) when `page` is None."""
    if page is not None:
        return await fetch_page_by_id(conn, statement, id_column, page, _same)
    rows = (await conn.execute(statement.order_by(id_column))).all()
    cursors = [encode_cursor((str(row._mapping[id_column.key]),)) for row in rows]
    return Page(rows, cursors, has_more=False)


_same: Callable[[sa.Row], sa.Row] = lambda row: row  # noqa: E731
