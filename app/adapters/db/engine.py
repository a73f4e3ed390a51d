"""Engine construction for both databases, with the tenancy guard always installed."""

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.adapters.db.tenancy import install_tenancy_guard
from app.domain.ids import new_id


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    # Statement parameters hold secrets (webhook signing secrets, personal data):
    # hide_parameters keeps them out of SQL logging and out of the text of database errors,
    # which end up in the log with their traceback.
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
    else:
        engine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            hide_parameters=True,
        )
    install_tenancy_guard(engine.sync_engine)
    return engine


def _configure_sqlite(dbapi_connection, connection_record) -> None:
    # WAL lets the API read while the in-process scheduler writes; foreign keys are off by
    # default in SQLite and Tandem relies on them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # The same name as the PostgreSQL function (migration 0006): ids for rows made by
    # INSERT ... SELECT, stored as the Uuid type stores them on SQLite.
    dbapi_connection.create_function("tandem_uuid7", 0, _uuid7_hex)


def _uuid7_hex() -> str:
    return new_id().hex


class DatabaseProbe:
    name = "database"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def check(self) -> None:
        async with self._engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1").execution_options(cross_tenant=True))
