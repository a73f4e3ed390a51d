"""API key persistence details that a race or a sweep depends on."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.domain.identity import Role
from app.domain.tenants import issue_api_key
from app.services.api_keys import purge_dead_api_keys


async def test_recording_use_with_a_stale_copy_does_not_undo_a_revocation(engine, new_tenant):
    created = await new_tenant()
    key = created.admin_key.key
    uow = SqlUnitOfWorkFactory(engine)
    async with uow() as unit:
        assert await unit.api_keys.mark_revoked(key.revoke(datetime.now(UTC)))
        await unit.commit()
    async with uow() as unit:
        await unit.api_keys.record_use(replace(key, last_used_at=datetime.now(UTC)))
        assert not await unit.api_keys.mark_revoked(key.revoke(datetime.now(UTC)))
        await unit.commit()
    async with uow() as unit:
        stored = await unit.api_keys.get(key.tenant_id, key.id)
    assert stored is not None and stored.revoked_at is not None


async def test_the_purge_removes_only_long_dead_keys_in_every_tenant(engine, new_tenant):
    first, second = await new_tenant("First"), await new_tenant("Second")
    now = datetime.now(UTC)
    uow = SqlUnitOfWorkFactory(engine)
    dead = []
    async with uow() as unit:
        for created in (first, second):
            issued = issue_api_key(
                created.tenant.id, name="old", roles=frozenset({Role.EMPLOYEE}), now=now
            )
            await unit.api_keys.add(replace(issued.key, revoked_at=now - timedelta(days=400)))
            dead.append(issued.key)
        await unit.commit()
    assert await purge_dead_api_keys(uow(), retention_days=90) >= 2
    assert await purge_dead_api_keys(uow(), retention_days=90) == 0
    async with uow() as unit:
        for key in dead:
            assert await unit.api_keys.get(key.tenant_id, key.id) is None
        assert await unit.api_keys.get(first.tenant.id, first.admin_key.key.id) is not None
