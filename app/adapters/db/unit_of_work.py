"""The SQL unit of work: one connection, one transaction, rolled back unless committed."""

from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.adapters.db.repositories import SqlApiKeyRepository, SqlTenantRepository


class SqlUnitOfWork:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("This unit of work is already open; ask the factory for another.")
        self._conn = await self._engine.connect()
        await self._conn.begin()
        self.tenants = SqlTenantRepository(self._conn)
        self.api_keys = SqlApiKeyRepository(self._conn)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._conn is not None
        try:
            if self._conn.in_transaction():
                await self._conn.rollback()
        finally:
            await self._conn.close()
            self._conn = None

    async def commit(self) -> None:
        assert self._conn is not None
        await self._conn.commit()


class SqlUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._engine)
