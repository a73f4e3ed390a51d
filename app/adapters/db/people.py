"""Repositories for org units, employees and cohorts: trees and reporting lines are walked
with recursive CTEs, bulk writes are single statements."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.common import (
    any_row,
    delete_row,
    existing_ids,
    ids_by_key,
    insert_for,
    one_of,
    one_row,
    save_versioned,
)
from app.adapters.db.pagination import fetch_page_by_id
from app.adapters.db.tables import (
    cohort_members,
    cohorts,
    employee_aspired_roles,
    employees,
    goals,
    org_units,
)
from app.adapters.db.tenancy import CROSS_TENANT
from app.domain.bulk import RowStatus
from app.domain.cohorts import Cohort, CohortKind, CohortRule
from app.domain.ids import new_id
from app.domain.pagination import Page, PageRequest
from app.domain.people import Employee, EmployeeStatus, OrgUnit, Profile
from app.domain.views import EmployeeFilter, EmployeeUpsert, RoleAssignment, UpsertOutcome

# Reporting lines and org trees are far shallower; the bound only stops a corrupt loop.
MAX_DEPTH = 200
SQLITE_ROWS_PER_STATEMENT = 1_000
ANALYZE_AFTER_ROWS = 1_000


class SqlOrgUnitRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, unit: OrgUnit) -> None:
        await self._conn.execute(sa.insert(org_units).values(_unit_values(unit)))

    async def get(self, tenant_id: uuid.UUID, unit_id: uuid.UUID) -> OrgUnit | None:
        row = await one_row(self._conn, org_units, tenant_id=tenant_id, row_id=unit_id)
        return None if row is None else OrgUnit(**row._mapping)

    async def get_many(
        self, tenant_id: uuid.UUID, unit_ids: Collection[uuid.UUID]
    ) -> list[OrgUnit]:
        rows = await self._conn.execute(
            sa.select(org_units).where(
                org_units.c.tenant_id == tenant_id, org_units.c.id.in_(set(unit_ids))
            )
        )
        return [OrgUnit(**row._mapping) for row in rows]

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, *, parent_id: uuid.UUID | None = None
    ) -> Page[OrgUnit]:
        statement = sa.select(org_units).where(org_units.c.tenant_id == tenant_id)
        if parent_id is not None:
            statement = statement.where(org_units.c.parent_id == parent_id)
        return await fetch_page_by_id(
            self._conn, statement, org_units.c.id, page, lambda row: OrgUnit(**row._mapping)
        )

    async def save(self, unit: OrgUnit, *, previous_version: int) -> None:
        values = _unit_values(unit)
        await save_versioned(
            self._conn,
            org_units,
            tenant_id=unit.tenant_id,
            row_id=unit.id,
            previous_version=previous_version,
            values={k: v for k, v in values.items() if k not in ("id", "tenant_id", "key")},
            kind="Org unit",
        )

    async def in_use(self, tenant_id: uuid.UUID, unit_id: uuid.UUID) -> bool:
        children = sa.select(org_units.c.id).where(
            org_units.c.tenant_id == tenant_id, org_units.c.parent_id == unit_id
        )
        members = sa.select(employees.c.id).where(
            employees.c.tenant_id == tenant_id, employees.c.org_unit_id == unit_id
        )
        team_goals = sa.select(goals.c.id).where(
            goals.c.tenant_id == tenant_id, goals.c.org_unit_id == unit_id
        )
        return (
            await any_row(self._conn, children)
            or await any_row(self._conn, members)
            or await any_row(self._conn, team_goals)
            or await named_by_a_rule(self._conn, tenant_id, "org_unit_ids", unit_id)
        )

    async def delete(self, tenant_id: uuid.UUID, unit_id: uuid.UUID) -> None:
        await delete_row(self._conn, org_units, tenant_id=tenant_id, row_id=unit_id)

    async def chain_up(self, tenant_id: uuid.UUID, unit_id: uuid.UUID) -> list[uuid.UUID]:
        up = (
            sa.select(org_units.c.id, org_units.c.parent_id, sa.literal(0).label("depth"))
            .where(org_units.c.tenant_id == tenant_id, org_units.c.id == unit_id)
            .cte("up", recursive=True)
        )
        up = up.union_all(
            sa.select(org_units.c.id, org_units.c.parent_id, up.c.depth + 1)
            .join(up, org_units.c.id == up.c.parent_id)
            .where(org_units.c.tenant_id == tenant_id, up.c.depth < MAX_DEPTH)
        )
        rows = await self._conn.execute(sa.select(up.c.id).order_by(up.c.depth))
        return list(rows.scalars())

    async def ids_by_keys(
        self, tenant_id: uuid.UUID, keys: Collection[str]
    ) -> dict[str, uuid.UUID]:
        return await ids_by_key(self._conn, org_units.c.key, tenant_id=tenant_id, keys=keys)

    async def existing(
        self, tenant_id: uuid.UUID, unit_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        return await existing_ids(self._conn, org_units, tenant_id=tenant_id, ids=unit_ids)


def _unit_values(unit: OrgUnit) -> dict[str, object]:
    return {
        "id": unit.id,
        "tenant_id": unit.tenant_id,
        "key": unit.key,
        "name": unit.name,
        "parent_id": unit.parent_id,
        "version": unit.version,
        "created_at": unit.created_at,
        "updated_at": unit.updated_at,
    }


async def named_by_a_rule(
    conn: AsyncConnection, tenant_id: uuid.UUID, criterion: str, value: uuid.UUID
) -> bool:
    """Whether a rule cohort's `criterion` names `value` (rules are small JSON documents)."""
    rules = await conn.execute(
        sa.select(cohorts.c.rule).where(
            cohorts.c.tenant_id == tenant_id, cohorts.c.kind == CohortKind.RULE.value
        )
    )
    return any(str(value) in rule[criterion] for (rule,) in rules)


def units_at_or_below(tenant_id: uuid.UUID, roots: Collection[uuid.UUID]) -> sa.CTE:
    below = (
        sa.select(org_units.c.id)
        .where(org_units.c.tenant_id == tenant_id, org_units.c.id.in_(set(roots)))
        .cte("units_below", recursive=True)
    )
    return below.union(
        sa.select(org_units.c.id)
        .join(below, org_units.c.parent_id == below.c.id)
        .where(org_units.c.tenant_id == tenant_id)
    )


def reports_below(tenant_id: uuid.UUID, managers: Collection[uuid.UUID]) -> sa.CTE:
    below = (
        sa.select(employees.c.id)
        .where(employees.c.tenant_id == tenant_id, employees.c.manager_id.in_(set(managers)))
        .cte("reports_below", recursive=True)
    )
    return below.union(
        sa.select(employees.c.id)
        .join(below, employees.c.manager_id == below.c.id)
        .where(employees.c.tenant_id == tenant_id)
    )


_PROFILE_COLUMNS = (
    "external_id",
    "name",
    "email",
    "org_unit_id",
    "job_title",
    "job_level",
    "location",
    "status",
    "hire_date",
)


class SqlEmployeeRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, employee: Employee) -> None:
        await self._conn.execute(sa.insert(employees).values(_employee_values(employee)))
        await self._write_aspired(employee)

    async def get(self, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> Employee | None:
        row = await one_row(self._conn, employees, tenant_id=tenant_id, row_id=employee_id)
        if row is None:
            return None
        return (await with_aspired_roles(self._conn, tenant_id, [row]))[0]

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, criteria: EmployeeFilter
    ) -> Page[Employee]:
        statement = sa.select(employees).where(employees.c.tenant_id == tenant_id)
        if criteria.org_unit_id is not None:
            units = units_at_or_below(tenant_id, [criteria.org_unit_id])
            statement = statement.where(employees.c.org_unit_id.in_(sa.select(units.c.id)))
        if criteria.manager_id is not None:
            statement = statement.where(employees.c.manager_id == criteria.manager_id)
        if criteria.role_id is not None:
            statement = statement.where(employees.c.current_role_id == criteria.role_id)
        if criteria.status is not None:
            statement = statement.where(employees.c.status == criteria.status.value)
        if criteria.external_id is not None:
            statement = statement.where(employees.c.external_id == criteria.external_id)
        if criteria.only_id is not None:
            statement = statement.where(employees.c.id == criteria.only_id)
        if criteria.ids is not None:
            statement = statement.where(employees.c.id.in_(criteria.ids))
        if criteria.visible_to_manager is not None:
            reports = reports_below(tenant_id, [criteria.visible_to_manager])
            statement = statement.where(
                sa.or_(
                    employees.c.id == criteria.visible_to_manager,
                    employees.c.id.in_(sa.select(reports.c.id)),
                )
            )
        return await employee_page(self._conn, tenant_id, statement, page)

    async def save(self, employee: Employee, *, previous_version: int) -> None:
        values = _employee_values(employee)
        await save_versioned(
            self._conn,
            employees,
            tenant_id=employee.tenant_id,
            row_id=employee.id,
            previous_version=previous_version,
            values={k: v for k, v in values.items() if k not in ("id", "tenant_id", "created_at")},
            kind="Employee",
        )
        await self._conn.execute(
            sa.delete(employee_aspired_roles).where(
                employee_aspired_roles.c.tenant_id == employee.tenant_id,
                employee_aspired_roles.c.employee_id == employee.id,
            )
        )
        await self._write_aspired(employee)

    async def chain_up(self, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> list[uuid.UUID]:
        up = (
            sa.select(employees.c.manager_id.label("id"), sa.literal(1).label("depth"))
            .where(employees.c.tenant_id == tenant_id, employees.c.id == employee_id)
            .cte("up", recursive=True)
        )
        up = up.union_all(
            sa.select(employees.c.manager_id, up.c.depth + 1)
            .join(up, employees.c.id == up.c.id)
            .where(employees.c.tenant_id == tenant_id, up.c.depth < MAX_DEPTH)
        )
        rows = await self._conn.execute(
            sa.select(up.c.id).where(up.c.id.is_not(None)).order_by(up.c.depth)
        )
        return list(rows.scalars())

    async def upsert(
        self, tenant_id: uuid.UUID, rows: Sequence[EmployeeUpsert], now: datetime
    ) -> dict[str, UpsertOutcome]:
        if not rows:
            return {}
        external_ids = [row.profile.external_id for row in rows]
        known = await self.ids_by_external_ids(tenant_id, external_ids)
        records = [_upsert_record(tenant_id, row, now) for row in rows]
        if self._conn.dialect.name == "postgresql":
            written = await self._upsert_postgresql(tenant_id, records)
            await self._refresh_statistics_if_stale(len(records))
        else:
            written = {}
            for start in range(0, len(records), SQLITE_ROWS_PER_STATEMENT):
                chunk = records[start : start + SQLITE_ROWS_PER_STATEMENT]
                written |= await self._upsert_statement(chunk)
        await self.link_pending_managers(tenant_id, external_ids)
        missing = [e for e in external_ids if e not in written and e not in known]
        if missing:
            # Inserted by a concurrent batch after `known` was read: unchanged by this one.
            known |= await self.ids_by_external_ids(tenant_id, missing)
        outcomes = {}
        for external_id in external_ids:
            if external_id in written:
                status = RowStatus.UPDATED if external_id in known else RowStatus.CREATED
                outcomes[external_id] = UpsertOutcome(written[external_id], status)
            else:
                outcomes[external_id] = UpsertOutcome(known[external_id], RowStatus.UNCHANGED)
        return outcomes

    async def _upsert_postgresql(
        self, tenant_id: uuid.UUID, records: list[dict]
    ) -> dict[str, uuid.UUID]:
        # One statement whatever the batch size: each column travels as one array parameter
        # and unnest() turns the arrays back into rows. A manager stored already is linked
        # as the row is written: linking afterwards writes every row a second time.
        columns = list(records[0])
        arrays = [
            sa.bindparam(
                f"column_{name}",
                [record[name] for record in records],
                type_=ARRAY(employees.c[name].type),
            )
            for name in columns
        ]
        source = sa.func.unnest(*arrays).table_valued(*columns).render_derived()
        manager = employees.alias("manager")
        known_manager = (
            sa.select(manager.c.id)
            .where(
                manager.c.tenant_id == tenant_id,
                manager.c.external_id == source.c.manager_external_id,
            )
            .scalar_subquery()
        )
        rows = sa.select(*(source.c[n] for n in columns), known_manager.label("manager_id"))
        return await self._upsert_statement(None, rows)

    async def _upsert_statement(
        self, records: list[dict] | None, source: sa.Select | None = None
    ) -> dict[str, uuid.UUID]:
        insert = insert_for(self._conn, employees)
        if source is not None:
            insert = insert.from_select(list(source.selected_columns.keys()), source)
        else:
            insert = insert.values(records)
        excluded = insert.excluded
        compared = [*_PROFILE_COLUMNS[1:], "manager_external_id"]
        statement = insert.on_conflict_do_update(
            index_elements=["tenant_id", "external_id"],
            set_={
                **{name: excluded[name] for name in compared},
                # A new manager reference: the manager found as the row was written, or
                # none yet (link_pending_managers resolves it when they exist).
                "manager_id": sa.case(
                    (
                        employees.c.manager_external_id.is_distinct_from(
                            excluded.manager_external_id
                        ),
                        excluded.manager_id,
                    ),
                    else_=employees.c.manager_id,
                ),
                "version": employees.c.version + 1,
                "updated_at": excluded.updated_at,
            },
            where=sa.or_(
                *(employees.c[name].is_distinct_from(excluded[name]) for name in compared)
            ),
        ).returning(employees.c.external_id, employees.c.id)
        result = await self._conn.execute(statement)
        return {row.external_id: row.id for row in result}

    async def _refresh_statistics_if_stale(self, batch_size: int) -> None:
        """ANALYZE when the planner believes the table much smaller than the batch just
        written (a first large load): with such statistics PostgreSQL links managers with a
        sequential scan per employee (49 s for 10k rows, 0.45 s after). Only then, because
        ANALYZE holds a lock concurrent ANALYZEs wait for until this transaction ends."""
        estimate = (
            await self._conn.execute(
                sa.text(
                    "SELECT reltuples FROM pg_class WHERE oid = 'employees'::regclass"
                ).execution_options(**{CROSS_TENANT: True})
            )
        ).scalar_one()
        if batch_size >= ANALYZE_AFTER_ROWS and estimate < batch_size:
            await self._conn.execute(
                sa.text("ANALYZE employees").execution_options(**{CROSS_TENANT: True})
            )

    async def lock_reporting_lines(self, tenant_id: uuid.UUID) -> None:
        if self._conn.dialect.name != "postgresql":
            return  # SQLite runs one writing transaction at a time anyway
        key = int.from_bytes(tenant_id.bytes[:8], "big", signed=True)
        await self._conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)")
            .bindparams(key=key)
            .execution_options(**{CROSS_TENANT: True})
        )

    async def link_pending_managers(
        self, tenant_id: uuid.UUID, external_ids: Collection[str] | None = None
    ) -> None:
        manager = employees.alias("manager")
        statement = (
            sa.update(employees)
            .where(
                employees.c.tenant_id == tenant_id,
                employees.c.manager_external_id.is_not(None),
                employees.c.manager_id.is_(None),
                manager.c.tenant_id == tenant_id,
                manager.c.external_id == employees.c.manager_external_id,
            )
            .values(manager_id=manager.c.id, version=employees.c.version + 1)
        )
        if external_ids is not None:
            # Writing a batch can only have made links possible for its own people and for
            # those waiting for one of them as their manager.
            written = set(external_ids)
            statement = statement.where(
                sa.or_(
                    one_of(self._conn, employees.c.external_id, written),
                    one_of(self._conn, employees.c.manager_external_id, written),
                )
            )
        await self._conn.execute(statement)

    async def reporting_links_above(
        self, tenant_id: uuid.UUID, external_ids: Collection[str]
    ) -> dict[str, str | None]:
        if not external_ids:
            return {}
        manager = employees.alias("manager")

        def step(source: sa.FromClause, on: sa.ColumnElement[bool]):
            return (
                sa.select(
                    employees.c.external_id,
                    sa.func.coalesce(manager.c.external_id, employees.c.manager_external_id).label(
                        "manager_external_id"
                    ),
                )
                .select_from(source)
                .outerjoin(
                    manager,
                    sa.and_(
                        manager.c.id == employees.c.manager_id, manager.c.tenant_id == tenant_id
                    ),
                )
                .where(employees.c.tenant_id == tenant_id, on)
            )

        # UNION, not UNION ALL: people share their managers, and each is walked once (a
        # batch of 10,000 in a company of 100,000 would otherwise climb 60,000 chains). It
        # also ends on a stored cycle, as no depth bound is needed for.
        wanted = one_of(self._conn, employees.c.external_id, set(external_ids))
        up = step(employees, wanted).cte("links_up", recursive=True)
        up = up.union(
            step(
                employees.join(up, employees.c.external_id == up.c.manager_external_id),
                sa.true(),
            )
        )
        rows = await self._conn.execute(sa.select(up.c.external_id, up.c.manager_external_id))
        return {row.external_id: row.manager_external_id for row in rows}

    async def ids_by_external_ids(
        self, tenant_id: uuid.UUID, external_ids: Collection[str]
    ) -> dict[str, uuid.UUID]:
        return await ids_by_key(
            self._conn, employees.c.external_id, tenant_id=tenant_id, keys=external_ids
        )

    async def ids_by_emails(
        self, tenant_id: uuid.UUID, emails: Collection[str]
    ) -> dict[str, uuid.UUID]:
        wanted = {email.lower() for email in emails}
        if not wanted:
            return {}
        address = sa.func.lower(employees.c.email)
        rows = await self._conn.execute(
            sa.select(address.label("address"), employees.c.id).where(
                employees.c.tenant_id == tenant_id, address.in_(wanted)
            )
        )
        found: dict[str, list[uuid.UUID]] = {}
        for row in rows:
            found.setdefault(row.address, []).append(row.id)
        return {email: ids[0] for email, ids in found.items() if len(ids) == 1}

    async def standing_by_external_ids(
        self, tenant_id: uuid.UUID, external_ids: Collection[str]
    ) -> dict[str, tuple[EmployeeStatus, str | None]]:
        if not external_ids:
            return {}
        manager = employees.alias("manager")
        rows = await self._conn.execute(
            sa.select(
                employees.c.external_id,
                employees.c.status,
                sa.func.coalesce(manager.c.external_id, employees.c.manager_external_id).label(
                    "manager_external_id"
                ),
            )
            .outerjoin(
                manager,
                sa.and_(manager.c.id == employees.c.manager_id, manager.c.tenant_id == tenant_id),
            )
            .where(
                employees.c.tenant_id == tenant_id,
                one_of(self._conn, employees.c.external_id, set(external_ids)),
            )
        )
        return {
            row.external_id: (EmployeeStatus(row.status), row.manager_external_id) for row in rows
        }

    async def existing(
        self, tenant_id: uuid.UUID, employee_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        return await existing_ids(self._conn, employees, tenant_id=tenant_id, ids=employee_ids)

    async def assign_roles(
        self, tenant_id: uuid.UUID, assignments: Sequence[RoleAssignment], now: datetime
    ) -> dict[uuid.UUID, uuid.UUID | None]:
        if not assignments:
            return {}
        current = await self._conn.execute(
            sa.select(
                employees.c.id, employees.c.current_role_id, employees.c.role_effective_date
            ).where(
                employees.c.tenant_id == tenant_id,
                employees.c.id.in_({a.employee_id for a in assignments}),
            )
        )
        stored = {row.id: (row.current_role_id, row.role_effective_date) for row in current}
        changed = []
        for a in assignments:
            role, since = stored.get(a.employee_id, (None, None))
            if a.effective_date is None:
                a = replace(a, effective_date=since if role == a.role_id else now.date())
            if (role, since) != (a.role_id, a.effective_date):
                changed.append(a)
        if changed:
            await self._conn.execute(
                sa.update(employees)
                .where(
                    employees.c.tenant_id == tenant_id,
                    employees.c.id == sa.bindparam("employee"),
                )
                .values(
                    current_role_id=sa.bindparam("role"),
                    role_effective_date=sa.bindparam("effective"),
                    version=employees.c.version + 1,
                    updated_at=now,
                ),
                [
                    {"employee": a.employee_id, "role": a.role_id, "effective": a.effective_date}
                    for a in changed
                ],
            )
        return {a.employee_id: stored.get(a.employee_id, (None, None))[0] for a in changed}

    async def _write_aspired(self, employee: Employee) -> None:
        if employee.aspired_role_ids:
            await self._conn.execute(
                sa.insert(employee_aspired_roles),
                [
                    {"tenant_id": employee.tenant_id, "employee_id": employee.id, "role_id": role}
                    for role in employee.aspired_role_ids
                ],
            )


async def employee_page(
    conn: AsyncConnection, tenant_id: uuid.UUID, statement: sa.Select, page: PageRequest
) -> Page[Employee]:
    rows_page = await fetch_page_by_id(conn, statement, employees.c.id, page, lambda row: row)
    people = await with_aspired_roles(conn, tenant_id, list(rows_page.items))
    return Page(people, rows_page.cursors, rows_page.has_more)


async def with_aspired_roles(
    conn: AsyncConnection, tenant_id: uuid.UUID, rows: list[sa.Row]
) -> list[Employee]:
    """Employees from rows, with their aspired roles fetched in one query for all of them."""
    if not rows:
        return []
    aspired_rows = await conn.execute(
        sa.select(employee_aspired_roles.c.employee_id, employee_aspired_roles.c.role_id).where(
            employee_aspired_roles.c.tenant_id == tenant_id,
            employee_aspired_roles.c.employee_id.in_([row.id for row in rows]),
        )
    )
    aspired: dict[uuid.UUID, list[uuid.UUID]] = {}
    for row in aspired_rows:
        aspired.setdefault(row.employee_id, []).append(row.role_id)
    return [_employee(row, tuple(sorted(aspired.get(row.id, ())))) for row in rows]


def _employee(row: sa.Row, aspired: tuple[uuid.UUID, ...]) -> Employee:
    return Employee(
        id=row.id,
        tenant_id=row.tenant_id,
        profile=Profile(
            external_id=row.external_id,
            name=row.name,
            email=row.email,
            org_unit_id=row.org_unit_id,
            job_title=row.job_title,
            job_level=row.job_level,
            location=row.location,
            status=EmployeeStatus(row.status),
            hire_date=row.hire_date,
        ),
        manager_id=row.manager_id,
        manager_external_id=row.manager_external_id,
        current_role_id=row.current_role_id,
        role_effective_date=row.role_effective_date,
        aspired_role_ids=aspired,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _employee_values(employee: Employee) -> dict[str, object]:
    profile = employee.profile
    return {
        "id": employee.id,
        "tenant_id": employee.tenant_id,
        **{name: getattr(profile, name) for name in _PROFILE_COLUMNS if name != "status"},
        "status": profile.status.value,
        "manager_id": employee.manager_id,
        "manager_external_id": employee.manager_external_id,
        "current_role_id": employee.current_role_id,
        "role_effective_date": employee.role_effective_date,
        "version": employee.version,
        "created_at": employee.created_at,
        "updated_at": employee.updated_at,
    }


def _upsert_record(tenant_id: uuid.UUID, row: EmployeeUpsert, now: datetime) -> dict[str, object]:
    profile = row.profile
    return {
        "id": new_id(),
        "tenant_id": tenant_id,
        **{name: getattr(profile, name) for name in _PROFILE_COLUMNS if name != "status"},
        "status": profile.status.value,
        "manager_external_id": row.manager_external_id,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


class SqlCohortRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, cohort: Cohort) -> None:
        await self._conn.execute(sa.insert(cohorts).values(_cohort_values(cohort)))

    async def get(self, tenant_id: uuid.UUID, cohort_id: uuid.UUID) -> Cohort | None:
        row = await one_row(self._conn, cohorts, tenant_id=tenant_id, row_id=cohort_id)
        return None if row is None else _cohort(row)

    async def get_many(
        self, tenant_id: uuid.UUID, cohort_ids: Collection[uuid.UUID]
    ) -> list[Cohort]:
        rows = await self._conn.execute(
            sa.select(cohorts).where(
                cohorts.c.tenant_id == tenant_id, cohorts.c.id.in_(set(cohort_ids))
            )
        )
        return [_cohort(row) for row in rows]

    async def id_by_key(self, tenant_id: uuid.UUID, key: str) -> uuid.UUID | None:
        return (
            await self._conn.execute(
                sa.select(cohorts.c.id).where(
                    cohorts.c.tenant_id == tenant_id, cohorts.c.key == key
                )
            )
        ).scalar_one_or_none()

    async def list(self, tenant_id: uuid.UUID, page: PageRequest) -> Page[Cohort]:
        statement = sa.select(cohorts).where(cohorts.c.tenant_id == tenant_id)
        return await fetch_page_by_id(self._conn, statement, cohorts.c.id, page, _cohort)

    async def save(self, cohort: Cohort, *, previous_version: int) -> None:
        values = _cohort_values(cohort)
        await save_versioned(
            self._conn,
            cohorts,
            tenant_id=cohort.tenant_id,
            row_id=cohort.id,
            previous_version=previous_version,
            values={k: v for k, v in values.items() if k not in ("id", "tenant_id", "key", "kind")},
            kind="Cohort",
        )

    async def delete(self, tenant_id: uuid.UUID, cohort_id: uuid.UUID) -> None:
        # Memberships go with it (ON DELETE CASCADE).
        await delete_row(self._conn, cohorts, tenant_id=tenant_id, row_id=cohort_id)

    async def members(self, cohort: Cohort, page: PageRequest) -> Page[Employee]:
        tenant_id = cohort.tenant_id
        statement = sa.select(employees).where(employees.c.tenant_id == tenant_id)
        if cohort.kind is CohortKind.STATIC:
            statement = statement.where(
                employees.c.id.in_(
                    sa.select(cohort_members.c.employee_id).where(
                        cohort_members.c.tenant_id == tenant_id,
                        cohort_members.c.cohort_id == cohort.id,
                    )
                )
            )
        else:
            assert cohort.rule is not None
            statement = statement.where(*rule_criteria(tenant_id, cohort.rule))
        return await employee_page(self._conn, tenant_id, statement, page)

    async def rule_member_ids(self, tenant_id: uuid.UUID, rule: CohortRule) -> set[uuid.UUID]:
        statement = sa.select(employees.c.id).where(
            employees.c.tenant_id == tenant_id, *rule_criteria(tenant_id, rule)
        )
        return set((await self._conn.execute(statement)).scalars())

    async def add_members(self, cohort: Cohort, employee_ids: Collection[uuid.UUID]) -> None:
        if not employee_ids:
            return
        insert = insert_for(self._conn, cohort_members)
        await self._conn.execute(
            insert.on_conflict_do_nothing(),
            [
                {"tenant_id": cohort.tenant_id, "cohort_id": cohort.id, "employee_id": employee}
                for employee in set(employee_ids)
            ],
        )

    async def remove_members(self, cohort: Cohort, employee_ids: Collection[uuid.UUID]) -> None:
        await self._conn.execute(
            sa.delete(cohort_members).where(
                cohort_members.c.tenant_id == cohort.tenant_id,
                cohort_members.c.cohort_id == cohort.id,
                cohort_members.c.employee_id.in_(set(employee_ids)),
            )
        )


def rule_criteria(tenant_id: uuid.UUID, rule: CohortRule) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses on `employees` equivalent to CohortRule.matches."""
    criteria = [employees.c.status == EmployeeStatus.ACTIVE.value]
    if rule.org_unit_ids:
        units = units_at_or_below(tenant_id, rule.org_unit_ids)
        criteria.append(employees.c.org_unit_id.in_(sa.select(units.c.id)))
    if rule.job_levels:
        criteria.append(employees.c.job_level.in_(rule.job_levels))
    if rule.locations:
        criteria.append(employees.c.location.in_(rule.locations))
    if rule.role_ids:
        criteria.append(employees.c.current_role_id.in_(rule.role_ids))
    if rule.manager_ids:
        reports = reports_below(tenant_id, rule.manager_ids)
        criteria.append(employees.c.id.in_(sa.select(reports.c.id)))
    return criteria


def _cohort_values(cohort: Cohort) -> dict[str, object]:
    rule = cohort.rule
    return {
        "id": cohort.id,
        "tenant_id": cohort.tenant_id,
        "key": cohort.key,
        "name": cohort.name,
        "description": cohort.description,
        "kind": cohort.kind.value,
        "rule": None
        if rule is None
        else {
            "org_unit_ids": [str(u) for u in rule.org_unit_ids],
            "job_levels": list(rule.job_levels),
            "locations": list(rule.locations),
            "role_ids": [str(r) for r in rule.role_ids],
            "manager_ids": [str(m) for m in rule.manager_ids],
        },
        "version": cohort.version,
        "created_at": cohort.created_at,
        "updated_at": cohort.updated_at,
    }


def _cohort(row: sa.Row) -> Cohort:
    stored = row.rule
    rule = (
        None
        if stored is None
        else CohortRule(
            org_unit_ids=tuple(uuid.UUID(u) for u in stored["org_unit_ids"]),
            job_levels=tuple(stored["job_levels"]),
            locations=tuple(stored["locations"]),
            role_ids=tuple(uuid.UUID(r) for r in stored["role_ids"]),
            manager_ids=tuple(uuid.UUID(m) for m in stored["manager_ids"]),
        )
    )
    return Cohort(
        id=row.id,
        tenant_id=row.tenant_id,
        key=row.key,
        name=row.name,
        description=row.description,
        kind=CohortKind(row.kind),
        rule=rule,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
