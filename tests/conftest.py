"""Shared fixtures. Integration tests run on PostgreSQL when TANDEM_TEST_DATABASE_URL is set
(each run in a fresh database of its own, dropped afterwards), and on a SQLite file otherwise.
TANDEM_TEST_REDIS_URL enables the tests that need Redis."""

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.engine import create_engine
from app.adapters.db.migrations import upgrade_to_head
from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.config import Settings
from app.main import create_app
from app.services.tenants import NewTenant, create_tenant

POSTGRES_URL = os.environ.get("TANDEM_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TANDEM_TEST_REDIS_URL")
JWT_SECRET = "test-secret-that-is-long-enough-for-hs256"

requires_redis = pytest.mark.skipif(not REDIS_URL, reason="TANDEM_TEST_REDIS_URL is not set")


@asynccontextmanager
async def scratch_database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A new, empty database: a PostgreSQL database of its own, or a SQLite file."""
    if not POSTGRES_URL:
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'tandem.db'}"
        return
    url = make_url(POSTGRES_URL)
    name = f"tandem_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory) -> AsyncIterator[str]:
    async with scratch_database(tmp_path_factory) as url:
        engine = create_engine(url)
        await upgrade_to_head(engine)
        await engine.dispose()
        yield url


@pytest.fixture(scope="session")
def settings(database_url) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=None,
        # Tests run the jobs themselves, at the times they choose; a scheduler ticking in the
        # background would add statements to the ones they count.
        in_process_scheduler=False,
        jwt_secret=JWT_SECRET,
        cors_origins=["https://app.example.com"],
        log_format="console",
        _env_file=None,
    )


@pytest.fixture(scope="session")
async def app(settings):
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def engine(database_url) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tandem.test") as client:
        yield client


@pytest.fixture
def new_tenant(engine) -> Callable[..., Awaitable[NewTenant]]:
    """Make a tenant with its admin key. Each test makes its own, so tests never share data."""

    async def make(name: str = "Acme") -> NewTenant:
        return await create_tenant(SqlUnitOfWorkFactory(engine)(), name=name)

    return make


def auth(created: NewTenant) -> dict[str, str]:
    return {"Authorization": f"Bearer {created.admin_key.plaintext}"}
