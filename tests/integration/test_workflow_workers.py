"""Workflow firing and notification delivery across real OS processes, on PostgreSQL and Redis.

A cycle's run row is claimed (INSERT ... ON CONFLICT DO NOTHING) in the transaction that
opens it, so two workers firing the same period at once open it once, and a worker killed
half-way leaves nothing behind for the next firing to trip over. Notifications are delivered
at least once: a drainer killed after handing a message to the mail system but before
recording it leaves its claim to lapse, and the next drain sends the message again with the
same message id (the email's Message-ID), by which the receiving side drops the duplicate.
"""

import asyncio
import math
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from arq import create_pool
from arq.connections import RedisSettings

from app.adapters.db.tables import assessments, notifications, workflow_runs
from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.domain.identity import Actor, Role
from app.domain.notifications import CLAIM_LEASE, Attempt, DeliveryStatus, EmailMessage
from app.services import notifications as notification_service
from app.services import workflows as workflow_service
from tests.conftest import POSTGRES_URL, REDIS_URL, requires_redis
from tests.integration.helpers import auth, published_catalogue

requires_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="TANDEM_TEST_DATABASE_URL (PostgreSQL) is not set"
)
ROOT = Path(__file__).resolve().parents[2]
COHORT_SIZE = 300
MANAGERS = 10

# `tandem worker` (the composition root's worker settings, run by arq), on a queue of the
# test's own and without the cron jobs, so the jobs the test enqueues are the only firings.
WORKER = """
import sys
from arq import run_worker
from app.config import Settings
from app.main import build_worker_settings
from app.observability import configure_logging

settings = Settings()
configure_logging(settings.log_level, settings.log_format)
run_worker(build_worker_settings(settings), queue_name=sys.argv[1], cron_jobs=[], poll_delay=0.05)
"""

# Fires the due workflows at a fixed moment. For the given tenant's run it stops once the
# cycle is written (run row claimed; assessments, items, raters and notifications inserted)
# but before the transaction commits, says so through a marker file holding how many
# assessments it opened, and hangs there until it is killed.
STALLING_FIRE = """
import asyncio, os, sys
from datetime import datetime
from app.adapters.db.engine import create_engine
from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.adapters.db.workflows import SqlWorkflowRepository
from app.services.workflows import fire_due_workflows

now = datetime.fromisoformat(sys.argv[1])
tenant, marker = sys.argv[2], sys.argv[3]
open_assessments = SqlWorkflowRepository.open_assessments


async def stall(self, tenant_id, *args, **kwargs):
    opened = await open_assessments(self, tenant_id, *args, **kwargs)
    if str(tenant_id) == tenant:
        with open(marker + ".tmp", "w") as file:
            file.write(str(opened))
        os.replace(marker + ".tmp", marker)
        await asyncio.sleep(3600)
    return opened


SqlWorkflowRepository.open_assessments = stall


async def main():
    engine = create_engine(os.environ["TANDEM_DATABASE_URL"])
    try:
        print(await fire_due_workflows(SqlUnitOfWorkFactory(engine)(), now=now))
    finally:
        await engine.dispose()


asyncio.run(main())
"""

# Drains the outbox at a fixed moment through a gateway that accepts every message, logging
# (and syncing) the id of each one addressed to the test's domain as it accepts it; after
# `allowed` of those it hangs on the next, with its batch claimed and nothing recorded.
STALLING_DRAIN = """
import asyncio, os, sys
from datetime import datetime
from app.adapters.db.engine import create_engine
from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.domain.notifications import Attempt
from app.services.notifications import deliver_notifications

now = datetime.fromisoformat(sys.argv[1])
domain, sent_log, marker, allowed = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])


class Gateway:
    def __init__(self):
        self.sent = 0
        self.log = open(sent_log, "a")

    async def send(self, message):
        if message.to.endswith("@" + domain):
            if self.sent >= allowed:
                if not os.path.exists(marker):
                    open(marker, "w").close()
                await asyncio.sleep(3600)
            self.sent += 1
            self.log.write(message.message_id + "\\n")
            self.log.flush()
            os.fsync(self.log.fileno())
        return Attempt(ok=True)


async def main():
    engine = create_engine(os.environ["TANDEM_DATABASE_URL"])
    try:
        print(await deliver_notifications(SqlUnitOfWorkFactory(engine)(), Gateway(), now=now))
    finally:
        await engine.dispose()


asyncio.run(main())
"""


class Outbox:
    """An email gateway that keeps every message it is given."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> Attempt:
        self.sent.append(message)
        return Attempt(ok=True)


class Children:
    """Child processes of a test, killed in the end whatever happened."""

    def __init__(self, database_url: str, logs: Path) -> None:
        self.environment = os.environ | {
            "TANDEM_DATABASE_URL": database_url,
            "TANDEM_REDIS_URL": REDIS_URL or "",
            "TANDEM_LOG_LEVEL": "WARNING",
        }
        self.logs = logs
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, script: str, *args: str) -> subprocess.Popen:
        log = self.logs / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-c", script, *args],
                cwd=ROOT,
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.started.append((process, log))
        return process

    def output(self, process: subprocess.Popen) -> str:
        log = next(log for p, log in self.started if p is process)
        return log.read_text(errors="replace")[-4000:]

    def kill(self, process: subprocess.Popen) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process, _ in self.started:
            if process.poll() is None:
                process.terminate()
        for process, _ in self.started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextmanager
def children(database_url: str, logs: Path) -> Iterator[Children]:
    spawned = Children(database_url, logs)
    try:
        yield spawned
    finally:
        spawned.stop_all()


async def wait_for(path: Path, process: subprocess.Popen, spawned: Children) -> None:
    """Until `path` exists (at most 30 s); fails at once if the process died first."""
    deadline = asyncio.get_running_loop().time() + 30
    while not os.path.exists(path):  # noqa: ASYNC240 - a cheap stat, polled
        assert process.poll() is None, f"the child exited early:\n{spawned.output(process)}"
        assert asyncio.get_running_loop().time() < deadline, spawned.output(process)
        await asyncio.sleep(0.05)


async def cohort_org(client, admin, domain: str) -> tuple[list[str], str]:
    """A published framework, a seller role needing two of its capabilities, COHORT_SIZE
    sellers with an email address and a manager each, all in a static cohort, and a seller
    left out of it. Returns the members' ids and the cohort's id."""
    ids = await published_catalogue(client, admin)
    role = await client.post(
        "/v1/roles",
        json={
            "key": "seller",
            "name": "Seller",
            "requirements": [
                {"capability_id": ids["negotiation"], "required_level": 3, "core": True},
                {"capability_id": ids["crm"], "required_level": 2},
            ],
        },
        headers=auth(admin),
    )
    assert role.status_code == 201, role.text
    managers = [
        {"external_id": f"m{n}", "name": f"Manager {n}", "email": f"m{n}@{domain}"}
        for n in range(MANAGERS)
    ]
    sellers = [
        {
            "external_id": f"p{n}",
            "name": f"Person {n}",
            "email": f"p{n}@{domain}",
            "manager_external_id": f"m{n % MANAGERS}",
        }
        for n in range(COHORT_SIZE + 1)
    ]
    upserted = await client.post(
        "/v1/employees:bulk", json={"rows": managers + sellers}, headers=auth(admin)
    )
    assert upserted.status_code == 200, upserted.text
    result = upserted.json()
    assert (result["created"], result["failed"]) == (MANAGERS + COHORT_SIZE + 1, 0), result
    by_external = {row["reference"]: row["id"] for row in result["rows"]}
    assigned = await client.post(
        "/v1/role-assignments:bulk",
        json={
            "rows": [
                {"employee_external_id": s["external_id"], "role_key": "seller"} for s in sellers
            ]
        },
        headers=auth(admin),
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["failed"] == 0, assigned.text
    cohort = await client.post(
        "/v1/cohorts", json={"key": "wave", "name": "First wave"}, headers=auth(admin)
    )
    assert cohort.status_code == 201, cohort.text
    members = [by_external[f"p{n}"] for n in range(COHORT_SIZE)]
    added = await client.post(
        f"/v1/cohorts/{cohort.json()['id']}/members",
        json={"add": members},
        headers=auth(admin),
    )
    assert added.status_code == 200, added.text
    return members, cohort.json()["id"]


def definition(cohort_id: str, trigger: dict, domain: str) -> dict:
    return {
        "target": {"kind": "cohort", "ids": [cohort_id]},
        "triggers": [trigger],
        "steps": [
            {"id": "assess", "type": "open_assessment", "due_in_days": 14},
            {
                "id": "tell",
                "type": "notify",
                "about": "assess",
                "recipients": ["employee", "manager"],
                "addresses": [f"hr@{domain}"],
            },
            {"id": "done", "type": "wait", "for": "assess"},
            {"id": "plan", "type": "generate_plan"},
        ],
    }


async def assert_opened_once(engine, workflow, members, domain, period: str | None = None):
    """One run row, one assessment per cohort member (and nobody else), and each member's
    opening notices queued once: to them and to HR's address. Returns the notification ids."""
    async with engine.connect() as conn:
        runs = (
            await conn.execute(
                sa.select(workflow_runs).where(
                    workflow_runs.c.tenant_id == workflow.tenant_id,
                    workflow_runs.c.workflow_id == workflow.id,
                )
            )
        ).all()
        opened = (
            await conn.execute(
                sa.select(assessments.c.id, assessments.c.employee_id).where(
                    assessments.c.tenant_id == workflow.tenant_id,
                    assessments.c.workflow_id == workflow.id,
                )
            )
        ).all()
        queued = (
            await conn.execute(
                sa.select(
                    notifications.c.id,
                    notifications.c.assessment_id,
                    notifications.c.kind,
                    notifications.c.sequence,
                    notifications.c.recipient,
                )
                .join(assessments, assessments.c.id == notifications.c.assessment_id)
                .where(
                    notifications.c.tenant_id == workflow.tenant_id,
                    assessments.c.tenant_id == workflow.tenant_id,
                    assessments.c.workflow_id == workflow.id,
                )
            )
        ).all()
    assert [(r.trigger, r.opened) for r in runs] == [("schedule:0", len(members))]
    if period is not None:
        assert runs[0].period == period
    per_member = Counter(str(row.employee_id) for row in opened)
    assert per_member == Counter(members)
    keys = Counter((n.assessment_id, n.kind, n.sequence, n.recipient) for n in queued)
    assert max(keys.values()) == 1
    assert set(keys) == {
        (row.id, "assessment_opened", 0, recipient)
        for row in opened
        for recipient in ("employee", f"hr@{domain}")
    }
    return {n.id for n in queued}


@requires_redis
@requires_postgres
async def test_a_monthly_cycle_fires_once_across_two_concurrent_worker_processes(
    client, engine, database_url, new_tenant, tmp_path
):
    admin = await new_tenant()
    domain = f"t{admin.tenant.id.hex[:12]}.example"
    members, cohort_id = await cohort_org(client, admin, domain)
    queues = [f"tandem-test-{uuid.uuid4().hex}" for _ in range(2)]
    redis = await create_pool(RedisSettings.from_dsn(REDIS_URL))
    try:
        with children(database_url, tmp_path) as spawned:
            workers = [spawned.start(f"worker-{n}", WORKER, q) for n, q in enumerate(queues)]
            # Ready once each has opened its services and reported its health.
            deadline = asyncio.get_running_loop().time() + 30
            for worker, queue in zip(workers, queues, strict=True):
                while not await redis.exists(f"{queue}:health-check"):
                    assert worker.poll() is None, spawned.output(worker)
                    assert asyncio.get_running_loop().time() < deadline, spawned.output(worker)
                    await asyncio.sleep(0.05)

            # Monthly from a moment just ahead: the workflow becomes active now and its
            # first period falls due while both workers are up. The job uses the real clock.
            starts_at = datetime.fromtimestamp(math.ceil(datetime.now(UTC).timestamp()) + 1, UTC)
            trigger = {
                "type": "schedule",
                "every": 1,
                "unit": "months",
                "starts_at": starts_at.isoformat(),
                "timezone": "UTC",
            }
            hr = Actor(admin.tenant.id, frozenset({Role.HR_ADMIN}))
            workflow = await workflow_service.define_workflow(
                SqlUnitOfWorkFactory(engine)(),
                hr,
                key="monthly",
                name="Monthly check",
                definition=definition(cohort_id, trigger, domain),
            )
            # Both jobs become due at the same instant, one in each worker's queue.
            at = starts_at + timedelta(milliseconds=300)
            jobs = [
                await redis.enqueue_job(
                    "fire_due_workflows", _queue_name=q, _job_id=f"{q}:fire", _defer_until=at
                )
                for q in queues
            ]
            results = [await job.result(timeout=30, poll_delay=0.1) for job in jobs]
            infos = [await job.result_info() for job in jobs]
    finally:
        await redis.aclose()

    # Each worker ran its job to the end, and one of them fired the period (the other, run
    # alone, returns 0: it found the period claimed; other tenants' workflows may count too,
    # so the database, below, is what shows it fired once).
    assert all(info is not None and info.success for info in infos), infos
    assert max(results) >= 1, results
    await assert_opened_once(engine, workflow, members, domain, period=starts_at.isoformat())


@requires_redis
@requires_postgres
async def test_a_killed_worker_leaves_no_duplicate_and_loses_no_notification(
    client, engine, database_url, new_tenant, tmp_path
):
    admin = await new_tenant()
    domain = f"t{admin.tenant.id.hex[:12]}.example"
    members, cohort_id = await cohort_org(client, admin, domain)
    uow = SqlUnitOfWorkFactory(engine)
    hr = Actor(admin.tenant.id, frozenset({Role.HR_ADMIN}))
    monthly = {"type": "schedule", "cron": "0 9 1 * *", "timezone": "Europe/Paris"}
    workflow = await workflow_service.define_workflow(
        uow(), hr, key="monthly", name="Monthly", definition=definition(cohort_id, monthly, domain)
    )
    (period,) = workflow.next_firings(workflow.active_since, 1)
    fired_at = period + timedelta(minutes=1)

    with children(database_url, tmp_path) as spawned:
        # A worker dies with the whole cycle written and not committed.
        stalled = tmp_path / "fire-stalled"
        firer = spawned.start(
            "fire", STALLING_FIRE, fired_at.isoformat(), str(admin.tenant.id), str(stalled)
        )
        await wait_for(stalled, firer, spawned)
        assert stalled.read_text() == str(COHORT_SIZE)
        spawned.kill(firer)
        async with engine.connect() as conn:
            left = await conn.scalar(
                sa.select(sa.func.count()).where(
                    assessments.c.tenant_id == admin.tenant.id,
                    assessments.c.workflow_id == workflow.id,
                )
            )
            claimed = await conn.scalar(
                sa.select(sa.func.count()).where(
                    workflow_runs.c.tenant_id == admin.tenant.id,
                    workflow_runs.c.workflow_id == workflow.id,
                )
            )
        assert (left, claimed) == (0, 0)

        # The next firing (here, and once more as a retried job would) opens it once.
        await workflow_service.fire_due_workflows(uow(), now=fired_at)
        await workflow_service.fire_due_workflows(uow(), now=fired_at)
        ours = await assert_opened_once(engine, workflow, members, domain, period.isoformat())
        assert len(ours) == 2 * COHORT_SIZE

        # A drainer dies mid-batch: some of its claimed messages handed to the mail system,
        # none recorded as sent.
        drained_at = fired_at + timedelta(seconds=30)
        sent_log, blocked, allowed = tmp_path / "sent.log", tmp_path / "drain-stalled", 25
        drainer = spawned.start(
            "drain",
            STALLING_DRAIN,
            drained_at.isoformat(),
            domain,
            str(sent_log),
            str(blocked),
            str(allowed),
        )
        await wait_for(blocked, drainer, spawned)
        spawned.kill(drainer)
    first_sends = [uuid.UUID(line) for line in sent_log.read_text().split()]
    assert len(first_sends) == len(set(first_sends)) == allowed

    state = await outbox_state(engine, admin.tenant.id, ours)
    recorded = {i for i, (status, _, _) in state.items() if status == DeliveryStatus.DELIVERED}
    held = {i for i, (status, until, _) in state.items() if until is not None}
    # What the dead drainer sent unrecorded is still pending, under its lapsing claim.
    unrecorded = set(first_sends) - recorded
    assert recorded <= set(first_sends)
    assert unrecorded and unrecorded <= held
    assert all(state[i][0] == DeliveryStatus.PENDING for i in held)

    # Within the lease, another drain leaves the dead drainer's claims alone...
    outbox = Outbox()
    await notification_service.deliver_notifications(
        uow(), outbox, now=drained_at + timedelta(minutes=1)
    )
    within = Counter(i for m in outbox.sent if (i := uuid.UUID(m.message_id)) in ours)
    assert set(within) == ours - held - recorded
    assert max(within.values()) == 1
    # ...and once it has lapsed, the next drain sends them.
    await notification_service.deliver_notifications(
        uow(), outbox, now=drained_at + CLAIM_LEASE + timedelta(minutes=1)
    )

    state = await outbox_state(engine, admin.tenant.id, ours)
    assert {status for status, _, _ in state.values()} == {DeliveryStatus.DELIVERED}
    assert {attempts for _, _, attempts in state.values()} == {1}
    # Every notification was delivered; each at most twice, and twice only if the killed
    # drainer had handed it over before it died. The message id is the notification's id,
    # the same on both sends, so the receiving side can drop the duplicate.
    sends = Counter(i for m in outbox.sent if (i := uuid.UUID(m.message_id)) in ours)
    sends.update(first_sends)
    assert set(sends) == ours
    assert {i for i, n in sends.items() if n == 2} == unrecorded
    assert max(sends.values()) <= 2
    addressed = {m.message_id: m.to for m in outbox.sent}
    assert all(addressed[str(i)].endswith(f"@{domain}") for i in ours - recorded)


async def outbox_state(
    engine, tenant_id, ids
) -> dict[uuid.UUID, tuple[DeliveryStatus, datetime, int]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(
                notifications.c.id,
                notifications.c.status,
                notifications.c.claimed_until,
                notifications.c.attempts,
            ).where(notifications.c.tenant_id == tenant_id, notifications.c.id.in_(ids))
        )
        return {
            row.id: (DeliveryStatus(row.status), row.claimed_until, row.attempts) for row in rows
        }
