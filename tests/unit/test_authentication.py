import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from app.domain.identity import Actor, Role
from app.domain.pagination import PageRequest
from app.services import api_keys
from app.services.authentication import authenticate_api_key, authenticate_bearer
from app.services.tenants import create_tenant
from tests.unit.fakes import FakeTokenVerifier, FakeUnitOfWork


@pytest.fixture
def uow():
    return FakeUnitOfWork()


async def new_tenant(uow, name="Acme"):
    created = await create_tenant(uow, name=name)
    admin = Actor(tenant_id=created.tenant.id, roles=frozenset({Role.HR_ADMIN}))
    return created, admin


async def test_the_initial_key_authenticates_as_hr_admin_of_its_tenant(uow):
    created, _ = await new_tenant(uow)
    actor = await authenticate_api_key(uow, presented=created.admin_key.plaintext)
    assert actor.tenant_id == created.tenant.id
    assert actor.roles == {Role.HR_ADMIN}


async def test_a_wrong_secret_with_a_real_prefix_is_refused(uow):
    created, _ = await new_tenant(uow)
    with pytest.raises(Unauthenticated):
        await authenticate_api_key(uow, presented=created.admin_key.plaintext[:-1] + "?")


async def test_revoked_and_expired_keys_are_refused(uow):
    created, admin = await new_tenant(uow)
    soon = datetime.now(UTC) + timedelta(seconds=30)
    issued = await api_keys.create_api_key(
        uow, admin, name="short", roles=frozenset({Role.EMPLOYEE}), expires_at=soon
    )
    await authenticate_api_key(uow, presented=issued.plaintext)
    uow.api_keys.rows[issued.key.id] = replace(issued.key, expires_at=datetime.now(UTC))
    with pytest.raises(Unauthenticated):
        await authenticate_api_key(uow, presented=issued.plaintext)
    await api_keys.revoke_api_key(uow, admin, key_id=created.admin_key.key.id)
    with pytest.raises(Unauthenticated):
        await authenticate_api_key(uow, presented=created.admin_key.plaintext)


async def test_keys_of_a_deactivated_tenant_are_refused(uow):
    created, _ = await new_tenant(uow)
    uow.tenants.rows[created.tenant.id] = replace(created.tenant, active=False)
    with pytest.raises(Unauthenticated):
        await authenticate_api_key(uow, presented=created.admin_key.plaintext)


async def test_authenticating_records_last_use_without_a_write_every_time(uow):
    created, _ = await new_tenant(uow)
    commits = uow.commits
    await authenticate_api_key(uow, presented=created.admin_key.plaintext)
    await authenticate_api_key(uow, presented=created.admin_key.plaintext)
    assert uow.commits == commits + 1
    assert uow.api_keys.rows[created.admin_key.key.id].last_used_at is not None


async def test_only_hr_admin_manages_keys(uow):
    created, _ = await new_tenant(uow)
    for role in (Role.EMPLOYEE, Role.MANAGER, Role.INTEGRATION):
        caller = Actor(tenant_id=created.tenant.id, roles=frozenset({role}))
        with pytest.raises(Forbidden):
            await api_keys.list_api_keys(uow, caller, page=PageRequest())
        with pytest.raises(Forbidden):
            await api_keys.create_api_key(uow, caller, name="x", roles=frozenset({role}))


async def test_another_tenants_key_is_not_found_and_stays_usable(uow):
    first, _ = await new_tenant(uow, "First")
    _, second_admin = await new_tenant(uow, "Second")
    with pytest.raises(NotFound):
        await api_keys.get_api_key(uow, second_admin, key_id=first.admin_key.key.id)
    with pytest.raises(NotFound):
        await api_keys.revoke_api_key(uow, second_admin, key_id=first.admin_key.key.id)
    await authenticate_api_key(uow, presented=first.admin_key.plaintext)


async def test_listing_pages_through_every_key_once(uow):
    _, admin = await new_tenant(uow)
    for number in range(6):
        await api_keys.create_api_key(
            uow, admin, name=f"k{number}", roles=frozenset({Role.EMPLOYEE})
        )
    seen, cursor = [], None
    while True:
        page = await api_keys.list_api_keys(
            uow, admin, page=PageRequest.parse(limit=4, cursor=cursor)
        )
        seen += [key.name for key in page.items]
        if not page.has_more:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(["Initial admin key"] + [f"k{n}" for n in range(6)])


async def test_the_fake_unit_of_work_drops_uncommitted_writes(uow):
    created, _ = await new_tenant(uow)
    with pytest.raises(InvalidInput):
        async with uow:
            await uow.tenants.add(replace(created.tenant, id=uuid.uuid4()))
            raise InvalidInput("stop")
    assert list(uow.tenants.rows) == [created.tenant.id]


async def test_purging_forgets_only_keys_dead_longer_than_the_retention(uow):
    created, admin = await new_tenant(uow)
    live = await api_keys.create_api_key(uow, admin, name="live", roles=frozenset({Role.EMPLOYEE}))
    old = datetime.now(UTC) - timedelta(days=91)
    dead = await api_keys.create_api_key(uow, admin, name="dead", roles=frozenset({Role.EMPLOYEE}))
    uow.api_keys.rows[dead.key.id] = replace(dead.key, revoked_at=old)
    assert await api_keys.purge_dead_api_keys(uow, retention_days=90) == 1
    assert await api_keys.purge_dead_api_keys(uow, retention_days=90) == 0
    assert set(uow.api_keys.rows) == {created.admin_key.key.id, live.key.id}


TENANT = uuid.uuid4()


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"roles": ["employee"]}, "tenant"),
        ({"tenant": "nope", "roles": ["employee"]}, "tenant"),
        ({"tenant": "T", "roles": []}, "roles"),
        ({"tenant": "T", "roles": ["superuser"]}, "unknown role"),
        ({"tenant": "T", "sub": "nope", "roles": ["employee"]}, "sub"),
    ],
)
async def test_bearer_tokens_with_bad_claims_are_refused(uow, claims, reason):
    created, _ = await new_tenant(uow)
    claims = {k: str(created.tenant.id) if v == "T" else v for k, v in claims.items()}
    verifier = FakeTokenVerifier({"token": claims})
    with pytest.raises(Unauthenticated, match=reason):
        await authenticate_bearer(uow, verifier, token="token")


async def test_a_bearer_token_speaks_for_its_employee_and_roles(uow):
    created, _ = await new_tenant(uow)
    employee = uuid.uuid4()
    claims = {"tenant": str(created.tenant.id), "sub": str(employee), "roles": ["manager"]}
    actor = await authenticate_bearer(uow, FakeTokenVerifier({"token": claims}), token="token")
    assert (actor.tenant_id, actor.employee_id, actor.roles) == (
        created.tenant.id,
        employee,
        {Role.MANAGER},
    )


async def test_a_token_for_an_unknown_tenant_is_refused(uow):
    verifier = FakeTokenVerifier({"token": {"tenant": str(TENANT), "roles": ["employee"]}})
    with pytest.raises(Unauthenticated):
        await authenticate_bearer(uow, verifier, token="token")
