"""Alembic environment for both PostgreSQL and SQLite.

`tandem migrate` hands in an open connection (config.attributes["connection"]); the plain
`alembic` command builds an engine from TANDEM_DATABASE_URL.
"""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from app.adapters.db.engine import create_engine
from app.adapters.db.tables import metadata
from app.config import Settings


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_new_engine() -> None:
    engine = create_engine(Settings().database_url)
    async with engine.connect() as connection:
        await connection.run_sync(run_with)
        await connection.commit()
    await engine.dispose()


def run_offline() -> None:
    url = Settings().database_url
    context.configure(
        url=url,
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
elif (connection := context.config.attributes.get("connection")) is not None:
    run_with(connection)
else:
    asyncio.run(run_with_new_engine())
