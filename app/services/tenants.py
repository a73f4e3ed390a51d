"""Tenant use cases."""

from dataclasses import dataclass

from app.domain.errors import NotFound
from app.domain.identity import Actor, Role
from app.domain.ports import UnitOfWork
from app.domain.tenants import IssuedApiKey, Tenant, issue_api_key
from app.services import utcnow


@dataclass(frozen=True)
class NewTenant:
    tenant: Tenant
    admin_key: IssuedApiKey


async def create_tenant(uow: UnitOfWork, *, name: str) -> NewTenant:
    """Create an organisation and its first hr_admin API key (an operator action, no actor).

    Returns the tenant and the key, whose plaintext is shown this once. Raises InvalidInput
    for an empty or overlong name.
    """
    now = utcnow()
    tenant = Tenant.create(name, now)
    admin_key = issue_api_key(
        tenant.id, name="Initial admin key", roles=frozenset({Role.HR_ADMIN}), now=now
    )
    async with uow:
        await uow.tenants.add(tenant)
        await uow.api_keys.add(admin_key.key)
        await uow.commit()
    return NewTenant(tenant=tenant, admin_key=admin_key)


async def get_current_tenant(uow: UnitOfWork, actor: Actor) -> Tenant:
    """The caller's own organisation. Raises NotFound if it was removed meanwhile."""
    async with uow:
        tenant = await uow.tenants.get(actor.tenant_id)
    if tenant is None:
        raise NotFound("Tenant", actor.tenant_id)
    return tenant
