"""What integrations write: the identity provider's accounts and groups (searched in one
statement per page), xAPI statements, and the audit log. A search condition becomes a WHERE
clause meaning what `app.domain.directory.matches` says it means."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.common import insert_for
from app.adapters.db.pagination import fetch_page_by_id
from app.adapters.db.tables import (
    audit_entries,
    cohort_members,
    cohorts,
    employees,
    org_units,
    scim_groups,
    scim_users,
    xapi_statements,
)
from app.domain.audit import AuditEntry, AuditFilter, Channel
from app.domain.cohorts import CohortKind
from app.domain.directory import (
    BOOLEANS,
    CASE_EXACT,
    IDENTIFIERS,
    Account,
    AllOf,
    AnyOf,
    Attribute,
    Compare,
    Condition,
    Constant,
    GroupAttribute,
    Match,
    Negation,
    ProvisionedGroup,
    ProvisionedUser,
    UserAttribute,
)
from app.domain.errors import Conflict
from app.domain.pagination import Page, PageRequest
from app.domain.people import EmployeeStatus
from app.domain.xapi import StatementOutcome, StoredStatement

Columns = Callable[[Attribute], sa.ColumnElement]


class SqlDirectoryRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def identities(
        self, tenant_id: uuid.UUID, employee_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, ProvisionedUser]:
        if not employee_ids:
            return {}
        rows = await self._conn.execute(
            sa.select(scim_users).where(
                scim_users.c.tenant_id == tenant_id,
                scim_users.c.employee_id.in_(set(employee_ids)),
            )
        )
        return {row.employee_id: _identity(row) for row in rows}

    async def employee_with_user_name(
        self, tenant_id: uuid.UUID, user_name: str
    ) -> uuid.UUID | None:
        return (
            await self._conn.execute(
                sa.select(scim_users.c.employee_id).where(
                    scim_users.c.tenant_id == tenant_id,
                    scim_users.c.user_name_key == user_name.lower(),
                )
            )
        ).scalar_one_or_none()

    async def add_identity(self, identity: ProvisionedUser) -> None:
        await self._conn.execute(sa.insert(scim_users).values(_identity_values(identity)))

    async def save_identity(self, identity: ProvisionedUser, *, previous_version: int) -> None:
        values = _identity_values(identity)
        result = await self._conn.execute(
            sa.update(scim_users)
            .where(
                scim_users.c.tenant_id == identity.tenant_id,
                scim_users.c.employee_id == identity.employee_id,
                scim_users.c.version == previous_version,
            )
            .values({k: v for k, v in values.items() if k not in ("tenant_id", "employee_id")})
        )
        if result.rowcount != 1:
            raise Conflict(f"User {identity.employee_id} was changed meanwhile; retry.")

    async def search_users(
        self, tenant_id: uuid.UUID, condition: Condition | None, *, offset: int, limit: int
    ) -> tuple[int, list[uuid.UUID]]:
        source = employees.outerjoin(
            scim_users,
            sa.and_(
                scim_users.c.employee_id == employees.c.id, scim_users.c.tenant_id == tenant_id
            ),
        )
        where = [employees.c.tenant_id == tenant_id]
        if condition is not None:
            where.append(self._where(condition, _user_column))
        return await self._window(
            source, where, employees.c.id, (employees.c.created_at, employees.c.id), offset, limit
        )

    async def unit_keys(self, tenant_id: uuid.UUID, departments: Collection[str]) -> dict[str, str]:
        wanted = {d for d in departments if d}
        if not wanted:
            return {}
        lowered = {d.lower() for d in wanted}
        rows = await self._conn.execute(
            sa.select(org_units.c.key, org_units.c.name).where(
                org_units.c.tenant_id == tenant_id,
                sa.or_(org_units.c.key.in_(wanted), sa.func.lower(org_units.c.name).in_(lowered)),
            )
        )
        by_key: dict[str, str] = {}
        by_name: dict[str, str] = {}
        for row in rows:
            by_key[row.key] = row.key
            by_name.setdefault(row.name.lower(), row.key)
        return {
            d: by_key.get(d) or by_name[d.lower()]
            for d in wanted
            if d in by_key or d.lower() in by_name
        }

    async def groups(
        self, tenant_id: uuid.UUID, cohort_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, ProvisionedGroup]:
        if not cohort_ids:
            return {}
        rows = await self._conn.execute(
            sa.select(scim_groups).where(
                scim_groups.c.tenant_id == tenant_id, scim_groups.c.cohort_id.in_(set(cohort_ids))
            )
        )
        return {row.cohort_id: ProvisionedGroup(**row._mapping) for row in rows}

    async def add_group(self, group: ProvisionedGroup) -> None:
        await self._conn.execute(sa.insert(scim_groups).values(_group_values(group)))

    async def save_group(self, group: ProvisionedGroup, *, previous_version: int) -> None:
        values = _group_values(group)
        result = await self._conn.execute(
            sa.update(scim_groups)
            .where(
                scim_groups.c.tenant_id == group.tenant_id,
                scim_groups.c.cohort_id == group.cohort_id,
                scim_groups.c.version == previous_version,
            )
            .values({k: v for k, v in values.items() if k not in ("tenant_id", "cohort_id")})
        )
        if result.rowcount != 1:
            raise Conflict(f"Group {group.cohort_id} was changed meanwhile; retry.")

    async def search_groups(
        self, tenant_id: uuid.UUID, condition: Condition | None, *, offset: int, limit: int
    ) -> tuple[int, list[uuid.UUID]]:
        source = cohorts.outerjoin(
            scim_groups,
            sa.and_(scim_groups.c.cohort_id == cohorts.c.id, scim_groups.c.tenant_id == tenant_id),
        )
        where = [cohorts.c.tenant_id == tenant_id, cohorts.c.kind == CohortKind.STATIC.value]
        if condition is not None:
            where.append(self._where(condition, _group_column))
        return await self._window(
            source, where, cohorts.c.id, (cohorts.c.created_at, cohorts.c.id), offset, limit
        )

    async def member_ids(
        self, tenant_id: uuid.UUID, cohort_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        found: dict[uuid.UUID, list[uuid.UUID]] = {cohort: [] for cohort in cohort_ids}
        if not cohort_ids:
            return found
        rows = await self._conn.execute(
            sa.select(cohort_members.c.cohort_id, cohort_members.c.employee_id)
            .where(
                cohort_members.c.tenant_id == tenant_id,
                cohort_members.c.cohort_id.in_(set(cohort_ids)),
            )
            .order_by(cohort_members.c.cohort_id, cohort_members.c.employee_id)
        )
        for row in rows:
            found[row.cohort_id].append(row.employee_id)
        return found

    async def _window(
        self,
        source: sa.FromClause,
        where: list[sa.ColumnElement[bool]],
        id_column: sa.ColumnElement[uuid.UUID],
        order: tuple[sa.ColumnElement, ...],
        offset: int,
        limit: int,
    ) -> tuple[int, list[uuid.UUID]]:
        # SCIM pages by startIndex (RFC 7644 3.4.2.4): an offset is what the protocol asks for.
        total = (
            await self._conn.execute(sa.select(sa.func.count()).select_from(source).where(*where))
        ).scalar_one()
        if limit == 0 or offset >= total:
            return total, []
        rows = await self._conn.execute(
            sa.select(id_column)
            .select_from(source)
            .where(*where)
            .order_by(*order)
            .offset(offset)
            .limit(limit)
        )
        return total, list(rows.scalars())

    def _where(self, condition: Condition, column: Columns) -> sa.ColumnElement[bool]:
        return condition_sql(condition, column, self._conn.dialect.name)


def condition_sql(condition: Condition, column: Columns, dialect: str) -> sa.ColumnElement[bool]:
    """The WHERE clause selecting what `matches(condition, ...)` accepts."""
    if isinstance(condition, Constant):
        return _always(condition.value)
    if isinstance(condition, AllOf):
        return sa.and_(*(condition_sql(t, column, dialect) for t in condition.terms))
    if isinstance(condition, AnyOf):
        return sa.or_(*(condition_sql(t, column, dialect) for t in condition.terms))
    if isinstance(condition, Negation):
        return sa.not_(condition_sql(condition.term, column, dialect))
    return _compare_sql(condition, column(condition.attribute), dialect)


def _compare_sql(compare: Compare, actual: sa.ColumnElement, dialect: str) -> sa.ColumnElement:
    attribute, match, expected = compare.attribute, compare.match, compare.value
    if attribute in BOOLEANS:
        # `actual` is never null: an employee is active or not.
        if match is Match.PRESENT:
            return _always(True)
        return actual if (expected is True) == (match is Match.EQ) else sa.not_(actual)
    if attribute in IDENTIFIERS:
        if match is Match.PRESENT:
            return _always(True)
        try:
            wanted = uuid.UUID(str(expected))
        except ValueError:
            return _always(match is not Match.EQ)
        return actual == wanted if match is Match.EQ else actual != wanted
    known = actual.is_not(None)
    if match is Match.PRESENT:
        return sa.and_(known, actual != "")
    assert isinstance(expected, str)
    if attribute not in CASE_EXACT:
        actual, expected = sa.func.lower(actual), expected.lower()
    if match is Match.EQ:
        test = actual == expected
    elif match is Match.NE:
        test = actual != expected
    elif match is Match.STARTS_WITH:
        test = sa.func.substr(actual, 1, len(expected)) == expected
    elif match is Match.ENDS_WITH:
        start = sa.func.length(actual) - len(expected) + 1
        test = sa.and_(start >= 1, sa.func.substr(actual, start) == expected)
    else:
        # LIKE ignores case on SQLite whatever the attribute; a position search does not.
        position = sa.func.strpos if dialect == "postgresql" else sa.func.instr
        test = position(actual, expected) > 0
    return sa.and_(known, test)


def _always(value: bool) -> sa.ColumnElement[bool]:
    """A constant condition. Not sa.false(): SQLAlchemy folds `x AND false` into `false`,
    which would drop the tenant criterion beside it (and the tenancy guard refuses that)."""
    return sa.literal(1) == (1 if value else 0)


def _user_column(attribute: Attribute) -> sa.ColumnElement:
    return {
        UserAttribute.ID: employees.c.id,
        UserAttribute.USER_NAME: sa.func.coalesce(
            scim_users.c.user_name, employees.c.email, employees.c.external_id
        ),
        UserAttribute.EXTERNAL_ID: scim_users.c.external_id,
        UserAttribute.EMAIL: employees.c.email,
        UserAttribute.ACTIVE: employees.c.status == EmployeeStatus.ACTIVE.value,
        UserAttribute.DISPLAY_NAME: employees.c.name,
        UserAttribute.TITLE: employees.c.job_title,
        UserAttribute.EMPLOYEE_NUMBER: employees.c.external_id,
    }[attribute]


def _group_column(attribute: Attribute) -> sa.ColumnElement:
    return {
        GroupAttribute.ID: cohorts.c.id,
        GroupAttribute.DISPLAY_NAME: cohorts.c.name,
        GroupAttribute.EXTERNAL_ID: scim_groups.c.external_id,
    }[attribute]


def _identity(row: sa.Row) -> ProvisionedUser:
    stored = dict(row.account)
    document = stored.pop("document", {})
    return ProvisionedUser(
        tenant_id=row.tenant_id,
        employee_id=row.employee_id,
        account=Account(**stored, document=document),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _identity_values(identity: ProvisionedUser) -> dict[str, object]:
    account = identity.account
    return {
        "tenant_id": identity.tenant_id,
        "employee_id": identity.employee_id,
        "user_name": account.user_name,
        "user_name_key": account.user_name.lower(),
        "external_id": account.external_id,
        "account": {**_account_values(account), "document": dict(account.document)},
        "version": identity.version,
        "created_at": identity.created_at,
        "updated_at": identity.updated_at,
    }


def _account_values(account: Account) -> dict[str, object]:
    return {
        name: getattr(account, name) for name in Account.__dataclass_fields__ if name != "document"
    }


def _group_values(group: ProvisionedGroup) -> dict[str, object]:
    return {
        "tenant_id": group.tenant_id,
        "cohort_id": group.cohort_id,
        "external_id": group.external_id,
        "document": dict(group.document),
        "version": group.version,
        "created_at": group.created_at,
        "updated_at": group.updated_at,
    }


class SqlAuditLog:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def record(self, entries: Sequence[AuditEntry]) -> None:
        if entries:
            await self._conn.execute(
                sa.insert(audit_entries), [_entry_values(entry) for entry in entries]
            )

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, criteria: AuditFilter
    ) -> Page[AuditEntry]:
        statement = sa.select(audit_entries).where(audit_entries.c.tenant_id == tenant_id)
        if criteria.channel is not None:
            statement = statement.where(audit_entries.c.channel == criteria.channel.value)
        if criteria.target_type is not None:
            statement = statement.where(audit_entries.c.target_type == criteria.target_type)
        if criteria.target_id is not None:
            statement = statement.where(audit_entries.c.target_id == criteria.target_id)
        return await fetch_page_by_id(self._conn, statement, audit_entries.c.id, page, _entry)


def _entry_values(entry: AuditEntry) -> Mapping[str, object]:
    return {
        "id": entry.id,
        "tenant_id": entry.tenant_id,
        "at": entry.at,
        "actor": entry.actor,
        "channel": entry.channel.value,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "changes": dict(entry.changes),
    }


def _entry(row: sa.Row) -> AuditEntry:
    values = dict(row._mapping)
    return AuditEntry(**(values | {"channel": Channel(values["channel"])}))


class SqlStatementRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get_many(
        self, tenant_id: uuid.UUID, statement_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, StoredStatement]:
        if not statement_ids:
            return {}
        rows = await self._conn.execute(
            sa.select(xapi_statements).where(
                xapi_statements.c.tenant_id == tenant_id,
                xapi_statements.c.id.in_(set(statement_ids)),
            )
        )
        return {row.id: _statement(row) for row in rows}

    async def store(self, statements: Sequence[StoredStatement]) -> None:
        if not statements:
            return
        insert = insert_for(self._conn, xapi_statements)
        await self._conn.execute(
            insert.on_conflict_do_update(
                index_elements=["tenant_id", "id"],
                set_={
                    "outcome": insert.excluded.outcome,
                    "plan_id": insert.excluded.plan_id,
                    "updated_at": insert.excluded.updated_at,
                },
            ),
            [_statement_values(s) for s in statements],
        )

    async def list(
        self, tenant_id: uuid.UUID, page: PageRequest, *, outcome: StatementOutcome | None
    ) -> Page[StoredStatement]:
        statement = sa.select(xapi_statements).where(xapi_statements.c.tenant_id == tenant_id)
        if outcome is not None:
            statement = statement.where(xapi_statements.c.outcome == outcome.value)
        return await fetch_page_by_id(self._conn, statement, xapi_statements.c.id, page, _statement)


def _statement(row: sa.Row) -> StoredStatement:
    values = dict(row._mapping)
    return StoredStatement(**(values | {"outcome": StatementOutcome(values["outcome"])}))


def _statement_values(statement: StoredStatement) -> dict[str, object]:
    return {
        "tenant_id": statement.tenant_id,
        "id": statement.id,
        "fingerprint": statement.fingerprint,
        "outcome": statement.outcome.value,
        "plan_id": statement.plan_id,
        "document": dict(statement.document),
        "stored_at": statement.stored_at,
        "updated_at": statement.updated_at,
    }
