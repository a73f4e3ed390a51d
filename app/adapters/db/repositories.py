"""Repositories: domain objects in and out, tenant in every method that touches tenant rows."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from app.adapters.db.pagination import fetch_page_by_id
from app.adapters.db.tables import api_keys, tenants
from app.adapters.db.tenancy import CROSS_TENANT
from app.domain.identity import Role
from app.domain.pagination import Page, PageRequest
from app.domain.tenants import ApiKey, Tenant


class SqlTenantRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, tenant: Tenant) -> None:
        await self._conn.execute(
            sa.insert(tenants).values(
                id=tenant.id, name=tenant.name, active=tenant.active, created_at=tenant.created_at
            )
        )

    async def get(self, tenant_id: uuid.UUID) -> Tenant | None:
        row = (
            await self._conn.execute(sa.select(tenants).where(tenants.c.id == tenant_id))
        ).first()
        return None if row is None else Tenant(**row._mapping)


class SqlApiKeyRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, key: ApiKey) -> None:
        await self._conn.execute(sa.insert(api_keys).values(_api_key_values(key)))

    async def get(self, tenant_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
        statement = sa.select(api_keys).where(
            api_keys.c.tenant_id == tenant_id, api_keys.c.id == key_id
        )
        row = (await self._conn.execute(statement)).first()
        return None if row is None else _api_key(row)

    async def list(self, tenant_id: uuid.UUID, page: PageRequest) -> Page[ApiKey]:
        statement = sa.select(api_keys).where(api_keys.c.tenant_id == tenant_id)
        return await fetch_page_by_id(self._conn, statement, api_keys.c.id, page, _api_key)

    async def record_use(self, key: ApiKey) -> None:
        await self._conn.execute(
            sa.update(api_keys)
            .where(api_keys.c.tenant_id == key.tenant_id, api_keys.c.id == key.id)
            .values(last_used_at=key.last_used_at)
        )

    async def mark_revoked(self, key: ApiKey) -> bool:
        result = await self._conn.execute(
            sa.update(api_keys)
            .where(
                api_keys.c.tenant_id == key.tenant_id,
                api_keys.c.id == key.id,
                api_keys.c.revoked_at.is_(None),
            )
            .values(revoked_at=key.revoked_at)
        )
        return result.rowcount == 1

    async def find_by_prefix(self, prefix: str) -> ApiKey | None:
        statement = (
            sa.select(api_keys)
            .where(api_keys.c.prefix == prefix)
            .execution_options(**{CROSS_TENANT: True})
        )
        row = (await self._conn.execute(statement)).first()
        return None if row is None else _api_key(row)

    async def purge_dead(self, cutoff: datetime) -> int:
        statement = (
            sa.delete(api_keys)
            .where(
                sa.or_(
                    api_keys.c.revoked_at < cutoff,
                    sa.and_(api_keys.c.revoked_at.is_(None), api_keys.c.expires_at < cutoff),
                )
            )
            .execution_options(**{CROSS_TENANT: True})
        )
        return (await self._conn.execute(statement)).rowcount


def _api_key_values(key: ApiKey) -> dict[str, object]:
    return {
        "id": key.id,
        "tenant_id": key.tenant_id,
        "name": key.name,
        "prefix": key.prefix,
        "secret_hash": key.secret_hash,
        "salt": key.salt,
        "roles": sorted(role.value for role in key.roles),
        "employee_id": key.employee_id,
        "created_at": key.created_at,
        "expires_at": key.expires_at,
        "revoked_at": key.revoked_at,
        "last_used_at": key.last_used_at,
    }


def _api_key(row: sa.Row) -> ApiKey:
    values = dict(row._mapping)
    values["roles"] = frozenset(Role(role) for role in values["roles"])
    return ApiKey(**values)
