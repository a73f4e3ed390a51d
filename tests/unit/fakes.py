"""In-memory fakes of the ports, so service tests run in milliseconds with no database."""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Self

from app.domain.errors import Unauthenticated
from app.domain.pagination import Page, PageRequest, encode_cursor
from app.domain.tenants import ApiKey, Tenant


class FakeTenantRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Tenant] = {}

    async def add(self, tenant: Tenant) -> None:
        self.rows[tenant.id] = tenant

    async def get(self, tenant_id: uuid.UUID) -> Tenant | None:
        return self.rows.get(tenant_id)


class FakeApiKeyRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, ApiKey] = {}

    async def add(self, key: ApiKey) -> None:
        self.rows[key.id] = key

    async def get(self, tenant_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
        key = self.rows.get(key_id)
        return key if key is not None and key.tenant_id == tenant_id else None

    async def list(self, tenant_id: uuid.UUID, page: PageRequest) -> Page[ApiKey]:
        keys = sorted(
            (k for k in self.rows.values() if k.tenant_id == tenant_id), key=lambda k: k.id
        )
        if page.after is not None:
            keys = [k for k in keys if str(k.id) > page.after[0]]
        visible = keys[: page.limit]
        return Page(visible, [encode_cursor((str(k.id),)) for k in visible], len(keys) > page.limit)

    async def save(self, key: ApiKey) -> None:
        self.rows[key.id] = key

    async def find_by_prefix(self, prefix: str) -> ApiKey | None:
        return next((k for k in self.rows.values() if k.prefix == prefix), None)

    async def purge_dead(self, cutoff: datetime) -> int:
        dead = [
            k.id for k in self.rows.values() if (k.revoked_at or k.expires_at or cutoff) < cutoff
        ]
        for key_id in dead:
            del self.rows[key_id]
        return len(dead)


class FakeUnitOfWork:
    """Shares its repositories across units of work, like one database; counts commits."""

    def __init__(self) -> None:
        self.tenants = FakeTenantRepository()
        self.api_keys = FakeApiKeyRepository()
        self.commits = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    async def commit(self) -> None:
        self.commits += 1


class FakeTokenVerifier:
    """Accepts tokens of the form 'valid:<n>' and returns the claims registered for <n>."""

    def __init__(self, claims: Mapping[str, Mapping[str, object]]) -> None:
        self._claims = claims

    def verify(self, token: str) -> Mapping[str, object]:
        if token not in self._claims:
            raise Unauthenticated("The token is not valid.")
        return self._claims[token]
