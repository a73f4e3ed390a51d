"""Cycle opening and outbox drain benchmark (issue 6): a workflow opening an assessment cycle
for a whole company, and the notification outbox it fills being drained, on PostgreSQL.

    python -m bench.cycles [--url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
                           [--employees 50000] [--seed 4] [--runs 3]

Creates a scratch database, migrates it and loads the seeded organisation of bench.gaps (the
same generator and loader), then puts everyone in one static cohort through the cohort
service. A monthly workflow targeting the cohort (open a self + manager assessment, notify
the employee and one custom address, wait, end) is defined through the workflow service.

1. Opening the cycle: `app.services.workflows.fire_due_workflows(uow, now=<first period +
   1 min>)`, which claims the run and opens every assessment with its items, raters and
   opening notifications by INSERT ... SELECT. The reference writes the same rows with
   hand-written INSERT ... SELECT statements (gen_random_uuid() for ids) through a bare asyncpg
   connection in one transaction: the run row, assessments from employees joined to the
   cohort, items from role_requirements, raters, notifications, and the run's count. Before
   every call (untimed) the workflow's run row, assessments, items, raters and
   notifications are deleted and the tables vacuumed, so each call opens the whole cycle
   again. The first service run counts its SQL statements; so does a firing for a cohort of
   100, to show the count does not grow with the cohort.
2. Draining the outbox the cycle filled: `app.services.notifications.deliver_notifications`
   with an in-process email gateway that accepts everything at once, called until it
   delivers nothing (as successive worker ticks would), against the reference: a bare asyncpg
   loop of `UPDATE notifications SET status = 'delivered' ... WHERE id IN (SELECT id ... FOR
   UPDATE SKIP LOCKED LIMIT <batch>)` until no row is left; and, for scale, against the
   outbox's own design in bare SQL (per batch: claim with a lease and read the addresses in
   one statement, then record the outcomes in one set-based UPDATE). Statuses are reset
   (untimed, then vacuumed) before every call.

A figure that misses its issue 9 target (opening <= 2x, drain <= 3x) gets one more service
run under cProfile, whose top functions are printed; a drain that misses it also gets one
run split into phases (claim, record, units of work, the rest).

Timings are wall-clock per call in milliseconds; "ratio" is our median over the reference
median.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.notifications import SqlNotificationRepository
from app.adapters.db.people import SqlEmployeeRepository
from app.adapters.db.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from app.domain.assessments import UNFINISHED
from app.domain.identity import Actor, Role
from app.domain.notifications import CLAIM_LEASE, Attempt, EmailMessage
from app.domain.pagination import PageRequest
from app.services import cohorts, notifications, workflows
from bench.gaps import (
    Loaded,
    Row,
    arguments,
    generate,
    load,
    measure,
    print_machine,
    print_table,
    scratch_database,
)

CRON = "0 9 1 * *"  # monthly: the 1st at 09:00 UTC
CUSTOM_ADDRESS = "hr-ops@bench.example"
SMALL_COHORT = 100
MEMBERS_PER_CALL = 10_000  # the API's bulk limit; below the 32,767 parameters of a statement
OPENING_TARGET = 2.0
DRAIN_TARGET = 3.0
CYCLE_TABLES = ("notifications", "assessment_raters", "assessment_items", "assessments")


@contextmanager
def employee_writes_in_chunks() -> Iterator[None]:
    """While loading: SqlEmployeeRepository.upsert and assign_roles take at most
    MEMBERS_PER_CALL rows a call, as the API does (bulk bodies hold at most 10,000 rows). Whole,
    they bind one parameter per employee in an IN list, and a statement carries at most
    32,767. Rows come managers first, so each chunk's managers are already stored."""
    upsert, assign_roles = SqlEmployeeRepository.upsert, SqlEmployeeRepository.assign_roles

    async def chunked_upsert(self, tenant_id, rows, now):
        outcomes = {}
        for start in range(0, len(rows), MEMBERS_PER_CALL):
            outcomes |= await upsert(self, tenant_id, rows[start : start + MEMBERS_PER_CALL], now)
        return outcomes

    async def chunked_assign_roles(self, tenant_id, assignments, now):
        changed = {}
        for start in range(0, len(assignments), MEMBERS_PER_CALL):
            chunk = assignments[start : start + MEMBERS_PER_CALL]
            changed |= await assign_roles(self, tenant_id, chunk, now)
        return changed

    SqlEmployeeRepository.upsert = chunked_upsert  # type: ignore[method-assign]
    SqlEmployeeRepository.assign_roles = chunked_assign_roles  # type: ignore[method-assign]
    try:
        yield
    finally:
        SqlEmployeeRepository.upsert = upsert  # type: ignore[method-assign]
        SqlEmployeeRepository.assign_roles = assign_roles  # type: ignore[method-assign]


def definition(cohort_id: uuid.UUID) -> dict[str, Any]:
    return {
        "target": {"kind": "cohort", "ids": [str(cohort_id)]},
        "triggers": [{"type": "schedule", "cron": CRON, "timezone": "UTC"}],
        "steps": [
            {"id": "assess", "type": "open_assessment", "rater_types": ["self", "manager"]},
            {
                "id": "tell",
                "type": "notify",
                "about": "assess",
                "recipients": ["employee"],
                "addresses": [CUSTOM_ADDRESS],
            },
            {"id": "wait", "type": "wait", "for": "assess"},
            {"id": "end", "type": "end"},
        ],
    }


class InstantEmail:
    """An email gateway that accepts every message at once."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, message: EmailMessage) -> Attempt:
        self.sent += 1
        return Attempt(ok=True)


class Statements:
    """While `counting`: every statement the engine sends, as (first words, parameter sets,
    seconds inside cursor execution)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.active = False
        self.seen: list[list] = []
        self._since = 0.0
        event.listen(engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(engine.sync_engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.active:
            sets = len(parameters) if executemany else 1
            words = " ".join(statement.split()[:3]) + (" (executemany)" if executemany else "")
            self.seen.append([words, sets, 0.0])
            self._since = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.active:
            self.seen[-1][2] += time.perf_counter() - self._since

    @contextmanager
    def counting(self) -> Iterator[Statements]:
        self.seen = []
        self.active = True
        try:
            yield self
        finally:
            self.active = False

    @property
    def seconds(self) -> float:
        return sum(s for _, _, s in self.seen)

    def listing(self) -> str:
        return "\n".join(
            f"    {seconds * 1000:8.1f} ms  {words} ..."
            + (f" {sets} parameter sets" if sets > 1 else "")
            for words, sets, seconds in self.seen
        )

    def grouped(self) -> str:
        """Per kind of statement: how many, parameter sets, and the time inside them."""
        kinds: dict[str, list] = {}
        for words, sets, seconds in self.seen:
            kind = kinds.setdefault(words, [0, 0, 0.0])
            kind[0] += 1
            kind[1] += sets
            kind[2] += seconds
        return "\n".join(
            f"    {n:6d} x {words}: {sets} parameter sets, {seconds * 1000:.0f} ms"
            for words, (n, sets, seconds) in sorted(kinds.items(), key=lambda k: -k[1][2])
        )


@contextmanager
def phases() -> Iterator[dict[str, float]]:
    """Seconds spent, while open, in the notification repository's claim and record and in
    opening, committing and closing units of work (connection checkout with its pre-ping,
    BEGIN, COMMIT, return to the pool)."""
    spent = {"claim": 0.0, "record": 0.0, "uow open": 0.0, "uow commit": 0.0, "uow close": 0.0}
    patched = [
        (SqlNotificationRepository, "claim", "claim"),
        (SqlNotificationRepository, "record", "record"),
        (SqlUnitOfWork, "__aenter__", "uow open"),
        (SqlUnitOfWork, "commit", "uow commit"),
        (SqlUnitOfWork, "__aexit__", "uow close"),
    ]
    originals = []
    for cls, name, key in patched:
        original = getattr(cls, name)
        originals.append((cls, name, original))

        async def timed(*args, _original=original, _key=key, **kwargs):
            started = time.perf_counter()
            try:
                return await _original(*args, **kwargs)
            finally:
                spent[_key] += time.perf_counter() - started

        setattr(cls, name, timed)
    try:
        yield spent
    finally:
        for cls, name, original in originals:
            setattr(cls, name, original)


def profile_summary(profile: cProfile.Profile, sort: str, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    lines = out.getvalue().splitlines()
    start = next((n for n, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(lines[start:])


async def profiled(label: str, call: Callable[[], Awaitable[object]], top: int) -> None:
    profile = cProfile.Profile()
    profile.enable()
    started = time.perf_counter()
    await call()
    took = time.perf_counter() - started
    profile.disable()
    print(f"\n--- cProfile of one {label} ({took * 1000:.0f} ms under the profiler) ---")
    print(f"top {top} by cumulative time:")
    print(profile_summary(profile, "cumulative", top))
    print(f"top {top} by own time:")
    print(profile_summary(profile, "tottime", top))


# --------------------------------------------------------------------------- the reference


def reference_sql(unfinished: list[str]) -> dict[str, str]:
    """The cycle written by hand: one INSERT ... SELECT per table."""
    run = "a.tenant_id = $1 AND a.workflow_run_id = $2"
    statuses = ", ".join(f"'{s}'" for s in unfinished)
    return {
        "run": """
            INSERT INTO workflow_runs (id, tenant_id, workflow_id, trigger, period, fired_at,
                opened)
            VALUES ($1, $2, $3, 'schedule:0', $4, $5, 0)
        """,
        "assessments": f"""
            INSERT INTO assessments (id, tenant_id, employee_id, role_id, purpose, status,
                required_rater_types, due_date, version, created_at, opened_at, workflow_id,
                workflow_run_id, workflow_round)
            SELECT gen_random_uuid(), e.tenant_id, e.id, e.current_role_id, 'current_role',
                'open', '["manager", "self"]', $4, 2, $5, $5, $6, $2, 1
            FROM employees e
            JOIN cohort_members m ON m.tenant_id = e.tenant_id AND m.employee_id = e.id
            WHERE e.tenant_id = $1 AND m.cohort_id = $3 AND e.status = 'active'
              AND e.manager_id IS NOT NULL
              AND NOT EXISTS (
                  SELECT 1 FROM assessments a
                  WHERE a.tenant_id = $1 AND a.employee_id = e.id
                    AND a.role_id = e.current_role_id AND a.status IN ({statuses}))
        """,  # noqa: S608 (our own text)
        "items": f"""
            INSERT INTO assessment_items (tenant_id, assessment_id, capability_id,
                required_level, max_level, weight, core, position)
            SELECT a.tenant_id, a.id, r.capability_id, r.required_level,
                json_array_length(s.levels), r.weight, r.core,
                row_number() OVER (PARTITION BY a.id ORDER BY r.position) - 1
            FROM assessments a
            JOIN role_requirements r ON r.tenant_id = a.tenant_id AND r.role_id = a.role_id
            JOIN capability_revisions c ON c.capability_id = r.capability_id
            JOIN framework_versions v ON v.id = c.framework_version_id
                AND v.status = 'published'
            JOIN competency_scales s ON s.id = c.scale_id
            WHERE {run}
        """,  # noqa: S608
        "raters": f"""
            INSERT INTO assessment_raters (tenant_id, assessment_id, employee_id, rater_type)
            SELECT a.tenant_id, a.id, a.employee_id, 'self' FROM assessments a WHERE {run}
            UNION ALL
            SELECT a.tenant_id, a.id, e.manager_id, 'manager'
            FROM assessments a JOIN employees e ON e.id = a.employee_id
            WHERE {run} AND e.manager_id IS NOT NULL
        """,  # noqa: S608
        "notifications": f"""
            INSERT INTO notifications (id, tenant_id, assessment_id, kind, sequence, recipient,
                status, attempts, next_attempt_at, created_at)
            SELECT gen_random_uuid(), a.tenant_id, a.id, 'assessment_opened', 0, n.recipient,
                'pending', 0, $3, $3
            FROM assessments a
            CROSS JOIN (VALUES ('employee'), ('{CUSTOM_ADDRESS}')) AS n (recipient)
            WHERE {run}
        """,  # noqa: S608
        "opened": "UPDATE workflow_runs SET opened = $2 WHERE id = $1",
    }


DRAIN_SQL = """
    UPDATE notifications SET status = 'delivered', attempts = attempts + 1, sent_at = $1,
        claimed_until = NULL
    WHERE id IN (
        SELECT id FROM notifications
        WHERE status = 'pending' AND next_attempt_at <= $1
          AND (claimed_until IS NULL OR claimed_until < $1)
        ORDER BY next_attempt_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
"""


# The outbox's own design in bare SQL, per batch: claim with a lease and read what the emails
# need (one statement), then record the outcomes (one statement), each in its own transaction.
DESIGN_CLAIM_SQL = """
    WITH claimed AS (
        UPDATE notifications SET claimed_until = $2
        WHERE id IN (
            SELECT id FROM notifications
            WHERE status = 'pending' AND next_attempt_at <= $1
              AND (claimed_until IS NULL OR claimed_until < $1)
            ORDER BY next_attempt_at
            LIMIT $3
            FOR UPDATE SKIP LOCKED)
        RETURNING id, tenant_id, assessment_id, kind, sequence, recipient, status, attempts,
            created_at)
    SELECT c.*,
        CASE c.recipient WHEN 'employee' THEN e.email WHEN 'manager' THEN m.email
            WHEN 'skip_manager' THEN s.email ELSE c.recipient END AS address,
        e.name AS employee_name, r.name AS role_name, a.due_date
    FROM claimed c
    JOIN assessments a ON a.id = c.assessment_id
    JOIN employees e ON e.id = a.employee_id
    JOIN roles r ON r.id = a.role_id
    LEFT JOIN employees m ON m.id = e.manager_id
    LEFT JOIN employees s ON s.id = m.manager_id
"""
DESIGN_RECORD_SQL = """
    UPDATE notifications SET status = v.status, attempts = v.attempts,
        next_attempt_at = coalesce(v.retry_at, notifications.next_attempt_at),
        sent_at = v.sent_at, last_error = v.error, claimed_until = NULL
    FROM unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[], $5::timestamptz[],
                $6::text[]) AS v (id, status, attempts, retry_at, sent_at, error)
    WHERE notifications.id = v.id AND notifications.status = 'pending'
      AND notifications.claimed_until = $7
"""


def affected(status: str) -> int:
    return int(status.split()[-1])


# --------------------------------------------------------------------------- the run


async def run(args: argparse.Namespace) -> int:
    async with scratch_database(args.url) as scratch:
        engine, raw = scratch.engine, scratch.raw
        print_machine(await raw.fetchval("SELECT version()"))

        t0 = time.perf_counter()
        org = generate(args.employees, args.seed)
        with employee_writes_in_chunks():
            loaded = await load(engine, raw, org)
        t1 = time.perf_counter()
        actor = Actor(loaded.tenant_id, frozenset({Role.HR_ADMIN}), credential_id="bench")
        uow = SqlUnitOfWorkFactory(engine)
        everyone = await cohorts.create_cohort(
            uow(), actor, key="everyone", name="Everyone", description="", rule=None
        )
        ids = loaded.employee_ids
        for start in range(0, len(ids), MEMBERS_PER_CALL):
            await cohorts.change_members(
                uow(), actor, cohort_id=everyone.id, add=ids[start : start + MEMBERS_PER_CALL]
            )
        small = await cohorts.create_cohort(
            uow(), actor, key="first-100", name="First 100", description="", rule=None
        )
        await cohorts.change_members(uow(), actor, cohort_id=small.id, add=ids[:SMALL_COHORT])
        await raw.execute("VACUUM ANALYZE cohort_members")
        t2 = time.perf_counter()

        active = sum(p.active for p in org.people)
        managed = sum(p.active and p.manager is not None for p in org.people)
        print(
            f"data: {len(org.people)} employees ({active} active, {managed} active with a "
            f"manager), {loaded.level_rows} current levels, every role's capabilities "
            f"published; generated and loaded in {t1 - t0:.1f} s; one static cohort of "
            f"{len(ids)} (added through cohorts.change_members, {MEMBERS_PER_CALL} per call) "
            f"in {t2 - t1:.1f} s"
        )
        del org
        rows = await benchmark(args, scratch.engine, raw, loaded, actor, everyone.id, small.id)
        print_table(
            rows,
            reference="opening: hand-written INSERT ... SELECT per table through bare asyncpg, "
            "one transaction; drain: bare asyncpg loop of UPDATE ... WHERE id IN (SELECT ... "
            "FOR UPDATE SKIP LOCKED LIMIT 100) until none is left",
        )
        print(f"\ntotal {time.perf_counter() - t0:.0f} s")
        return 0


async def benchmark(
    args: argparse.Namespace,
    engine: AsyncEngine,
    raw: asyncpg.Connection,
    loaded: Loaded,
    actor: Actor,
    cohort_id: uuid.UUID,
    small_cohort_id: uuid.UUID,
) -> list[Row]:
    uow = SqlUnitOfWorkFactory(engine)
    statements = Statements(engine)
    tenant = loaded.tenant_id

    async def counts() -> dict[str, int]:
        """Rows of the workflows' assessments, per table."""
        found = {}
        for table in CYCLE_TABLES:
            column = "id" if table == "assessments" else "assessment_id"
            found[table] = await raw.fetchval(
                f"SELECT count(*) FROM {table} WHERE {column} IN "  # noqa: S608 (our names)
                "(SELECT id FROM assessments WHERE workflow_id IS NOT NULL)"
            )
        return found

    async def reset(workflow_id: uuid.UUID) -> None:
        """Delete the workflow's run and everything it opened. Foreign-key triggers are
        off for this (nothing else refers to these fresh rows): current_levels.assessment_id
        has no index, so checking each deleted assessment would scan every current level,
        minutes at 50k."""
        theirs = "(SELECT id FROM assessments WHERE workflow_id = $1)"
        async with raw.transaction():
            await raw.execute("SET LOCAL session_replication_role = replica")
            for table in CYCLE_TABLES[:-1]:
                await raw.execute(
                    f"DELETE FROM {table} WHERE assessment_id IN {theirs}",  # noqa: S608
                    workflow_id,
                )
            await raw.execute("DELETE FROM assessments WHERE workflow_id = $1", workflow_id)
            await raw.execute("DELETE FROM workflow_runs WHERE workflow_id = $1", workflow_id)
        await raw.execute(f"VACUUM ANALYZE workflow_runs, {', '.join(CYCLE_TABLES)}")

    # -- statement count for a cohort of 100, to compare with the whole company's
    small = await workflows.define_workflow(
        uow(), actor, key="small", name="Small", definition=definition(small_cohort_id)
    )
    small_at = small.next_firings(small.active_since, 1)[0] + timedelta(minutes=1)
    with statements.counting():
        fired = await workflows.fire_due_workflows(uow(), now=small_at)
    small_count = len(statements.seen)
    small_opened = (await counts())["assessments"]
    print(
        f"\nfiring for a cohort of {SMALL_COHORT}: {fired} run, {small_opened} assessments, "
        f"{small_count} statements:"
    )
    print(statements.listing())
    await workflows.pause_workflow(uow(), actor, workflow_id=small.id)
    await reset(small.id)

    # -- the cycle for everyone
    workflow = await workflows.define_workflow(
        uow(), actor, key="everyone", name="Everyone", definition=definition(cohort_id)
    )
    period = workflow.next_firings(workflow.active_since, 1)[0]
    fire_at = period + timedelta(minutes=1)
    preview = await workflows.dry_run(
        uow(), actor, workflow_id=workflow.id, page=PageRequest(limit=1), at=fire_at
    )
    eligible = preview.would_open
    print(
        f"workflow: monthly ({CRON!r} UTC), first period {period.isoformat()}, fired at "
        f"{fire_at.isoformat()}; opens for {eligible} of {len(loaded.employee_ids)} cohort "
        f"members ({eligible / len(loaded.employee_ids):.1%}: active, with a manager, a role "
        f"with published capabilities and no unfinished assessment for it)"
    )

    async def service() -> int:
        fired = await workflows.fire_due_workflows(uow(), now=fire_at)
        if fired != 1:
            raise RuntimeError(f"fire_due_workflows fired {fired} runs, not 1 (see the log)")
        return fired

    sql = reference_sql([s.value for s in UNFINISHED])
    due_date = (fire_at + timedelta(days=14)).date()

    async def reference(times: dict[str, float] | None = None) -> int:
        """Through raw.execute, so each statement is prepared once and cached by asyncpg;
        `times`, if given, gets each statement's milliseconds."""
        run_id = uuid.uuid4()

        async def execute(name: str, *parameters: object) -> str:
            started = time.perf_counter()
            status = await raw.execute(sql[name], *parameters)
            if times is not None:
                times[name] = (time.perf_counter() - started) * 1000
            return status

        async with raw.transaction():
            await execute("run", run_id, tenant, workflow.id, period.isoformat(), fire_at)
            opened = affected(
                await execute(
                    "assessments", tenant, run_id, cohort_id, due_date, fire_at, workflow.id
                )
            )
            for name in ("items", "raters"):
                await execute(name, tenant, run_id)
            await execute("notifications", tenant, run_id, fire_at)
            await execute("opened", run_id, opened)
        return opened

    # The first run of each, checked and untimed; the service's statements counted.
    await reset(workflow.id)
    with statements.counting():
        started = time.perf_counter()
        await service()
        took = time.perf_counter() - started
    ours = await counts()
    service_sql = len(statements.seen)
    print(
        f"\nservice, first run: {took * 1000:.0f} ms, wrote {ours}; {service_sql} statements "
        f"({statements.seconds * 1000:.0f} ms inside cursor execution):"
    )
    print(statements.listing())
    await reset(workflow.id)
    times: dict[str, float] = {}
    started = time.perf_counter()
    await reference(times)
    took = time.perf_counter() - started
    theirs = await counts()
    print(f"reference, first run: {took * 1000:.0f} ms, wrote {theirs}; per statement:")
    print("\n".join(f"    {ms:8.1f} ms  {name}" for name, ms in times.items()))
    if ours != theirs or ours["assessments"] != eligible:
        raise RuntimeError(f"service wrote {ours}, reference {theirs}, eligible {eligible}")

    timed = await measure(
        {"reference": reference, "service": service},
        runs=args.runs,
        budget_s=0,
        warmup=0,
        setup=lambda: reset(workflow.id),
    )
    print(f"  measured {len(timed['service'].samples)} interleaved rounds", flush=True)
    opening_ratio = timed["service"].median / timed["reference"].median
    if opening_ratio > OPENING_TARGET:
        await reset(workflow.id)
        await profiled("cycle opening (fire_due_workflows)", service, args.top)

    rows = [
        Row(
            f"open a cycle for {eligible}: fire_due_workflows",
            timed["service"],
            timed["reference"],
            f"{service_sql} statements (cohort of {SMALL_COHORT}: {small_count}); "
            f"{ours['assessments']} assessments, {ours['assessment_items']} items, "
            f"{ours['assessment_raters']} raters, {ours['notifications']} notifications",
        )
    ]

    # -- draining the outbox the service's cycle filled
    await reset(workflow.id)
    await service()
    outbox = (await counts())["notifications"]
    rows += await drain(args, raw, uow, statements, outbox, fire_at + timedelta(minutes=1))
    return rows


async def drain(
    args: argparse.Namespace,
    raw: asyncpg.Connection,
    uow: SqlUnitOfWorkFactory,
    statements: Statements,
    outbox: int,
    drain_at: datetime,
) -> list[Row]:
    batch = notifications.BATCH
    email = InstantEmail()

    async def reset() -> None:
        await raw.execute(
            "UPDATE notifications SET status = 'pending', attempts = 0, claimed_until = NULL, "
            "sent_at = NULL, last_error = NULL, next_attempt_at = created_at"
        )
        await raw.execute("VACUUM ANALYZE notifications")

    async def service() -> int:
        delivered = 0
        while sent := await notifications.deliver_notifications(uow(), email, now=drain_at):
            delivered += sent
        return delivered

    async def reference() -> int:
        delivered = 0
        while claimed := affected(await raw.execute(DRAIN_SQL, drain_at, batch)):
            delivered += claimed
        return delivered

    async def design() -> int:
        delivered = 0
        lease = drain_at + CLAIM_LEASE
        while rows := await raw.fetch(DESIGN_CLAIM_SQL, drain_at, lease, batch):
            n = len(rows)
            await raw.execute(
                DESIGN_RECORD_SQL,
                [r["id"] for r in rows],
                ["delivered"] * n,
                [r["attempts"] + 1 for r in rows],
                [None] * n,
                [drain_at] * n,
                [None] * n,
                lease,
            )
            delivered += n
        return delivered

    async def delivered() -> int:
        return await raw.fetchval("SELECT count(*) FROM notifications WHERE status = 'delivered'")

    print(f"\noutbox: {outbox} pending notifications, drained in batches of {batch}")
    await reset()
    with statements.counting():
        started = time.perf_counter()
        got = await service()
        took = time.perf_counter() - started
    in_sql = statements.seconds
    drain_sql = len(statements.seen)
    print(
        f"service, first run: {took * 1000:.0f} ms, {got} delivered ({email.sent} emails "
        f"handed to the gateway), {drain_sql} statements, {in_sql * 1000:.0f} ms inside "
        f"cursor execution ({in_sql / took:.0%}):"
    )
    print(statements.grouped())
    if got != outbox or await delivered() != outbox:
        raise RuntimeError(f"service delivered {got} of {outbox}")
    await reset()
    started = time.perf_counter()
    got = await reference()
    took = time.perf_counter() - started
    print(f"reference, first run: {took * 1000:.0f} ms, {got} delivered")
    if got != outbox or await delivered() != outbox:
        raise RuntimeError(f"reference delivered {got} of {outbox}")
    await reset()
    started = time.perf_counter()
    got = await design()
    took = time.perf_counter() - started
    print(f"the outbox's design in bare SQL, first run: {took * 1000:.0f} ms, {got} delivered")
    if got != outbox or await delivered() != outbox:
        raise RuntimeError(f"the design in bare SQL delivered {got} of {outbox}")

    timed = await measure(
        {"reference": reference, "design": design, "service": service},
        runs=args.runs,
        budget_s=0,
        warmup=0,
        setup=reset,
    )
    print(f"  measured {len(timed['service'].samples)} interleaved rounds", flush=True)
    ratio = timed["service"].median / timed["reference"].median
    if ratio > DRAIN_TARGET:
        await reset()
        with phases() as spent:
            started = time.perf_counter()
            await service()
            took = time.perf_counter() - started
        rest = took - sum(spent.values())
        print(
            f"\nphases of one more service run: {took * 1000:.0f} ms = "
            + ", ".join(f"{k} {v * 1000:.0f}" for k, v in spent.items())
            + f", the rest (composing, sending, deciding retries) {rest * 1000:.0f}"
        )
        await reset()
        await profiled("outbox drain (deliver_notifications until empty)", service, args.top)

    def per_thousand(name: str) -> float:
        return timed[name].median / outbox * 1000

    statements = f"{drain_sql} statements ({drain_sql / (outbox / batch):.1f} per batch of {batch})"
    return [
        Row(
            f"drain {outbox} notifications: deliver_notifications",
            timed["service"],
            timed["reference"],
            f"{statements}; per 1000: {per_thousand('service'):.0f} vs "
            f"{per_thousand('reference'):.0f} ms",
        ),
        Row(
            "  the same vs its own design in bare SQL",
            timed["service"],
            timed["design"],
            f"claim + read, then record: 2 statements per batch; per 1000: "
            f"{per_thousand('design'):.0f} ms",
        ),
        Row(
            "  its design in bare SQL vs the UPDATE loop",
            timed["design"],
            timed["reference"],
            "what claiming, reading addresses and recording cost in SQL alone",
        ),
    ]


def main() -> int:
    parser = arguments("bench.cycles", __doc__, employees=50_000, seed=4)
    parser.add_argument("--runs", type=int, default=3, help="timed rounds (after a checked one)")
    parser.add_argument("--top", type=int, default=15, help="profile lines to print")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
