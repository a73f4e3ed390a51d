"""Plan generation benchmark (issue 5): one cohort plan run for thousands of people on PostgreSQL.

    python -m bench.plans [--url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
                          [--employees 5000] [--seed 4] [--runs 5]

Creates a scratch database, migrates it and loads the seeded organisation of bench.gaps (the
same generator and loader: every person with levels has one finalised assessment for their
current role, which their current levels point to). Adds a seeded learning catalogue through
the learning service (60 items, some mentoring and on-the-job, a few prerequisites, a few
capabilities deliberately left uncovered) and one static cohort holding everyone.

Measures generating the whole cohort's plans through the service
(`app.services.plans.generate_plans`, group_by=cohort) and through REST
(`POST /v1/development-plans:generate` via httpx.ASGITransport on app.main.create_app). The
reference is the bare cost of writing the same rows: the plans, plan_items and plan_open_gaps
the service wrote, captured once and inserted again through a bare asyncpg connection, by COPY
and by executemany. The plan tables are emptied (untimed) before every call, so each call
creates every plan anew. The first (checked, untimed) run of each also counts the SQL
statements and splits its wall time into SQL (inside cursor execution), proposals
(`propose_plan`), garbage-collector pauses and the rest of Python; one more service run is
profiled (cProfile) to show which functions dominate.

Timings are wall-clock per call in milliseconds; "ratio" is our median over the reference
median.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import asyncpg
import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.domain.development import Outcome
from app.domain.identity import Actor, Role
from app.domain.learning import DeliveryFormat, ItemContent
from app.domain.plans import LearningKind, Target
from app.domain.views import GroupBy, Grouping
from app.main import create_app
from app.services import cohorts, learning, plans
from bench.gaps import (
    CAPABILITIES,
    LEVELS,
    Loaded,
    Organisation,
    Row,
    arguments,
    bench_settings,
    generate,
    load,
    measure,
    print_machine,
    print_table,
    scratch_database,
)

ITEMS = 60
UNCOVERED = 3  # capabilities no item develops: their gaps stay open as no_content
PREREQUISITES = 6
PLAN_TABLES = ("plans", "plan_items", "plan_open_gaps")  # parents first, for COPY

# kind -> (share, minutes range, cost range, delivery format)
KINDS = {
    LearningKind.COURSE: (14, (240, 960), (300, 1500), DeliveryFormat.IN_PERSON),
    LearningKind.ELEARNING: (16, (30, 180), (0, 120), DeliveryFormat.SELF_PACED),
    LearningKind.WORKSHOP: (8, (180, 480), (200, 900), DeliveryFormat.IN_PERSON),
    LearningKind.LIVE_SESSION: (6, (60, 120), (0, 200), DeliveryFormat.VIRTUAL),
    LearningKind.READING: (6, (30, 120), (0, 40), DeliveryFormat.SELF_PACED),
    LearningKind.RECORDED_ASSET: (4, (20, 90), (0, 0), DeliveryFormat.SELF_PACED),
    LearningKind.MENTORING: (5, (600, 1200), (0, 0), DeliveryFormat.BLENDED),
    LearningKind.ON_THE_JOB: (5, (1200, 2400), (0, 0), None),
    LearningKind.COACHING: (2, (360, 720), (500, 2000), DeliveryFormat.VIRTUAL),
}


# --------------------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class ItemShape:
    """A learning item by capability and item *indexes*; the tenant's ids come on creation."""

    kind: LearningKind
    targets: tuple[tuple[int, int, int], ...]  # (capability, from level, to level)
    minutes: int
    cost: float
    prerequisites: tuple[int, ...] = ()


@dataclass
class Catalogue:
    items: list[ItemShape]
    uncovered: list[int]  # capability indexes no item develops


def catalogue(seed: int) -> Catalogue:
    """A deterministic catalogue: ITEMS items over all capabilities but UNCOVERED (each
    covered one at least twice), each developing one capability, a fifth of them two, by one
    or two levels. A few items need an earlier one on the same capability that leads up to
    where they start."""
    rng = random.Random(f"catalogue-{seed}")  # noqa: S311 (data, not secrets)
    uncovered = sorted(rng.sample(range(CAPABILITIES), UNCOVERED))
    covered = [c for c in range(CAPABILITIES) if c not in uncovered]
    rng.shuffle(covered)
    kinds = list(KINDS)
    items: list[ItemShape] = []
    with_prerequisite = 0
    for n in range(ITEMS):
        first = covered[n % len(covered)]
        chosen = [first]
        if rng.random() < 0.2:
            chosen.append(rng.choice([c for c in covered if c != first]))
        targets = []
        for c in chosen:
            start = rng.choices([1, 2, 3, 4], weights=[3, 4, 3, 1])[0]
            targets.append((c, start, min(LEVELS, start + rng.choice([1, 1, 2]))))
        kind = rng.choices(kinds, weights=[KINDS[k][0] for k in kinds])[0]
        _, minutes, cost, _ = KINDS[kind]
        leading_up = [
            m
            for m, earlier in enumerate(items)
            if earlier.targets[0][0] == first and earlier.targets[0][2] == targets[0][1]
        ]
        needs = ()
        if leading_up and with_prerequisite < PREREQUISITES:
            needs = (leading_up[-1],)
            with_prerequisite += 1
        items.append(
            ItemShape(
                kind,
                tuple(targets),
                rng.randint(*minutes) // 10 * 10,
                float(rng.randint(*cost) // 10 * 10),
                needs,
            )
        )
    return Catalogue(items, uncovered)


async def create_catalogue(
    engine: AsyncEngine, actor: Actor, loaded: Loaded, shape: Catalogue
) -> list[uuid.UUID]:
    """Through the learning service, one item at a time (prerequisites exist first)."""
    uow = SqlUnitOfWorkFactory(engine)
    ids: list[uuid.UUID] = []
    for n, item in enumerate(shape.items):
        content = ItemContent(
            title=f"{item.kind.value.replace('_', ' ').title()} {n}",
            kind=item.kind,
            targets=tuple(
                Target(loaded.capability_ids[c], low, high) for c, low, high in item.targets
            ),
            external_id=f"lms-{n:03}",
            format=KINDS[item.kind][3],
            minutes=item.minutes,
            cost=item.cost,
            prerequisites=tuple(ids[m] for m in item.prerequisites),
        )
        ids.append((await learning.create_item(uow(), actor, content=content)).id)
    return ids


# --------------------------------------------------------------------------- the data


async def ensure_assessed(raw: asyncpg.Connection, tenant_id: uuid.UUID) -> int:
    """Every employee with current levels needs a finalised assessment for their current role
    that their levels point to; bench.gaps `load` writes one per assessed person. Adds the
    missing ones, if any, in one statement; returns how many were missing."""
    missing = """
        SELECT e.id, e.current_role_id FROM employees e
        WHERE e.tenant_id = $1
          AND EXISTS (
              SELECT 1 FROM current_levels l WHERE l.tenant_id = $1 AND l.employee_id = e.id)
          AND NOT EXISTS (
              SELECT 1 FROM assessments a
              JOIN current_levels l ON l.tenant_id = a.tenant_id AND l.assessment_id = a.id
              WHERE a.tenant_id = $1 AND a.employee_id = e.id AND a.role_id = e.current_role_id
                AND a.status = 'finalised' AND a.closed_at IS NOT NULL)
    """
    count = await raw.fetchval(f"SELECT count(*) FROM ({missing}) m", tenant_id)  # noqa: S608
    if count:
        await raw.execute(
            f"""
            WITH missing AS ({missing}),
            made AS (
                INSERT INTO assessments (id, tenant_id, employee_id, role_id, purpose, status,
                    required_rater_types, version, created_at, opened_at, closed_at)
                SELECT gen_random_uuid(), $1, m.id, m.current_role_id, 'current_role',
                    'finalised', '["manager", "self"]', 1, now(), now(), now()
                FROM missing m
                RETURNING id, employee_id)
            UPDATE current_levels l SET assessment_id = made.id
            FROM made WHERE l.tenant_id = $1 AND l.employee_id = made.employee_id
            """,  # noqa: S608 (our own text)
            tenant_id,
        )
    return count


def distinct_proposals(org: Organisation) -> tuple[int, int, int]:
    """Proposals a generation for everyone active computes, inferred from the data: people
    share one when they have the same role and levels (the service's cache key: every current
    level); and how many it would compute if the key held only the role's requirements, or
    only the requirements the person is below (all a proposal depends on, with no history)."""
    full, required, below = set(), set(), set()
    for p in org.people:
        if not p.active or not p.levels:
            continue
        spec = org.roles[p.role]
        full.add((p.role, frozenset(p.levels.items())))
        required.add((p.role, frozenset((c, v) for c, v in p.levels.items() if c in spec)))
        below.add(
            (p.role, frozenset((c, v) for c, v in p.levels.items() if c in spec and v < spec[c][0]))
        )
    return len(full), len(required), len(below)


# --------------------------------------------------------------------------- measuring


class Instruments:
    """While `counting`: the statements every engine sends (the app builds its own), with the
    parameter sets of executemany batches and the time inside cursor execution (the round
    trip and the driver decoding the rows, as SQLAlchemy sees it); the time in
    `propose_plan`; and the cyclic garbage collector's pauses. The three are kept exclusive:
    a collection during a statement or a proposal counts as collection only."""

    def __init__(self) -> None:
        self.active = False
        self.statements: list[list] = []  # [first words, parameter sets, seconds]
        self.proposing = 0.0
        self.collecting: dict[str, float] = {}  # phase -> seconds of GC pauses
        self.collections = [0, 0, 0]  # per generation
        self._phase = "other"
        self._since = 0.0
        self._gc_started = 0.0
        self._original_propose = plans.propose_plan
        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.active:
            sets = len(parameters) if executemany else 1
            self.statements.append([" ".join(statement.split()[:3]), sets, 0.0])
            self._phase, self._since = "sql", time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.active and self._phase == "sql":
            self.statements[-1][2] += time.perf_counter() - self._since
            self._phase = "other"

    def _propose(self, *args, **kwargs):
        self._phase, self._since = "proposals", time.perf_counter()
        try:
            return self._original_propose(*args, **kwargs)
        finally:
            self.proposing += time.perf_counter() - self._since
            self._phase = "other"

    def _gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        paused = time.perf_counter() - self._gc_started
        self.collecting[self._phase] = self.collecting.get(self._phase, 0.0) + paused
        self.collections[info["generation"]] += 1

    @contextmanager
    def counting(self) -> Iterator[Instruments]:
        self.statements, self.proposing, self.collecting = [], 0.0, {}
        self.collections = [0, 0, 0]
        self._phase = "other"
        plans.propose_plan = self._propose  # type: ignore[assignment] (looked up per call)
        gc.callbacks.append(self._gc)
        self.active = True
        try:
            yield self
        finally:
            self.active = False
            gc.callbacks.remove(self._gc)
            plans.propose_plan = self._original_propose  # type: ignore[assignment]

    @property
    def in_sql(self) -> float:
        return sum(seconds for _, _, seconds in self.statements)

    def listing(self) -> str:
        return "\n".join(
            f"    {seconds * 1000:7.1f} ms  {words} ..."
            + (f" ({sets} parameter sets)" if sets > 1 else "")
            for words, sets, seconds in self.statements
        )

    def summary(self) -> str:
        batches = [f"{words} x{n}" for words, n, _ in self.statements if n > 1]
        return f"{len(self.statements)} statements" + (
            f" (executemany: {', '.join(batches)})" if batches else ""
        )

    def breakdown(self, total: float) -> str:
        """Where `total` seconds went, exclusive parts, in ms."""
        gc_total = sum(self.collecting.values())
        sql = self.in_sql - self.collecting.get("sql", 0.0)
        proposals = self.proposing - self.collecting.get("proposals", 0.0)
        other = total - sql - proposals - gc_total
        during = ", ".join(f"{ph} {sec * 1000:.0f}" for ph, sec in sorted(self.collecting.items()))
        return (
            f"{total * 1000:.0f} ms = SQL {sql * 1000:.0f} (inside cursor execution) + proposals "
            f"{proposals * 1000:.0f} + garbage collection {gc_total * 1000:.0f} ({during}; "
            f"{self.collections[2]} full, {sum(self.collections)} in all) + other Python "
            f"{other * 1000:.0f}"
        )


@dataclass
class Written:
    """The rows one generation wrote, as bare asyncpg reads them back."""

    columns: dict[str, list[str]]
    rows: dict[str, list[tuple]]

    @classmethod
    async def read(cls, raw: asyncpg.Connection) -> Written:
        columns, rows = {}, {}
        for table in PLAN_TABLES:
            records = await raw.fetch(f"SELECT * FROM {table}")  # noqa: S608 (our names)
            columns[table] = list(records[0].keys()) if records else []
            rows[table] = [tuple(r.values()) for r in records]
        return cls(columns, rows)

    def counts(self) -> str:
        return ", ".join(f"{len(self.rows[t])} {t}" for t in PLAN_TABLES)

    def short(self) -> str:
        plans_, items, gaps = (len(self.rows[t]) for t in PLAN_TABLES)
        return f"{plans_} plans, {items} items, {gaps} open gaps"


async def empty_plans(raw: asyncpg.Connection) -> None:
    # CASCADE: what refers to plans (xAPI statements, ratings, check-in links) is empty here,
    # and TRUNCATE refuses a referenced table without it.
    await raw.execute(f"TRUNCATE {', '.join(PLAN_TABLES)} CASCADE")


def profile_summary(profile: cProfile.Profile, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def profiled(profile: cProfile.Profile, name: str) -> tuple[int, float]:
    """(calls, cumulative seconds) of the functions called `name` in the profile."""
    calls, cumulative = 0, 0.0
    for (_, _, function), (_, ncalls, _, ct, _) in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
        if function == name:
            calls += ncalls
            cumulative += ct
    return calls, cumulative


async def run(args: argparse.Namespace) -> int:
    async with scratch_database(args.url) as scratch:
        engine, raw = scratch.engine, scratch.raw
        print_machine(await raw.fetchval("SELECT version()"))

        t0 = time.perf_counter()
        org = generate(args.employees, args.seed)
        loaded = await load(engine, raw, org)
        added = await ensure_assessed(raw, loaded.tenant_id)
        actor = Actor(loaded.tenant_id, frozenset({Role.HR_ADMIN}), credential_id="bench")
        shape = catalogue(args.seed)
        item_ids = await create_catalogue(engine, actor, loaded, shape)
        uow = SqlUnitOfWorkFactory(engine)
        cohort = await cohorts.create_cohort(
            uow(), actor, key="everyone", name="Everyone", description="", rule=None
        )
        await cohorts.change_members(uow(), actor, cohort_id=cohort.id, add=loaded.employee_ids)
        for table in ("learning_items", "learning_targets", "cohort_members", "assessments"):
            await raw.execute(f"VACUUM ANALYZE {table}")
        t1 = time.perf_counter()
        kinds = sorted({i.kind.value for i in shape.items})
        print(
            f"data: {len(org.people)} employees ({sum(p.active for p in org.people)} active), "
            f"{loaded.level_rows} current levels, one finalised assessment per assessed person "
            f"({added} added here); catalogue {len(item_ids)} items ({', '.join(kinds)}), "
            f"{sum(1 for i in shape.items if i.prerequisites)} with a prerequisite, capabilities "
            f"{', '.join(f'c{c:02}' for c in shape.uncovered)} uncovered; one static cohort of "
            f"{len(loaded.employee_ids)}; loaded in {t1 - t0:.1f} s"
        )
        full, required, below = distinct_proposals(org)
        print(
            f"distinct proposals (inferred): {full} by the service's key (role, every level); "
            f"{required} if keyed on the role's requirements; {below} on the gaps below"
        )
        del org  # the generator's people: not part of a server's heap (the collector walks it)
        rows = await benchmark(args, scratch.engine, raw, scratch.db_url, loaded, cohort.id, actor)
        print_table(
            rows,
            reference="the rows the service wrote, inserted again through bare asyncpg in one "
            "transaction (COPY, or executemany of one INSERT per table)",
        )
        print(f"\ntotal {time.perf_counter() - t0:.0f} s")
        return 0


async def benchmark(
    args: argparse.Namespace,
    engine: AsyncEngine,
    raw: asyncpg.Connection,
    db_url: str,
    loaded: Loaded,
    cohort_id: uuid.UUID,
    actor: Actor,
) -> list[Row]:
    uow = SqlUnitOfWorkFactory(engine)
    instruments = Instruments()
    grouping = Grouping(GroupBy.COHORT, (cohort_id,))
    app = create_app(bench_settings(db_url))
    headers = {"Authorization": f"Bearer {loaded.api_key}"}
    body = {"group_by": "cohort", "ids": [str(cohort_id)]}

    async def service() -> int:
        made = await plans.generate_plans(uow(), actor, grouping=grouping)
        return sum(g.outcome is Outcome.CREATED for g in made)

    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench.test", timeout=600) as client,
    ):

        async def rest_api() -> int:
            response = await client.post(
                "/v1/development-plans:generate", json=body, headers=headers
            )
            if response.status_code != 200:
                raise RuntimeError(f"generate: {response.status_code} {response.text[:500]}")
            return response.json()["created"]

        # Once each, checked and instrumented; these first runs are also the warm-up.
        await empty_plans(raw)
        gc.collect()
        print(f"\nheap: {len(gc.get_objects())} objects tracked by the garbage collector")
        with instruments.counting():
            started = time.perf_counter()
            made = await plans.generate_plans(uow(), actor, grouping=grouping)
            took = time.perf_counter() - started
        created = sum(g.outcome is Outcome.CREATED for g in made)
        outcomes: dict[str, int] = {}
        for g in made:
            outcomes[g.outcome.value] = outcomes.get(g.outcome.value, 0) + 1
        service_sql = instruments.summary()
        written = await Written.read(raw)
        print(f"service, first run: {len(made)} people {outcomes}; wrote {written.counts()}")
        print(f"  {instruments.breakdown(took)}")
        print(f"  SQL: {service_sql}; time inside cursor execution per statement:")
        print(instruments.listing())

        await empty_plans(raw)
        with instruments.counting():
            started = time.perf_counter()
            got_rest = await rest_api()
            took = time.perf_counter() - started
        rest_sql = instruments.summary()
        print(f"REST, first run: {got_rest} created")
        print(f"  {instruments.breakdown(took)}")
        print(f"  SQL: {rest_sql}; the {len(instruments.statements)} statements:")
        print(instruments.listing())

        inserts = {
            t: await raw.prepare(
                f"INSERT INTO {t} ({', '.join(cols)}) "  # noqa: S608 (our names)
                f"VALUES ({', '.join(f'${n}' for n in range(1, len(cols) + 1))})"
            )
            for t, cols in written.columns.items()
            if cols
        }

        async def copy() -> int:
            async with raw.transaction():
                for table in PLAN_TABLES:
                    if written.rows[table]:
                        await raw.copy_records_to_table(
                            table, records=written.rows[table], columns=written.columns[table]
                        )
            return len(written.rows["plans"])

        async def executemany() -> int:
            async with raw.transaction():
                for table in PLAN_TABLES:
                    if written.rows[table]:
                        await inserts[table].executemany(written.rows[table])
            return len(written.rows["plans"])

        await empty_plans(raw)
        got_copy = await copy()
        if not created == got_rest == got_copy:
            raise RuntimeError(f"created: service {created}, REST {got_rest}, COPY {got_copy}")

        timed = await measure(
            {"COPY": copy, "executemany": executemany, "service": service, "REST": rest_api},
            runs=args.runs,
            budget_s=0,
            warmup=0,
            setup=lambda: empty_plans(raw),
        )
        print(f"  measured {len(timed['service'].samples)} interleaved rounds", flush=True)

        # One more service run under the profiler, untimed.
        await empty_plans(raw)
        profile = cProfile.Profile()
        profile.enable()
        await service()
        profile.disable()
        print(f"\n--- cProfile of one service run (top {args.top} by cumulative time) ---")
        print(profile_summary(profile, args.top))
        for name, what in (
            ("propose_plan", "proposals (app.domain.plans.propose_plan)"),
            ("_best_bundle", "  of which ranking offers (_best_bundle)"),
            ("_open_gaps", "  of which open gaps (_open_gaps)"),
            ("employee_gaps", "gaps (app.domain.gaps.employee_gaps)"),
            ("current_levels_of_many", "levels read (current_levels_of_many)"),
            ("generate", "Plan.generate"),
            ("add_many", "plans written (SqlPlanRepository.add_many)"),
        ):
            calls, seconds = profiled(profile, name)
            if calls:
                print(f"  {what}: {calls} calls, {seconds * 1000:.0f} ms cumulative")
        total = pstats.Stats(profile).total_tt  # type: ignore[attr-defined]
        print(f"  profiled total: {total * 1000:.0f} ms (cProfile slows Python about 2x)")

    n = len(loaded.employee_ids)
    rows = []
    for reference in ("COPY", "executemany"):
        for how, sql in (("service", service_sql), ("REST", rest_sql)):
            rows.append(
                Row(
                    f"cohort of {n}: {how} vs {reference}",
                    timed[how],
                    timed[reference],
                    f"{sql.split(' (')[0]}; {written.short()}" if reference == "COPY" else "",
                )
            )
    return rows


def main() -> int:
    parser = arguments("bench.plans", __doc__, employees=5_000, seed=4)
    parser.add_argument("--runs", type=int, default=5, help="timed rounds (after one warm-up)")
    parser.add_argument("--top", type=int, default=12, help="profile lines to print")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
