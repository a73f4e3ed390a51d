"""Bulk employee upsert benchmark (issue 9): an HRIS sync of 100,000 profiles through the API,
against the fastest way PostgreSQL can do the same upsert, on the same data.

    python -m bench.upsert [--url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
                           [--employees 100000] [--seed 9] [--runs 3]

Creates a scratch database, migrates it, and creates a tenant with 40 org units. Profiles
are generated deterministically: external id, name, email, org unit key, job title and
level, location, hire date and the manager's external id (a tree eight wide).

Ours: `POST /v1/employees:bulk` through the ASGI app (httpx.ASGITransport, so no network),
in batches of 10,000 (the API's cap), as an HRIS integration would send them. Each response
is checked: every row created, updated or unchanged as expected, none failed.

Reference: on a bare asyncpg connection, in one transaction, COPY the profiles into a
temporary table, then one INSERT ... SELECT ... ON CONFLICT (tenant_id, external_id) DO
UPDATE ... WHERE (columns) IS DISTINCT FROM (the new ones), resolving org unit keys by a
join, and one UPDATE linking managers by external id (as the API does).

Three workloads, each our figure against the reference's on the same starting state:

1. create: every profile is new (before each call, untimed: the tenant's employees and
   events deleted, the tables vacuumed);
2. re-send: the same batch again; both must change nothing (ours reports 0 created and 0
   updated);
3. update: a tenth of the profiles changed (each call sends the version the table does not
   hold, so every call changes the same number of rows).

Timings are wall-clock per call in milliseconds; "ratio" is our median over the reference
median. The issue's target: <= 2x the reference.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.domain.bulk import MAX_BULK_ROWS
from app.domain.identity import Actor, Role
from app.main import create_app
from app.services import org_units
from app.services.tenants import create_tenant
from bench.gaps import (
    Row,
    arguments,
    bench_settings,
    measure,
    print_machine,
    print_table,
    scratch_database,
)

UNITS = 40
MANAGER_SPAN = 8
UPDATED_SHARE = 0.10
COLUMNS = (
    "external_id",
    "name",
    "email",
    "org_unit_key",
    "job_title",
    "job_level",
    "location",
    "hire_date",
    "manager_external_id",
)
TITLES = ("Account executive", "Engineer", "Analyst", "Consultant", "Designer", "Manager")
LOCATIONS = ("London", "Berlin", "Lisbon", "Warsaw", "Remote")


def profiles(employees: int, seed: int) -> tuple[list[dict], list[dict]]:
    """The batch, and the same batch with a tenth of the profiles changed (new job title)."""
    rng = random.Random(seed)  # noqa: S311 (data, not secrets)
    start = date(2015, 1, 1)
    batch = []
    for n in range(employees):
        batch.append(
            {
                "external_id": f"hris-{n:07d}",
                "name": f"Person {n}",
                "email": f"person.{n}@bench.example",
                "org_unit_key": f"unit-{rng.randrange(UNITS)}",
                "job_title": rng.choice(TITLES),
                "job_level": f"L{rng.randint(1, 6)}",
                "location": rng.choice(LOCATIONS),
                "hire_date": (start + timedelta(days=rng.randrange(3650))).isoformat(),
                "manager_external_id": None if n == 0 else f"hris-{(n - 1) // MANAGER_SPAN:07d}",
            }
        )
    changed = set(rng.sample(range(employees), round(UPDATED_SHARE * employees)))
    revised = [
        p | {"job_title": f"Senior {p['job_title']}"} if n in changed else p
        for n, p in enumerate(batch)
    ]
    return batch, revised


REFERENCE_UPSERT = """
INSERT INTO employees (id, tenant_id, external_id, name, email, org_unit_id, job_title,
                       job_level, location, status, hire_date, manager_external_id, version,
                       created_at, updated_at)
SELECT gen_random_uuid(), $1, s.external_id, s.name, s.email, u.id, s.job_title, s.job_level,
       s.location, 'active', s.hire_date, s.manager_external_id, 1, now(), now()
FROM staged s LEFT JOIN org_units u ON u.tenant_id = $1 AND u.key = s.org_unit_key
ON CONFLICT (tenant_id, external_id) DO UPDATE SET
    name = EXCLUDED.name, email = EXCLUDED.email, org_unit_id = EXCLUDED.org_unit_id,
    job_title = EXCLUDED.job_title, job_level = EXCLUDED.job_level,
    location = EXCLUDED.location, hire_date = EXCLUDED.hire_date,
    manager_external_id = EXCLUDED.manager_external_id,
    manager_id = CASE WHEN employees.manager_external_id IS DISTINCT FROM
                           EXCLUDED.manager_external_id
                      THEN NULL ELSE employees.manager_id END,
    version = employees.version + 1, updated_at = EXCLUDED.updated_at
WHERE (employees.name, employees.email, employees.org_unit_id, employees.job_title,
       employees.job_level, employees.location, employees.hire_date,
       employees.manager_external_id)
      IS DISTINCT FROM
      (EXCLUDED.name, EXCLUDED.email, EXCLUDED.org_unit_id, EXCLUDED.job_title,
       EXCLUDED.job_level, EXCLUDED.location, EXCLUDED.hire_date,
       EXCLUDED.manager_external_id)
"""
REFERENCE_LINK = """
UPDATE employees e SET manager_id = m.id, version = e.version + 1
FROM employees m
WHERE e.tenant_id = $1 AND e.manager_external_id IS NOT NULL AND e.manager_id IS NULL
  AND m.tenant_id = $1 AND m.external_id = e.manager_external_id
"""


async def reference_upsert(raw: asyncpg.Connection, tenant_id: uuid.UUID, batch: list[dict]):
    """COPY into a temporary table, one INSERT ... ON CONFLICT, one UPDATE; the number of rows
    the INSERT wrote."""
    records = [
        tuple(date.fromisoformat(p[c]) if c == "hire_date" else p[c] for c in COLUMNS)
        for p in batch
    ]
    async with raw.transaction():
        await raw.execute(
            "CREATE TEMP TABLE staged (external_id text, name text, email text, "
            "org_unit_key text, job_title text, job_level text, location text, "
            "hire_date date, manager_external_id text) ON COMMIT DROP"
        )
        await raw.copy_records_to_table("staged", records=records, columns=COLUMNS)
        written = await raw.execute(REFERENCE_UPSERT, tenant_id)
        await raw.execute(REFERENCE_LINK, tenant_id)
    return int(written.rsplit(" ", 1)[1])


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


async def api_upsert(client: httpx.AsyncClient, headers: dict, batch: list[dict]) -> Counts:
    counts = Counts()
    for start in range(0, len(batch), MAX_BULK_ROWS):
        rows = batch[start : start + MAX_BULK_ROWS]
        response = await client.post("/v1/employees:bulk", json={"rows": rows}, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"POST /v1/employees:bulk: {response.status_code} {response.text}")
        body = response.json()
        if body["failed"]:
            raise RuntimeError(f"{body['failed']} rows failed: {body['rows'][:3]}")
        counts.created += body["created"]
        counts.updated += body["updated"]
        counts.unchanged += body["unchanged"]
    return counts


async def empty_tenant(raw: asyncpg.Connection, tenant_id: uuid.UUID) -> None:
    await raw.execute("DELETE FROM events WHERE tenant_id = $1", tenant_id)
    await raw.execute("DELETE FROM employees WHERE tenant_id = $1", tenant_id)
    await raw.execute("VACUUM ANALYZE employees")
    await raw.execute("VACUUM ANALYZE events")


async def run(args: argparse.Namespace) -> int:
    async with scratch_database(args.url) as scratch:
        engine, raw = scratch.engine, scratch.raw
        print_machine(await raw.fetchval("SELECT version()"))
        t0 = time.perf_counter()
        batch, revised = profiles(args.employees, args.seed)
        print(
            f"data: {len(batch)} profiles in {UNITS} org units, managers {MANAGER_SPAN} wide, "
            f"{round(UPDATED_SHARE * len(batch))} changed in the update; sent in batches of "
            f"{MAX_BULK_ROWS}; generated in {time.perf_counter() - t0:.1f} s"
        )
        rows = await benchmark(args, engine, raw, scratch.db_url, batch, revised)
        print_table(
            rows,
            "COPY into a temporary table + one INSERT ... ON CONFLICT DO UPDATE ... WHERE IS "
            "DISTINCT FROM + one UPDATE linking managers, on a bare asyncpg connection",
        )
        print(f"\ntotal {time.perf_counter() - t0:.0f} s")
        return 0


async def benchmark(
    args: argparse.Namespace,
    engine: AsyncEngine,
    raw: asyncpg.Connection,
    db_url: str,
    batch: list[dict],
    revised: list[dict],
) -> list[Row]:
    uow = SqlUnitOfWorkFactory(engine)
    created = await create_tenant(uow(), name="Upsert Ltd")
    tenant_id = created.tenant.id
    admin = Actor(tenant_id, frozenset({Role.HR_ADMIN}), credential_id="bench")
    for n in range(UNITS):
        await org_units.create_org_unit(
            uow(), admin, key=f"unit-{n}", name=f"Unit {n}", parent_id=None
        )
    app = create_app(bench_settings(db_url))
    headers = {"Authorization": f"Bearer {created.admin_key.plaintext}"}
    changed = sum(a != b for a, b in zip(batch, revised, strict=True))
    timed = {"runs": args.runs, "budget_s": 0, "warmup": 1}
    rows: list[Row] = []
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench.test", timeout=600) as client,
    ):

        async def ours_create() -> None:
            counts = await api_upsert(client, headers, batch)
            assert counts.created == len(batch), counts

        async def reference_create() -> None:
            assert await reference_upsert(raw, tenant_id, batch) == len(batch)

        found = await measure(
            {"ours": ours_create, "reference": reference_create},
            setup=lambda: empty_tenant(raw, tenant_id),
            **timed,
        )
        rows.append(Row("create", found["ours"], found["reference"], f"{len(batch)} new"))

        await api_upsert(client, headers, batch)

        async def ours_resend() -> None:
            counts = await api_upsert(client, headers, batch)
            assert (counts.created, counts.updated) == (0, 0), counts

        async def reference_resend() -> None:
            assert await reference_upsert(raw, tenant_id, batch) == 0

        found = await measure({"ours": ours_resend, "reference": reference_resend}, **timed)
        rows.append(Row("re-send", found["ours"], found["reference"], "0 changes, both"))

        holds = {"version": 0}

        def flipped() -> list[dict]:
            holds["version"] ^= 1
            return revised if holds["version"] else batch

        async def ours_update() -> None:
            counts = await api_upsert(client, headers, flipped())
            assert counts.updated == changed, counts

        async def reference_update() -> None:
            assert await reference_upsert(raw, tenant_id, flipped()) == changed

        found = await measure({"ours": ours_update, "reference": reference_update}, **timed)
        rows.append(Row("update", found["ours"], found["reference"], f"{changed} changed"))
    return rows


def main() -> int:
    parser = arguments("bench.upsert", __doc__, employees=100_000, seed=9)
    parser.add_argument("--runs", type=int, default=3, help="timed calls of each, per workload")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
