"""Gap roll-up benchmark (issue 4): team, org-unit and tenant-wide heat maps on PostgreSQL.

    python -m bench.gaps [--url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
                         [--employees 10000] [--seed 4] [--no-explain]

Creates a scratch database `tandem_bench_<random>` through the admin URL, migrates it, loads a
seeded, deterministic organisation (same seed, same shape: tree, units, roles, levels; the ids
are fresh each run), measures each roll-up through the service, through the REST endpoint
(httpx.ASGITransport on app.main.create_app) and, as the reference, the very SQL the repository
sends (for a team: the ids, then the aggregate), captured from the engine and replayed through a
bare asyncpg connection. Drops the
database at the end, also on failure or Ctrl-C.

Timings are wall-clock per call, in milliseconds, in one process with the database on the same
machine. "ratio" is our median over the reference median.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.engine import create_engine
from app.adapters.db.migrations import upgrade_to_head
from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.config import Settings
from app.domain.frameworks import (
    CapabilitySpec,
    CapabilityType,
    Framework,
    FrameworkContent,
    FrameworkVersion,
)
from app.domain.identity import Actor, Role
from app.domain.ids import new_id
from app.domain.pagination import PageRequest
from app.domain.people import EmployeeStatus, OrgUnit, Profile
from app.domain.roles import Requirement, RoleProfile
from app.domain.scales import CompetencyScale, LevelSpec
from app.domain.views import EmployeeUpsert, GroupBy, Grouping, RoleAssignment
from app.main import create_app
from app.services import gaps
from app.services.tenants import create_tenant

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
JWT_SECRET = "bench-secret-that-is-long-enough-for-hs256"  # noqa: S105

CAPABILITIES = 30
ROLES = 25
DIVISIONS = 5
DEPARTMENTS = 34  # + 5 divisions + the company = 40 units
LEVELS = 5
LEVEL_SHARE = 0.70  # share of (employee, capability) pairs with a current level
INACTIVE_SHARE = 0.02
TEAM_TARGET = 20  # people below the manager of the team query (whole chain)


# --------------------------------------------------------------------------- the organisation


@dataclass
class Person:
    index: int
    manager: int | None
    depth: int
    unit: int  # index into Organisation.units
    role: int
    active: bool
    levels: dict[int, int]  # capability index -> level


@dataclass
class Organisation:
    units: list[tuple[str, int | None]]  # (key, parent index)
    roles: list[dict[int, tuple[int, float, bool]]]  # capability -> (required, weight, core)
    people: list[Person]
    below: list[int] = field(default_factory=list)  # whole-chain headcount below each person

    def team_manager(self) -> int:
        """The first manager whose whole chain below is closest to TEAM_TARGET people."""
        return min(
            (i for i, n in enumerate(self.below) if n),
            key=lambda i: (abs(self.below[i] - TEAM_TARGET), i),
        )


def generate(employees: int, seed: int) -> Organisation:
    """A deterministic organisation: a company, 5 divisions, 34 departments; a manager tree
    with teams of 5-11 (about 8); 25 roles of 8-12 of the 30 capabilities; levels for about
    70% of (employee, capability) pairs, scattered around the role's requirement."""
    rng = random.Random(seed)  # noqa: S311 (data, not secrets)
    units: list[tuple[str, int | None]] = [("company", None)]
    units += [(f"division-{d}", 0) for d in range(DIVISIONS)]
    departments_of: dict[int, list[int]] = {d: [] for d in range(1, DIVISIONS + 1)}
    for n in range(DEPARTMENTS):
        division = 1 + (n % DIVISIONS if n < DIVISIONS else rng.randrange(DIVISIONS))
        departments_of[division].append(len(units))
        units.append((f"department-{n}", division))

    roles = []
    for _ in range(ROLES):
        chosen = rng.sample(range(CAPABILITIES), rng.randint(8, 12))
        roles.append(
            {
                c: (
                    rng.choices([1, 2, 3, 4, 5], weights=[1, 4, 5, 3, 1])[0],
                    rng.choice([0.5, 1.0, 1.0, 2.0, 3.0]),
                    rng.random() < 0.2,
                )
                for c in chosen
            }
        )

    def levels_for(role: int) -> dict[int, int]:
        found = {}
        for c in range(CAPABILITIES):
            if rng.random() >= LEVEL_SHARE:
                continue
            required = roles[role].get(c, (3, 0, False))[0]
            found[c] = min(LEVELS, max(1, required + rng.choice([-2, -1, -1, 0, 0, 0, 1, 1])))
        return found

    def person(index: int, manager: int | None, depth: int, unit: int) -> Person:
        role = rng.randrange(ROLES)
        return Person(
            index, manager, depth, unit, role, rng.random() >= INACTIVE_SHARE, levels_for(role)
        )

    people = [person(0, None, 0, 0)]
    candidates = [0]  # breadth first: who may be handed a team next
    next_candidate = 0
    while len(people) < employees:
        if next_candidate == len(candidates):
            candidates = [p.index for p in people]  # everyone has been considered: go again
            next_candidate = 0
        manager = people[candidates[next_candidate]]
        next_candidate += 1
        # About half the people considered lead a team (the CEO always does), so team leads
        # sit at every depth and whole chains below vary: 5 to a few hundred.
        if manager.index and rng.random() < 0.5:
            continue
        for _ in range(min(rng.randint(5, 11), employees - len(people))):
            if manager.depth == 0:
                unit = 1 + len(people) % DIVISIONS
            elif manager.unit in departments_of:
                unit = rng.choice(departments_of[manager.unit])
            else:
                unit = manager.unit
            people.append(person(len(people), manager.index, manager.depth + 1, unit))
            candidates.append(len(people) - 1)

    below = [0] * len(people)
    for p in reversed(people):  # children always come after their manager
        if p.manager is not None:
            below[p.manager] += below[p.index] + 1
    return Organisation(units, roles, people, below)


# --------------------------------------------------------------------------- loading


@dataclass
class Loaded:
    tenant_id: uuid.UUID
    api_key: str
    employee_ids: list[uuid.UUID]
    unit_ids: list[uuid.UUID]
    level_rows: int
    capability_ids: list[uuid.UUID]  # by capability index


async def load(engine: AsyncEngine, raw: asyncpg.Connection, org: Organisation) -> Loaded:
    now = datetime.now(UTC)
    uow = SqlUnitOfWorkFactory(engine)
    created = await create_tenant(uow(), name="Benchmark Ltd")
    tenant_id = created.tenant.id
    async with uow() as unit_of_work:
        scale = CompetencyScale.create(
            tenant_id,
            key="five",
            name="Five levels",
            levels=[LevelSpec(f"l{n}", f"Level {n}") for n in range(1, LEVELS + 1)],
            now=now,
        )
        await unit_of_work.scales.add(scale)
        framework = Framework.create(
            tenant_id, key="core", name="Core framework", description="", now=now
        )
        await unit_of_work.frameworks.add(framework)
        version = FrameworkVersion.first_draft(framework, now)
        await unit_of_work.frameworks.add_version(version)
        content = FrameworkContent(
            capabilities=tuple(
                CapabilitySpec(f"c{n:02}", f"Capability {n}", CapabilityType.SKILL, "five")
                for n in range(CAPABILITIES)
            )
        )
        await unit_of_work.frameworks.replace_content(version, content, {"five": scale.id}, now)
        await unit_of_work.frameworks.save_version(
            version.publish(now, content), previous_revision=1
        )
        listed = await unit_of_work.capabilities.list(tenant_id, PageRequest(limit=100))
        capability = {int(c.key[1:]): c.id for c in listed.items}
        assert len(capability) == CAPABILITIES, capability

        role_ids = []
        for index, spec in enumerate(org.roles):
            role = RoleProfile.create(
                tenant_id,
                key=f"role-{index}",
                name=f"Role {index}",
                description="",
                requirements=[
                    Requirement(capability[c], level, weight, core)
                    for c, (level, weight, core) in spec.items()
                ],
                max_levels={capability[c]: LEVELS for c in spec},
                now=now,
            )
            await unit_of_work.roles.add(role)
            role_ids.append(role.id)

        unit_ids: list[uuid.UUID] = []
        for key, parent in org.units:
            unit = OrgUnit.create(
                tenant_id,
                key=key,
                name=key.replace("-", " ").title(),
                parent_id=None if parent is None else unit_ids[parent],
                now=now,
            )
            await unit_of_work.org_units.add(unit)
            unit_ids.append(unit.id)

        hired = date(2020, 1, 1)
        outcomes = await unit_of_work.employees.upsert(  # one INSERT ... SELECT unnest(...)
            tenant_id,
            [
                EmployeeUpsert(
                    Profile(
                        external_id=f"e{p.index:06}",
                        name=f"Employee {p.index}",
                        email=f"e{p.index:06}@bench.example",
                        org_unit_id=unit_ids[p.unit],
                        job_title=f"Role {p.role}",
                        status=EmployeeStatus.ACTIVE if p.active else EmployeeStatus.INACTIVE,
                        hire_date=hired + timedelta(days=p.index % 2000),
                    ),
                    None if p.manager is None else f"e{p.manager:06}",
                )
                for p in org.people
            ],
            now,
        )
        ids = [outcomes[f"e{p.index:06}"].id for p in org.people]
        await unit_of_work.employees.assign_roles(
            tenant_id,
            [RoleAssignment(ids[p.index], role_ids[p.role], hired) for p in org.people],
            now,
        )
        await unit_of_work.commit()

    # Levels as finalised assessments leave them: one finalised assessment per assessed person
    # and its current_levels rows, by COPY (the assessment workflow is not what is measured).
    assessment_rows, level_rows = [], []
    for p in org.people:
        if not p.levels:
            continue
        assessment_id = new_id()
        assessment_rows.append(
            (
                assessment_id,
                tenant_id,
                ids[p.index],
                role_ids[p.role],
                "current_role",
                "finalised",
                '["manager", "self"]',
                1,
                now,
                now,
                now,
            )
        )
        level_rows += [
            (tenant_id, ids[p.index], capability[c], level, assessment_id, now)
            for c, level in p.levels.items()
        ]
    async with raw.transaction():
        await raw.copy_records_to_table(
            "assessments",
            records=assessment_rows,
            columns=[
                "id",
                "tenant_id",
                "employee_id",
                "role_id",
                "purpose",
                "status",
                "required_rater_types",
                "version",
                "created_at",
                "opened_at",
                "closed_at",
            ],
        )
        await raw.copy_records_to_table(
            "current_levels",
            records=level_rows,
            columns=[
                "tenant_id",
                "employee_id",
                "capability_id",
                "level",
                "assessment_id",
                "assessed_at",
            ],
        )
    # The steady state autovacuum reaches on its own: fresh statistics and visibility map.
    for table in ("employees", "role_requirements", "org_units", "assessments", "current_levels"):
        await raw.execute(f"VACUUM ANALYZE {table}")
    return Loaded(
        tenant_id,
        created.admin_key.plaintext,
        ids,
        unit_ids,
        len(level_rows),
        [capability[c] for c in range(CAPABILITIES)],
    )


# --------------------------------------------------------------------------- measuring


@dataclass
class Timing:
    samples: list[float]  # ms

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def __str__(self) -> str:
        return f"{self.median:8.2f} / {self.p95:8.2f}"


async def measure(
    calls: dict[str, Callable[[], Awaitable[object]]],
    *,
    runs: int,
    budget_s: float,
    warmup: int = 3,
    setup: Callable[[], Awaitable[object]] | None = None,
) -> dict[str, Timing]:
    """Interleaved rounds, one call of each per round in a rotating order, so that the noise
    of a shared 2-CPU machine falls on all of them alike: `runs` rounds after `warmup`
    untimed ones, fewer (but at least 20) if they would take more than `budget_s` seconds.
    `setup`, if given, is awaited untimed before every call."""
    names = list(calls)
    for _ in range(warmup):
        for name in names:
            if setup is not None:
                await setup()
            await calls[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    started = time.perf_counter()
    done = 0
    while done < runs and (done < 20 or time.perf_counter() - started < budget_s):
        for k in range(len(names)):
            name = names[(done + k) % len(names)]
            if setup is not None:
                await setup()
            t0 = time.perf_counter()
            await calls[name]()
            samples[name].append((time.perf_counter() - t0) * 1000)
        done += 1
    return {name: Timing(values) for name, values in samples.items()}


class SqlCapture:
    """Remembers the queries the engine sends during one call, exactly as handed to asyncpg
    (text and parameters), so that the reference replays the same SQL."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.seen: list[tuple[str, tuple]] | None = None
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.seen is not None and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.seen.append((statement, tuple(parameters or ())))

    async def take(self, call: Callable[[], Awaitable[object]]) -> list[tuple[str, tuple]]:
        self.seen = []
        try:
            await call()
            return self.seen
        finally:
            self.seen = None


@dataclass
class Row:
    workload: str
    ours: Timing
    reference: Timing
    note: str


def cells(rolled: dict) -> int:
    return sum(len(v) for v in rolled.values())


@dataclass
class Scratch:
    engine: AsyncEngine
    raw: asyncpg.Connection  # a bare connection to the same database
    db_url: str


@asynccontextmanager
async def scratch_database(admin_url: str) -> AsyncIterator[Scratch]:
    """A fresh database `tandem_bench_<random>` next to `admin_url`, migrated to head, with an
    engine and a bare asyncpg connection to it; dropped on the way out, also on failure or
    Ctrl-C."""
    url = make_url(admin_url)
    admin = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(False))
    name = f"tandem_bench_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    engine = None
    raw = None
    try:
        db_url = url.set(database=name).render_as_string(hide_password=False)
        raw_dsn = url.set(drivername="postgresql", database=name).render_as_string(False)
        engine = create_engine(db_url)
        await upgrade_to_head(engine)
        raw = await asyncpg.connect(raw_dsn)
        yield Scratch(engine, raw, db_url)
    finally:
        if raw is not None:
            await raw.close()
        if engine is not None:
            await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def bench_settings(db_url: str) -> Settings:
    """Settings for an app on the scratch database: no Redis, no rate limit, quiet logs."""
    return Settings(
        database_url=db_url,
        redis_url=None,
        rate_limit_per_minute=0,
        jwt_secret=JWT_SECRET,
        log_level="WARNING",
        log_format="json",
        _env_file=None,
    )


@asynccontextmanager
async def api_client(db_url: str, api_key: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process (httpx.ASGITransport, its lifespan running), every call sent with
    the API key."""
    app = create_app(bench_settings(db_url))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench.test",
            headers={"Authorization": f"Bearer {api_key}"},
        ) as client,
    ):
        yield client


async def run(args: argparse.Namespace) -> int:
    async with scratch_database(args.url) as scratch:
        engine, raw = scratch.engine, scratch.raw
        print_machine(await raw.fetchval("SELECT version()"))

        t0 = time.perf_counter()
        org = generate(args.employees, args.seed)
        t1 = time.perf_counter()
        loaded = await load(engine, raw, org)
        t2 = time.perf_counter()
        manager = org.team_manager()
        print(
            f"data: {len(org.people)} employees ({sum(p.active for p in org.people)} active), "
            f"{len(org.units)} units, {ROLES} roles x 8-12 of {CAPABILITIES} capabilities, "
            f"{loaded.level_rows} current levels; max depth {max(p.depth for p in org.people)}, "
            f"{sum(1 for n in org.below if n)} managers; "
            f"generated in {t1 - t0:.1f} s, loaded in {t2 - t1:.1f} s"
        )
        print(
            f"team: manager #{manager}, {org.below[manager]} people below (whole chain), "
            f"{sum(1 for p in org.people if p.manager == manager)} direct"
        )
        rows = await benchmark(
            args, engine, raw, scratch.db_url, loaded, manager, org.below[manager]
        )
        print_table(rows)
        if args.explain:
            await explain(engine, raw, loaded, manager)
        print(f"\ntotal {time.perf_counter() - t0:.0f} s")
        return 0


async def benchmark(
    args: argparse.Namespace,
    engine: AsyncEngine,
    raw: asyncpg.Connection,
    db_url: str,
    loaded: Loaded,
    manager: int,
    team_size: int,
) -> list[Row]:
    uow = SqlUnitOfWorkFactory(engine)
    capture = SqlCapture(engine)
    actor = Actor(loaded.tenant_id, frozenset({Role.HR_ADMIN}), credential_id="bench")
    app = create_app(bench_settings(db_url))
    headers = {"Authorization": f"Bearer {loaded.api_key}"}
    slow = {"runs": max(20, args.runs // 10), "budget_s": args.budget}
    units = Grouping(GroupBy.ORG_UNIT, tuple(loaded.unit_ids))
    workloads = [
        (
            f"team ({team_size} below)",
            Grouping(GroupBy.TEAM, (loaded.employee_ids[manager],)),
            {"runs": args.runs, "budget_s": 3 * args.budget},
        ),
        ("tenant heat map", Grouping(GroupBy.TENANT), slow),
        (f"org_unit x {len(units.ids)} units", units, slow),
    ]
    rows: list[Row] = []
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench.test") as client,
    ):
        for label, grouping, budget in workloads:

            async def service(grouping: Grouping = grouping) -> dict:
                return await gaps.roll_up(uow(), actor, grouping=grouping)

            params = [("group_by", grouping.by.value)] + [("ids", str(i)) for i in grouping.ids]

            async def rest_api(params: list = params) -> dict:
                response = await client.get("/v1/gaps", params=params, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"GET /v1/gaps: {response.status_code} {response.text}")
                return response.json()

            # Every statement the service sends (for a team: the ids, then the aggregate over
            # them), prepared on the bare connection and replayed in order with its parameters.
            statements = [(await raw.prepare(sql), p) for sql, p in await capture.take(service)]

            async def reference(statements: list = statements) -> list:
                result: list = []
                for statement, parameters in statements:
                    result = await statement.fetch(*parameters)
                return result

            # All three answer the same question before any of them is timed.
            expected = cells(await service())
            got_rest = sum(len(g["cells"]) for g in (await rest_api())["groups"])
            got_ref = len(await reference())
            if not expected == got_rest == got_ref:
                raise RuntimeError(f"{label}: {expected} cells, REST {got_rest}, SQL {got_ref}")

            timed = await measure(
                {"reference": reference, "service": service, "REST": rest_api}, **budget
            )
            note = f"{expected} cells, {len(statements)} statement(s)"
            for how in ("service", "REST"):
                rows.append(Row(f"{label}: {how}", timed[how], timed["reference"], note))
            runs = len(timed["service"].samples)
            print(f"  measured {label} ({runs} interleaved rounds)", flush=True)
    return rows


async def explain(
    engine: AsyncEngine, raw: asyncpg.Connection, loaded: Loaded, manager: int
) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement the team and tenant roll-ups send, with
    the parameters the application binds."""
    uow = SqlUnitOfWorkFactory(engine)
    capture = SqlCapture(engine)
    actor = Actor(loaded.tenant_id, frozenset({Role.HR_ADMIN}), credential_id="bench")
    for label, grouping in (
        ("team", Grouping(GroupBy.TEAM, (loaded.employee_ids[manager],))),
        ("tenant", Grouping(GroupBy.TENANT)),
    ):
        captured = await capture.take(
            lambda grouping=grouping: gaps.roll_up(uow(), actor, grouping=grouping)
        )
        for n, (sql, parameters) in enumerate(captured, 1):
            # As a prepared statement that has run before, as the application's would have.
            statement = await raw.prepare(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            for _ in range(6):
                plan = await statement.fetch(*parameters)
            print(f"\n--- EXPLAIN (ANALYZE, BUFFERS): {label}, statement {n}/{len(captured)} ---")
            print("\n".join(r[0] for r in plan))


def print_machine(server: str) -> None:
    memory = "?"
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
            memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {cpus} CPUs (nproc), {memory} RAM, {platform.platform()}")
    print(f"python: {sys.version.split()[0]}; server: {server}")


def print_table(
    rows: list[Row],
    reference: str = "the same SQL through a bare asyncpg connection (prepared statements)",
) -> None:
    width = max(len(r.workload) for r in rows)
    print()
    print(
        f"{'workload':<{width}}  {'ours ms (median / p95)':>21}  "
        f"{'reference ms (median / p95)':>27}  {'ratio':>6}  note"
    )
    for r in rows:
        ratio = r.ours.median / r.reference.median
        print(
            f"{r.workload:<{width}}  {r.ours!s:>21}  {r.reference!s:>27}  {ratio:5.2f}x  {r.note}"
        )
    print(f"reference: {reference}")


def arguments(module: str, doc: str, *, employees: int, seed: int) -> argparse.ArgumentParser:
    """The options every benchmark takes: where PostgreSQL is, the size and the seed."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.split("\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("TANDEM_BENCH_DATABASE_URL", DEFAULT_URL),
        help="admin URL; a scratch database is created next to it",
    )
    parser.add_argument("--employees", type=int, default=employees)
    parser.add_argument("--seed", type=int, default=seed)
    return parser


def main() -> int:
    parser = arguments("bench.gaps", __doc__, employees=10_000, seed=4)
    parser.add_argument("--runs", type=int, default=300, help="timed runs of the team query")
    parser.add_argument(
        "--budget",
        type=float,
        default=10.0,
        help="seconds per workload (x3 for the team query) before stopping early (>= 20 rounds)",
    )
    parser.add_argument("--no-explain", dest="explain", action="store_false")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
