"""Turn presented credentials (an API key or a bearer token) into an Actor."""

import uuid
from collections.abc import Mapping

from app.domain.errors import Unauthenticated
from app.domain.identity import Actor, Role
from app.domain.ports import TokenVerifier, UnitOfWork
from app.domain.tenants import parse_api_key
from app.services import utcnow


async def authenticate_api_key(uow: UnitOfWork, *, presented: str) -> Actor:
    """The actor an API key speaks for. Raises Unauthenticated for unknown, revoked or
    expired keys, or keys of an inactive tenant, with one message for all so callers learn
    nothing about which keys exist."""
    parsed = parse_api_key(presented)
    if parsed is None:
        raise Unauthenticated("The API key is not valid.")
    now = utcnow()
    async with uow:
        key = await uow.api_keys.find_by_prefix(parsed.prefix)
        if key is None or not key.matches(parsed.secret) or not key.is_usable(now):
            raise Unauthenticated("The API key is not valid.")
        tenant = await uow.tenants.get(key.tenant_id)
        if tenant is None or not tenant.active:
            raise Unauthenticated("The API key is not valid.")
        used = key.record_use(now)
        if used is not None:
            await uow.api_keys.record_use(used)
            await uow.commit()
    return Actor(
        tenant_id=key.tenant_id,
        roles=key.roles,
        employee_id=key.employee_id,
        credential_id=f"api_key:{key.id}",
    )


async def authenticate_bearer(uow: UnitOfWork, verifier: TokenVerifier, *, token: str) -> Actor:
    """The actor a signed token speaks for: claims `tenant` (id), `sub` (employee id, optional)
    and `roles`. Raises Unauthenticated for a bad signature or claims, or an unknown tenant."""
    claims = verifier.verify(token)
    tenant_id = _uuid_claim(claims, "tenant", required=True)
    employee_id = _uuid_claim(claims, "sub", required=False)
    roles = _roles_claim(claims)
    async with uow:
        tenant = await uow.tenants.get(tenant_id)
    if tenant is None or not tenant.active:
        raise Unauthenticated("The token names no active tenant.")
    return Actor(
        tenant_id=tenant_id,
        roles=roles,
        employee_id=employee_id,
        credential_id=_token_caller(claims, employee_id),
    )


def _token_caller(claims: Mapping[str, object], employee_id: uuid.UUID | None) -> str:
    """Who holds the token, for scoping idempotency keys: the employee, else the OAuth
    client (`azp` or `client_id`), else every subject-less token of the tenant alike."""
    if employee_id is not None:
        return f"jwt:{employee_id}"
    client = claims.get("azp") or claims.get("client_id")
    return f"jwt:client:{client}"[:100] if client else "jwt"


def _uuid_claim(claims: Mapping[str, object], name: str, *, required: bool) -> uuid.UUID | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Unauthenticated(f"The token's `{name}` claim is not an id.") from None


def _roles_claim(claims: Mapping[str, object]) -> frozenset[Role]:
    raw = claims.get("roles")
    if not isinstance(raw, list) or not raw:
        raise Unauthenticated("The token's `roles` claim must list at least one role.")
    try:
        return frozenset(Role(str(role)) for role in raw)
    except ValueError:
        known = ", ".join(role.value for role in Role)
        raise Unauthenticated(f"The token names an unknown role; known roles: {known}.") from None
