"""The tenancy guard: no statement may read or change tenant-owned rows without naming a tenant.

Installed on the engine, it inspects every statement before it runs. Every SELECT (subqueries,
CTEs and each branch of a UNION included), UPDATE and DELETE must pin each tenant-owned table it
reads from, under each alias, with a top-level AND condition of its WHERE or JOIN ... ON:
`that.tenant_id = <value>`, `that.tenant_id IN (<values>)`, or `that.tenant_id =
other.tenant_id` where `other` is pinned. Conditions under OR or NOT, in the select list, or
against a subquery do not count. Raw SQL text is refused outright. The few deliberate
cross-tenant statements (authentication by key prefix, scheduled sweeps, migrations) say so
with `.execution_options(cross_tenant=True)`, which makes them easy to find and review.
"""

import operator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import (
    BinaryExpression,
    BindParameter,
    BooleanClauseList,
    ColumnClause,
    Grouping,
    TextClause,
)
from sqlalchemy.sql.selectable import Join, TableClause

from app.adapters.db.tables import metadata

CROSS_TENANT = "cross_tenant"
_EQUALS = {operators.eq, operator.eq}
_TENANT_OWNED = {table.name for table in metadata.tables.values() if "tenant_id" in table.c}


class TenantScopeViolation(RuntimeError):
    """A statement touched tenant-owned tables without a tenant criterion. A bug, not bad input."""


def install_tenancy_guard(engine: sa.Engine) -> None:
    event.listen(engine, "before_execute", _before_execute)


def _before_execute(conn, clauseelement, multiparams, params, execution_options) -> None:
    if execution_options.get(CROSS_TENANT):
        return
    unscoped = _checked(clauseelement)
    if unscoped:
        names = ", ".join(sorted(unscoped))
        raise TenantScopeViolation(
            f"Statement reads or writes {names} without a tenant_id criterion: {clauseelement}"
        )


_verdicts: dict[object, frozenset[str]] = {}
_MAX_VERDICTS = 4096


def _checked(statement: object) -> frozenset[str]:
    """unscoped_tables, remembered per statement shape: the verdict depends on the structure
    only (bound values are not part of SQLAlchemy's cache key), and walking a large statement
    costs milliseconds on every request."""
    cache_key = statement._generate_cache_key() if isinstance(statement, sa.ClauseElement) else None
    if cache_key is None:
        return frozenset(unscoped_tables(statement))
    key = cache_key.key
    verdict = _verdicts.get(key)
    if verdict is None:
        if len(_verdicts) >= _MAX_VERDICTS:
            _verdicts.clear()
        verdict = _verdicts[key] = frozenset(unscoped_tables(statement))
    return verdict


def unscoped_tables(statement: object) -> set[str]:
    """Names of tenant-owned tables the statement touches without pinning their tenant_id."""
    if isinstance(statement, TextClause):
        return {"<raw SQL text>"}
    if not isinstance(statement, sa.ClauseElement):
        return set()
    unscoped: set[str] = set()
    _walk(statement, frozenset(), unscoped)
    return unscoped


def _walk(node: sa.ClauseElement, outer: frozenset[int], unscoped: set[str]) -> None:
    """Check every SELECT/UPDATE/DELETE in the tree. A subquery in a WHERE clause or a select
    list that names a FROM element of an enclosing statement is correlated to it (as SQLAlchemy
    renders it), so that element is scoped by the enclosing statement, not the subquery."""
    own: list[object] = []
    if isinstance(node, sa.Select):
        conditions = _conjuncts(node.whereclause)
        for from_clause in node.get_final_froms():
            own += _flatten_join(from_clause, conditions)
        unscoped |= _unscoped_in([e for e in own if id(e) not in outer], conditions)
    elif isinstance(node, sa.Update | sa.Delete):
        own = [node.table, *_extra_froms(node)]
        unscoped |= _unscoped_in(own, _conjuncts(node.whereclause))
    from_ids = {id(e) for e in own} | (
        {id(f) for f in node.get_final_froms()} if isinstance(node, sa.Select) else set()
    )
    inner = outer | {id(e) for e in own}
    for child in node.get_children():
        _walk(child, outer if id(child) in from_ids else inner, unscoped)


def _extra_froms(statement: sa.Update | sa.Delete) -> list[object]:
    return list(getattr(statement, "_extra_froms", ()))


def _flatten_join(from_clause: object, conditions: list[object]) -> list[object]:
    if isinstance(from_clause, Join):
        conditions += _conjuncts(from_clause.onclause)
        return _flatten_join(from_clause.left, conditions) + _flatten_join(
            from_clause.right, conditions
        )
    return [from_clause]


def _unscoped_in(elements: list[object], conditions: list[object]) -> set[str]:
    owned = {}
    for element in elements:
        if isinstance(element, TextClause):
            return {"<raw SQL text>"}
        name = _owned_table_name(element)
        if name is not None:
            owned[id(element)] = name
    if not owned:
        return set()
    pinned: set[int] = set()
    links: list[tuple[int, int]] = []
    for condition in conditions:
        if not isinstance(condition, BinaryExpression):
            continue
        left, right = _tenant_source(condition.left), _tenant_source(condition.right)
        if condition.operator in _EQUALS:
            if left is not None and right is not None:
                links.append((left, right))
            elif left is not None and _is_value(condition.right):
                pinned.add(left)
            elif right is not None and _is_value(condition.left):
                pinned.add(right)
        elif (
            condition.operator is operators.in_op
            and left is not None
            and _is_value(condition.right)
        ):
            pinned.add(left)
    changed = True
    while changed:
        changed = False
        for a, b in links:
            if (a in pinned) != (b in pinned):
                pinned |= {a, b}
                changed = True
    return {name for key, name in owned.items() if key not in pinned}


def _owned_table_name(element: object) -> str | None:
    base = element.element if isinstance(element, sa.Alias) else element
    if isinstance(base, TableClause) and base.name in _TENANT_OWNED:
        return base.name
    return None


def _tenant_source(expression: object) -> int | None:
    """The FROM element whose tenant_id this expression is, if it is one."""
    if isinstance(expression, ColumnClause) and expression.name == "tenant_id":
        table = expression.table
        if table is not None and _owned_table_name(table) is not None:
            return id(table)
    return None


def _is_value(expression: object) -> bool:
    """A literal or bound value (or a list of them), not a column or a subquery."""
    if isinstance(expression, Grouping):
        return all(
            _is_value(e) for e in getattr(expression.element, "clauses", [expression.element])
        )
    return isinstance(expression, BindParameter)


def _conjuncts(clause: object) -> list[object]:
    """The top-level AND terms of a condition (nothing under OR or NOT)."""
    if clause is None:
        return []
    if isinstance(clause, Grouping):
        return _conjuncts(clause.element)
    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        terms: list[object] = []
        for term in clause.clauses:
            terms += _conjuncts(term)
        return terms
    return [clause]
