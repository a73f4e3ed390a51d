"""The tenancy guard: no statement may read or change tenant-owned rows without naming a tenant.

Installed on the engine, it inspects every Core statement before it runs. A SELECT, UPDATE or
DELETE that touches a table with a `tenant_id` column must compare that column (`=` or `IN`)
somewhere in its criteria, or the statement is refused before it reaches the database. The few
deliberate cross-tenant statements (authentication by key prefix, scheduled sweeps) say so with
`.execution_options(cross_tenant=True)`, which makes them easy to find and review.
"""

import operator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, ColumnClause

from app.adapters.db.tables import is_tenant_owned

CROSS_TENANT = "cross_tenant"
_SCOPING_OPERATORS = {operators.eq, operator.eq, operators.in_op}


class TenantScopeViolation(RuntimeError):
    """A statement touched tenant-owned tables without a tenant criterion. A bug, not bad input."""


def install_tenancy_guard(engine: sa.Engine) -> None:
    event.listen(engine, "before_execute", _before_execute)


def _before_execute(conn, clauseelement, multiparams, params, execution_options) -> None:
    if execution_options.get(CROSS_TENANT):
        return
    unscoped = unscoped_tables(clauseelement)
    if unscoped:
        names = ", ".join(sorted(unscoped))
        raise TenantScopeViolation(
            f"Statement reads or writes {names} without a tenant_id criterion: {clauseelement}"
        )


def unscoped_tables(statement: object) -> set[str]:
    """Names of tenant-owned tables the statement touches without constraining their tenant_id."""
    if isinstance(statement, sa.Insert):
        # A plain INSERT names its tenant in its values (tenant_id is NOT NULL); an
        # INSERT ... SELECT is as scoped as its SELECT.
        return set() if statement.select is None else unscoped_tables(statement.select)
    if not isinstance(statement, sa.Select | sa.CompoundSelect | sa.Update | sa.Delete):
        return set()
    touched: set[str] = set()
    scoped: set[str] = set()
    pinned_to_value = False
    for node in visitors.iterate(statement):
        if isinstance(node, sa.Table) and is_tenant_owned(node):
            touched.add(node.name)
        elif isinstance(node, BinaryExpression) and node.operator in _SCOPING_OPERATORS:
            sides = (node.left, node.right)
            tenant_sides = [_tenant_table_of(side) for side in sides]
            scoped.update(name for name in tenant_sides if name)
            if any(tenant_sides) and not all(isinstance(s, ColumnClause) for s in sides):
                pinned_to_value = True
    unscoped = touched - scoped
    if touched and not unscoped and not pinned_to_value:
        return touched  # tenants compared only with each other, never with a given tenant
    return unscoped


def _tenant_table_of(expression: object) -> str | None:
    if not isinstance(expression, ColumnClause) or expression.name != "tenant_id":
        return None
    table = expression.table
    while table is not None and not isinstance(table, sa.Table):
        table = getattr(table, "element", None)
    return table.name if table is not None else None
