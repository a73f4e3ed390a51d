"""Tenancy: a statement on tenant-owned rows cannot run without naming a tenant."""

import uuid

import pytest
import sqlalchemy as sa

from app.adapters.db.tables import api_keys, is_tenant_owned, metadata, tenants
from app.adapters.db.tenancy import CROSS_TENANT, TenantScopeViolation


def test_every_table_but_tenants_is_owned_by_a_tenant():
    for table in metadata.sorted_tables:
        if table is tenants:
            continue
        assert is_tenant_owned(table), f"{table.name} has no tenant_id"
        column = table.c.tenant_id
        assert not column.nullable, f"{table.name}.tenant_id is nullable"
        assert {fk.column for fk in column.foreign_keys} == {tenants.c.id}


alias = api_keys.alias("other")
UNSCOPED = {
    "select": sa.select(api_keys.c.id),
    "select by id only": sa.select(api_keys).where(api_keys.c.id == uuid.uuid4()),
    "count in a subquery": sa.select(sa.func.count()).select_from(
        sa.select(api_keys.c.id).subquery()
    ),
    "tenants compared only with each other": sa.select(api_keys.c.id).join(
        alias, alias.c.tenant_id == api_keys.c.tenant_id
    ),
    "update": sa.update(api_keys).where(api_keys.c.id == uuid.uuid4()).values(name="x"),
    "delete": sa.delete(api_keys),
    "insert from an unscoped select": sa.insert(api_keys).from_select(
        ["name"], sa.select(alias.c.name)
    ),
    "tenant under OR": sa.select(api_keys).where(
        sa.or_(api_keys.c.tenant_id == uuid.uuid4(), api_keys.c.id.is_not(None))
    ),
    "tenant under NOT": sa.select(api_keys).where(
        sa.not_(sa.and_(api_keys.c.tenant_id == uuid.uuid4(), api_keys.c.id.is_(None)))
    ),
    "tenant only in the select list": sa.select((api_keys.c.tenant_id == uuid.uuid4()).label("x")),
    "one unscoped UNION branch": sa.union(
        sa.select(api_keys.c.id).where(api_keys.c.tenant_id == uuid.uuid4()),
        sa.select(api_keys.c.id),
    ),
    "only the alias scoped": sa.select(api_keys.c.id, alias.c.id).where(
        alias.c.tenant_id == uuid.uuid4()
    ),
    "tenant IN a subquery": sa.select(api_keys).where(
        api_keys.c.tenant_id.in_(sa.select(tenants.c.id))
    ),
    "tenant compared with an expression of itself": sa.select(api_keys).where(
        api_keys.c.tenant_id == sa.func.coalesce(api_keys.c.tenant_id, uuid.uuid4())
    ),
    "raw SQL": sa.text("SELECT * FROM api_keys"),
    "raw SQL in FROM": sa.select(sa.text("*")).select_from(sa.text("api_keys")),
    "lightweight table": sa.select(sa.table("api_keys", sa.column("id"))),
}


@pytest.mark.parametrize("statement", UNSCOPED.values(), ids=UNSCOPED.keys())
async def test_statements_without_a_tenant_are_refused_before_reaching_the_database(
    engine, statement
):
    async with engine.connect() as conn:
        with pytest.raises(TenantScopeViolation):
            await conn.execute(statement)


async def test_scoped_and_declared_cross_tenant_statements_run(engine, new_tenant):
    created = await new_tenant()
    tenant_id = created.tenant.id
    async with engine.connect() as conn:
        scoped = sa.select(api_keys.c.name).where(api_keys.c.tenant_id == tenant_id)
        assert (await conn.execute(scoped)).scalars().all() == ["Initial admin key"]
        joined = (
            sa.select(alias.c.name)
            .join(api_keys, api_keys.c.tenant_id == alias.c.tenant_id)
            .where(api_keys.c.tenant_id.in_([tenant_id]))
        )
        assert (await conn.execute(joined)).scalars().all() == ["Initial admin key"]
        everyone = sa.select(sa.func.count()).select_from(api_keys)
        total = await conn.execute(everyone.execution_options(**{CROSS_TENANT: True}))
        assert total.scalar_one() >= 1
