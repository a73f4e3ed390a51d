"""Faults on PostgreSQL and Redis: the database connection lost in the middle of a bulk
upsert, Redis emptied under queued jobs, and a webhook receiver that never recovers. (A
worker killed in the middle of opening a cycle is in test_workflow_workers.)"""

import asyncio
import itertools
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from arq import create_pool
from arq.worker import create_worker
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.adapters.db.tables import employees, idempotency_records, notifications, workflows
from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.adapters.notify.webhooks import HttpxWebhookSender
from app.domain.errors import Unavailable
from app.domain.identity import Actor, Role
from app.domain.notifications import MAX_ATTEMPTS, DeliveryStatus
from app.domain.pagination import PageRequest
from app.main import build_worker_settings, create_app
from app.services import events as event_service
from app.services import webhooks as webhook_service
from app.services import workflows as workflow_service
from tests.conftest import POSTGRES_URL, REDIS_URL, auth, requires_redis
from tests.integration.helpers import assert_problem
from tests.integration.test_workflow_runs import monthly, seller_org

requires_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="TANDEM_TEST_DATABASE_URL (PostgreSQL) is not set"
)
ROWS = 300


async def raw_connection(database_url: str) -> asyncpg.Connection:
    url = make_url(database_url).set(drivername="postgresql")
    return await asyncpg.connect(url.render_as_string(hide_password=False))


async def waiting_backend(admin: asyncpg.Connection, table: str) -> int:
    """The pid of the session waiting for a lock to write `table`."""
    for _ in range(200):
        # Inside a transaction pg_stat_activity is one snapshot unless it is cleared.
        await admin.execute("SELECT pg_stat_clear_snapshot()")
        pid = await admin.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE $1 AND pid <> pg_backend_pid()",
            f"%{table}%",
        )
        if pid is not None:
            return pid
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing waited to write {table}")


@requires_postgres
async def test_a_bulk_upsert_cut_off_from_the_database_is_all_or_nothing_and_retried_once(
    client, engine, database_url, new_tenant
):
    admin = await new_tenant()
    rows = [{"external_id": f"e{n}", "name": f"Person {n}"} for n in range(ROWS)]
    headers = auth(admin) | {"Idempotency-Key": "hris-sync-1"}
    locker = await raw_connection(database_url)
    try:
        # Hold the upsert at its write, then cut its connection as a database restart would.
        transaction = locker.transaction()
        await transaction.start()
        await locker.execute("LOCK TABLE employees IN SHARE MODE")
        request = asyncio.create_task(
            client.post("/v1/employees:bulk", json={"rows": rows}, headers=headers)
        )
        pid = await waiting_backend(locker, "employees")
        assert await locker.fetchval("SELECT pg_terminate_backend($1)", pid)
        await transaction.rollback()
        cut = await request
    finally:
        await locker.close()
    assert_problem(cut, 503, "service_unavailable")
    assert cut.headers["Retry-After"]

    async def stored() -> tuple[int, int]:
        async with engine.connect() as conn:
            people = await conn.scalar(
                sa.select(sa.func.count()).where(employees.c.tenant_id == admin.tenant.id)
            )
            keys = await conn.scalar(
                sa.select(sa.func.count()).where(idempotency_records.c.tenant_id == admin.tenant.id)
            )
        return people, keys

    assert await stored() == (0, 0)  # nothing of the batch, not even its key's claim

    retried = await client.post("/v1/employees:bulk", json={"rows": rows}, headers=headers)
    assert retried.status_code == 200, retried.text
    assert {row["status"] for row in retried.json()["rows"]} == {"created"}
    again = await client.post("/v1/employees:bulk", json={"rows": rows}, headers=headers)
    assert again.status_code == 200
    assert again.json() == retried.json()  # the first result, replayed
    assert await stored() == (ROWS, 1)


HOOK_HOST = "receiver.example.com"


class FailingReceiver:
    """An HTTP server on a local port that answers every request 503, keeping what it was
    sent. The subscription names a public host (loopback ones are refused, as SSRF would
    use them); the sender reaches this server as its HTTP proxy."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []

    async def __aenter__(self) -> "FailingReceiver":
        self.server = await asyncio.start_server(self.answer, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        target = (await reader.readline()).decode().split()[1]
        headers = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        await reader.readexactly(int(headers.get("content-length", 0)))
        self.requests.append((target, headers))
        writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    def sender(self) -> HttpxWebhookSender:
        proxied = httpx.AsyncHTTPTransport(proxy=f"http://127.0.0.1:{self.port}")
        # Every other tenant's receivers (the suite's fakes) get a 503 without a network.
        elsewhere = httpx.MockTransport(lambda request: httpx.Response(503))
        return HttpxWebhookSender(
            httpx.AsyncClient(mounts={"all://": elsewhere, f"http://{HOOK_HOST}": proxied})
        )


async def test_a_receiver_that_never_recovers_is_retried_with_backoff_then_dead_lettered(
    client, engine, new_tenant
):
    admin = await new_tenant()
    uow = SqlUnitOfWorkFactory(engine)
    hr = Actor(admin.tenant.id, frozenset({Role.HR_ADMIN}))
    subscription = await webhook_service.create_subscription(
        uow(), hr, url=f"http://{HOOK_HOST}/tandem/{admin.tenant.id}"
    )
    await client.post(
        "/v1/employees:bulk",
        json={"rows": [{"external_id": "a", "name": "A"}]},
        headers=auth(admin),
    )
    while await event_service.process_events(uow()):
        pass  # other tests' backlog too

    async def delivery():
        listed = await webhook_service.list_deliveries(
            uow(), hr, subscription_id=subscription.id, page=PageRequest(limit=10)
        )
        (only,) = listed.items
        return only

    async with FailingReceiver() as receiver:
        sender, moment, waits = receiver.sender(), datetime.now(UTC), []
        for _ in range(MAX_ATTEMPTS + 1):
            await webhook_service.deliver_webhooks(uow(), sender, now=moment)
            current = await delivery()
            if current.status is DeliveryStatus.DEAD:
                break
            assert current.status is DeliveryStatus.PENDING
            waits.append(current.next_attempt_at - moment)
            moment = current.next_attempt_at + timedelta(seconds=1)
    ours = [h for target, h in receiver.requests if target.endswith(str(admin.tenant.id))]
    # Every attempt reached the receiver, as the same message; each wait at least as long
    # as the one before (jitter aside), from 30 s to hours; then it is kept, dead.
    assert len(ours) == MAX_ATTEMPTS == current.attempts
    assert len({h["webhook-id"] for h in ours}) == 1
    assert len(waits) == MAX_ATTEMPTS - 1
    assert waits[0] >= timedelta(seconds=30) and waits[-1] >= timedelta(hours=1)
    assert all(
        later >= earlier * 1.5 or later >= timedelta(hours=1)
        for earlier, later in itertools.pairwise(waits)
    )
    assert (current.status, current.last_status_code) == (DeliveryStatus.DEAD, 503)
    logged = await client.get(
        f"/v1/webhook-subscriptions/{subscription.id}/deliveries", headers=auth(admin)
    )
    assert [(d["status"], d["attempts"]) for d in logged.json()["data"]] == [("dead", MAX_ATTEMPTS)]


@requires_redis
async def test_redis_emptied_under_queued_jobs_loses_no_notification(
    client, engine, settings, new_tenant
):
    admin = await new_tenant()
    *_, role = await seller_org(client, admin)
    uow = SqlUnitOfWorkFactory(engine)
    hr = Actor(admin.tenant.id, frozenset({Role.HR_ADMIN}))
    workflow = await workflow_service.define_workflow(
        uow(), hr, key="monthly", name="Monthly", definition=monthly(role["id"])
    )
    async with engine.begin() as conn:  # active since before this month's firing
        await conn.execute(
            sa.update(workflows)
            .where(workflows.c.tenant_id == admin.tenant.id, workflows.c.id == workflow.id)
            .values(active_since=datetime.now(UTC) - timedelta(days=40))
        )
    # Redis of its own (a database number nothing else uses), emptied on the way out.
    redis_url = REDIS_URL.rsplit("/", 1)[0] + "/7"
    worker_settings = build_worker_settings(settings.model_copy(update={"redis_url": redis_url}))
    queue = f"tandem-faults-{uuid.uuid4().hex}"
    redis = await create_pool(worker_settings.redis_settings)

    async def run_worker() -> None:
        worker = create_worker(worker_settings, burst=True, queue_name=queue, cron_jobs=[])
        await worker.main()
        await worker.close()

    async def ours() -> dict[str, int]:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.select(notifications.c.status, sa.func.count())
                .where(notifications.c.tenant_id == admin.tenant.id)
                .group_by(notifications.c.status)
            )
        return dict(rows.all())

    try:
        await redis.enqueue_job("fire_due_workflows", _queue_name=queue)
        await run_worker()
        queued = await ours()
        assert queued == {"pending": sum(queued.values())} and sum(queued.values()) >= 3
        # The delivery job is queued, then Redis loses everything (a restart without
        # persistence, a failover, a FLUSHALL).
        await redis.enqueue_job("deliver_notifications", _queue_name=queue)
        await redis.flushdb()
        await run_worker()
        assert await ours() == queued  # nothing ran, nothing was lost
        # The next sweep (the cron job, every minute) reads the outbox, not Redis.
        await redis.enqueue_job("deliver_notifications", _queue_name=queue)
        await run_worker()
        swept = await ours()
        # Each one left the outbox: sent, or dead-lettered (a person with no address),
        # none still waiting and none gone.
        assert "pending" not in swept and sum(swept.values()) == sum(queued.values())
        assert swept.get("delivered", 0) >= 1
    finally:
        await redis.flushdb()
        await redis.aclose()


async def test_with_the_database_down_the_api_answers_503_and_asks_for_a_retry(settings):
    down = "postgresql+asyncpg://tandem@127.0.0.1:9/tandem"  # nothing listens there
    app = create_app(settings.model_copy(update={"database_url": down}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tandem.test") as c:
            rest = await c.get("/v1/me", headers={"X-API-Key": "tdm_0123456789ab_secret"})
            graphql = await c.post(
                "/graphql",
                json={"query": "{ viewer { roles } }"},
                headers={"X-API-Key": "tdm_0123456789ab_secret"},
            )
            scim = await c.get("/scim/v2/Users", headers={"X-API-Key": "tdm_0123456789ab_x"})
    assert_problem(rest, 503, "service_unavailable")
    assert rest.headers["Retry-After"] == "1"
    assert_problem(graphql, 503, "service_unavailable")
    assert (scim.status_code, scim.headers["Retry-After"]) == (503, "1")
    assert scim.json()["status"] == "503"


async def test_a_connection_lost_during_commit_does_not_claim_nothing_changed(engine):
    # The database may have committed before the connection went: a blind retry could
    # apply the change twice, so the answer must not invite one.
    class LosesCommit:
        """The unit of work's connection, whose COMMIT never gets its answer."""

        def __init__(self, conn) -> None:
            self.conn = conn

        def __getattr__(self, name):
            return getattr(self.conn, name)

        async def commit(self) -> None:
            raise DBAPIError("COMMIT", None, ConnectionResetError(), connection_invalidated=True)

    uow = SqlUnitOfWorkFactory(engine)()
    with pytest.raises(Unavailable) as refused:
        async with uow:
            uow._conn = LosesCommit(uow._conn)
            await uow.commit()
    assert "may or may not have been saved" in str(refused.value)
    assert "nothing was changed" not in str(refused.value)
