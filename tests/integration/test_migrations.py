"""Migrations build exactly the schema the code declares, and can be undone, on this database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.adapters.db.engine import create_engine
from app.adapters.db.migrations import downgrade_to, upgrade_to_head
from app.adapters.db.tables import metadata
from tests.conftest import scratch_database


def differences(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, metadata)


async def test_upgrade_matches_the_tables_and_downgrade_undoes_it(tmp_path_factory):
    async with scratch_database(tmp_path_factory) as url:
        engine = create_engine(url)
        try:
            await upgrade_to_head(engine)
            async with engine.connect() as conn:
                assert await conn.run_sync(differences) == []
            await downgrade_to(engine, "base")
            async with engine.connect() as conn:
                names = await conn.run_sync(lambda c: c.dialect.get_table_names(c))
            assert set(names) <= {"alembic_version"}
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()
