"""The ports the services need: repositories, the unit of work, and outside gateways.

Adapters implement these Protocols; services and tests depend on them only.
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol, Self

from app.domain.pagination import Page, PageRequest
from app.domain.tenants import ApiKey, Tenant


class TenantRepository(Protocol):
    async def add(self, tenant: Tenant) -> None: ...

    async def get(self, tenant_id: uuid.UUID) -> Tenant | None: ...


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...

    async def get(self, tenant_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None: ...

    async def list(self, tenant_id: uuid.UUID, page: PageRequest) -> Page[ApiKey]: ...

    async def record_use(self, key: ApiKey) -> None:
        """Store only `last_used_at`: never rewrite fields a concurrent revoke may have set."""
        ...

    async def mark_revoked(self, key: ApiKey) -> bool:
        """Store the revocation unless the key was already revoked; False in that case."""
        ...

    async def find_by_prefix(self, prefix: str) -> ApiKey | None:
        """The one lookup made before the tenant is known: prefixes are unique across tenants."""
        ...

    async def purge_dead(self, cutoff: datetime) -> int:
        """Delete, in every tenant, keys revoked or expired before `cutoff`; return how many."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Entering opens it; only `commit` makes its writes stay."""

    tenants: TenantRepository
    api_keys: ApiKeyRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class TokenVerifier(Protocol):
    """Checks a bearer token's signature and claims; returns them or raises Unauthenticated."""

    def verify(self, token: str) -> Mapping[str, object]: ...


class DependencyProbe(Protocol):
    """Something the service needs to be ready (the database, Redis)."""

    name: str

    async def check(self) -> None:
        """Return when reachable; raise any exception when not."""
        ...
