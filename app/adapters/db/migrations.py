"""Apply the Alembic migrations from code (used by `tandem migrate`, `tandem serve` and tests)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return config


async def upgrade_to_head(engine: AsyncEngine) -> None:
    await _migrate(engine, "upgrade", "head")


async def downgrade_to(engine: AsyncEngine, revision: str) -> None:
    await _migrate(engine, "downgrade", revision)


async def _migrate(engine: AsyncEngine, action: str, revision: str) -> None:
    # Migrations change every tenant's rows by design.
    async with engine.connect() as connection:
        connection = await connection.execution_options(cross_tenant=True)
        await connection.run_sync(_run, action, revision)
        await connection.commit()


def _run(connection: Connection, action: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    getattr(command, action)(config, revision)
