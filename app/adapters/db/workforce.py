"""The workforce reports as set-based queries; app.domain.workforce defines what they mean."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.common import one_of
from app.adapters.db.pagination import fetch_page_by_id
from app.adapters.db.people import reports_below, units_at_or_below
from app.adapters.db.tables import (
    capabilities,
    current_levels,
    employee_aspired_roles,
    employees,
    role_requirements,
    roles,
)
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
