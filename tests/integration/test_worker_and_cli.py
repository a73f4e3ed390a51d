"""The arq worker on real Redis, and the `tandem` command on a real database."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from arq import create_pool
from arq.worker import create_worker

from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.adapters.security.jwt import BearerTokensDisabled
from app.domain.identity import Role
from app.domain.tenants import issue_api_key
from app.main import build_worker_settings, create_app
from tests.conftest import REDIS_URL, requires_redis
from tests.integration.helpers import tandem


async def add_long_dead_key(engine, tenant_id):
    now = datetime.now(UTC)
    issued = issue_api_key(tenant_id, name="dead", roles=frozenset({Role.EMPLOYEE}), now=now)
    async with SqlUnitOfWorkFactory(engine)() as uow:
        await uow.api_keys.add(replace(issued.key, revoked_at=now - timedelta(days=365)))
        await uow.commit()
    return issued.key.id


@requires_redis
async def test_the_worker_runs_jobs_and_a_second_run_changes_nothing(settings, engine, new_tenant):
    created = await new_tenant()
    dead_key = await add_long_dead_key(engine, created.tenant.id)
    worker_settings = build_worker_settings(settings.model_copy(update={"redis_url": REDIS_URL}))
    queue = f"tandem-test-{uuid.uuid4().hex}"
    redis = await create_pool(worker_settings.redis_settings)
    try:
        results = []
        for _ in range(2):
            job = await redis.enqueue_job("purge_dead_api_keys", _queue_name=queue)
            worker = create_worker(worker_settings, burst=True, queue_name=queue)
            await worker.main()
            await worker.close()
            results.append(await job.result(timeout=5))
        assert results[0] >= 1
        assert results[1] == 0
    finally:
        await redis.aclose()
    async with SqlUnitOfWorkFactory(engine)() as uow:
        assert await uow.api_keys.get(created.tenant.id, dead_key) is None
        assert await uow.api_keys.get(created.tenant.id, created.admin_key.key.id) is not None


async def test_create_tenant_prints_a_working_admin_key(client, database_url):
    result = tandem("create-tenant", "Newcomer Ltd", database_url=database_url)
    assert result.returncode == 0, result.stderr
    key = next(
        line.split()[-1] for line in result.stdout.splitlines() if line.startswith("API key")
    )
    me = await client.get("/v1/me", headers={"X-API-Key": key})
    assert me.json()["roles"] == ["hr_admin"]


async def test_create_tenant_refuses_an_empty_name(database_url):
    result = tandem("create-tenant", "  ", database_url=database_url)
    assert result.returncode == 2
    assert "name" in result.stderr


async def test_migrate_is_idempotent(database_url):
    result = tandem("migrate", database_url=database_url)
    assert result.returncode == 0, result.stderr


async def test_export_schema_check_passes_on_the_committed_files(database_url):
    result = tandem("export-schema", "--check", database_url=database_url)
    assert result.returncode == 0, result.stderr


async def test_serve_refuses_a_server_database_without_a_jwt_secret(settings):
    # Refused before anything connects: the database named here does not exist.
    nowhere = "postgresql+asyncpg://tandem@127.0.0.1:9/tandem"
    result = tandem("serve", database_url=nowhere, unset=["TANDEM_JWT_SECRET"])
    assert result.returncode == 2
    assert "TANDEM_JWT_SECRET is required" in result.stderr
    # An app served some other way (an ASGI server of the operator's choice) will not start.
    app = create_app(settings.model_copy(update={"database_url": nowhere, "jwt_secret": None}))
    with pytest.raises(ValueError, match="TANDEM_JWT_SECRET is required"):
        async with app.router.lifespan_context(app):
            pass


async def test_the_embedded_mode_serves_without_a_jwt_secret(settings, tmp_path):
    embedded = f"sqlite+aiosqlite:///{tmp_path / 'tandem.db'}"
    app = create_app(settings.model_copy(update={"database_url": embedded, "jwt_secret": None}))
    async with app.router.lifespan_context(app):
        assert isinstance(app.state.services.token_verifier, BearerTokensDisabled)
