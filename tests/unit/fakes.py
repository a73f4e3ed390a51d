"""In-memory fakes of the ports, so service tests run in milliseconds with no database."""

import uuid
from collections.abc import Mapping
from dataclasses import replace
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

    async def record_use(self, key: ApiKey) -> None:
        self.rows[key.id] = replace(self.rows[key.id], last_used_at=key.last_used_at)

    async def mark_revoked(self, key: ApiKey) -> bool:
        if self.rows[key.id].revoked_at is not None:
            return False
        self.rows[key.id] = replace(self.rows[key.id], revoked_at=key.revoked_at)
        return True

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
    """One in-memory database shared by every unit of work made from it. Like a transaction,
    writes are undone at exit unless committed; commits are counted."""

    def __init__(self) -> None:
        self.tenants = FakeTenantRepository()
        self.api_keys = FakeApiKeyRepository()
        self.commits = 0
        self._snapshot: dict[str, dict] = {}

    def _repositories(self) -> dict[str, object]:
        return {name: repo for name, repo in vars(self).items() if hasattr(repo, "rows")}

    async def __aenter__(self) -> Self:
        self._snapshot = {name: dict(repo.rows) for name, repo in self._repositories().items()}
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for name, repo in self._repositories().items():
            repo.rows = self._snapshot[name]

    async def commit(self) -> None:
        self.commits += 1
        self._snapshot = {name: dict(repo.rows) for name, repo in self._repositories().items()}


class FakeTokenVerifier:
    """Accepts tokens of the form 'valid:<n>' and returns the claims registered for <n>."""

    def __init__(self, claims: Mapping[str, Mapping[str, object]]) -> None:
        self._claims = claims

    def verify(self, token: str) -> Mapping[str, object]:
        if token not in self._claims:
            raise Unauthenticated("The token is not valid.")
        return self._claims[token]
