"""Heat maps served by a real API process (issue 9): the tenant-wide heat map at 100k
employees against psql, and the team heat map under concurrent load against raw asyncpg.

    python -m bench.heatmap [--url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
                            [--employees 100000] [--seed 4] [--runs 10]
                            [--concurrency 16] [--seconds 15]

Loads the bench.gaps organisation (seeded, deterministic) into a scratch database, then starts
`tandem serve` on it in its own process, as it is deployed: uvicorn, one process, default
logging to a discarded stream, no in-process scheduler. Every HTTP call goes over TCP to that
process.

- **Tenant-wide heat map**: `GET /v1/gaps?group_by=tenant`, timed from this process, against
  the same statement (captured from the engine) run by `psql` as a prepared statement and
  timed by psql's own `\\timing`. The rounds interleave; each psql round is a fresh session
  that runs the statement twice and keeps the second (warm) time. The API process's resident
  set (VmRSS) and peak (VmHWM) are read from /proc after the rounds.
- **Team heat map under load**: `--concurrency` clients, each on its own keep-alive
  connection, send `GET /v1/gaps?group_by=team&ids=<manager>` back to back for `--seconds`.
  The reference is the same statements the service sends for it (the ids below the manager,
  then the aggregate), run back to back by as many bare asyncpg connections. The figure is
  requests (or statement pairs) completed per second. The load client is a minimal HTTP/1.1
  writer and reader, so that it costs the shared CPUs as little as asyncpg's client does.
  The same load on `GET /healthz` (no credentials, no database) gives the floor: what the
  process serves when a route does nothing. Before the server starts, the team request's
  Python CPU is split in-process: the whole request, an authenticated request that does
  little, the API-key check and the service.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.domain.identity import Actor, Role
from app.domain.views import GroupBy, Grouping
from app.services import gaps
from app.services.authentication import authenticate_api_key
from bench.cycles import employee_writes_in_chunks
from bench.gaps import (
    CAPABILITIES,
    JWT_SECRET,
    Loaded,
    SqlCapture,
    Timing,
    api_client,
    arguments,
    generate,
    load,
    print_machine,
    scratch_database,
)

TENANT_API_BUDGET_MS = 1000.0
TENANT_RATIO_TARGET = 2.0
RSS_LIMIT_MIB = 500.0
THROUGHPUT_TARGET = 0.60


# --------------------------------------------------------------------------- the API process


@dataclass
class Server:
    process: subprocess.Popen
    port: int

    def memory_mib(self) -> dict[str, float]:
        """VmRSS (resident now) and VmHWM (peak resident) of the API process, in MiB."""
        found = {}
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    found[key] = int(value.split()[0]) / 1024
        return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def api_process(db_url: str) -> Iterator[Server]:
    """`tandem serve` on the scratch database, stopped (SIGTERM, then SIGKILL) on the way out."""
    port = free_port()
    tandem = shutil.which("tandem", path=os.path.dirname(sys.executable)) or "tandem"
    env = os.environ | {
        "TANDEM_DATABASE_URL": db_url,
        "TANDEM_JWT_SECRET": JWT_SECRET,
        "TANDEM_IN_PROCESS_SCHEDULER": "false",
        # The load runs one key far past any per-key quota: it measures the service.
        "TANDEM_RATE_LIMIT_PER_MINUTE": "0",
    }
    env.pop("TANDEM_REDIS_URL", None)
    process = subprocess.Popen(  # noqa: S603 (our own command)
        [tandem, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"tandem serve exited with {process.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("tandem serve did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield Server(process, port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Connection:
    """One keep-alive HTTP/1.1 connection that sends one fixed GET and reads the answer: the
    least client work per request, so that the load generator leaves the CPUs to the server."""

    def __init__(self, port: int, target: str, api_key: str) -> None:
        self.port = port
        self.request = (
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {api_key}\r\nAccept: application/json\r\n\r\n"
        ).encode()

    async def __aenter__(self) -> Connection:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.writer.close()
        await self.writer.wait_closed()

    async def get(self) -> bytes:
        self.writer.write(self.request)
        status = await self.reader.readline()
        length = None
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise RuntimeError(f"no Content-Length in the answer to {self.request[:60]!r}")
        body = await self.reader.readexactly(length)
        if status.split()[1:2] != [b"200"]:
            raise RuntimeError(f"{status.decode().strip()}: {body[:300].decode()}")
        return body


# --------------------------------------------------------------------------- psql


def psql_literal(value: object) -> str:
    """A bound parameter as a SQL literal, for EXECUTE in psql."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return psql_literal("{" + ",".join(f'"{v}"' for v in value) + "}")
    if isinstance(value, uuid.UUID | str | date | datetime):
        return "'" + str(value).replace("'", "''") + "'"
    raise TypeError(f"no psql literal for {type(value).__name__}")


def psql_ms(dsn: str, sql: str, parameters: tuple) -> float:
    """The statement as a prepared statement in a fresh psql session, executed twice; psql's
    `\\timing` of the second (warm) execution, in ms."""
    execute = f"EXECUTE bench_q({', '.join(psql_literal(p) for p in parameters)});"
    if not parameters:
        execute = "EXECUTE bench_q;"
    script = f"PREPARE bench_q AS {sql};\n{execute}\n\\timing on\n{execute}\n"
    finished = subprocess.run(  # noqa: S603
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dsn],  # noqa: S607 (psql on PATH)
        input=script,
        capture_output=True,
        text=True,
        check=True,
    )
    times = re.findall(r"^Time: ([\d.]+) ms", finished.stdout, re.MULTILINE)
    if len(times) != 1:
        raise RuntimeError(f"psql printed {len(times)} timings: {finished.stdout[-500:]}")
    return float(times[0])


# --------------------------------------------------------------------------- the workloads


def gaps_target(grouping: Grouping) -> str:
    query = [("group_by", grouping.by.value)] + [("ids", str(i)) for i in grouping.ids]
    return f"/v1/gaps?{urlencode(query)}"


def cells_of(body: bytes) -> int:
    return sum(len(group["cells"]) for group in json.loads(body)["groups"])


async def tenant_heat_map(
    args: argparse.Namespace,
    server: Server,
    dsn: str,
    statements: list[tuple[str, tuple]],
    loaded: Loaded,
    expected: int,
) -> tuple[Timing, Timing, dict[str, float]]:
    (sql, parameters) = statements[-1]  # the aggregate; a tenant roll-up sends one statement
    if len(statements) != 1:
        raise RuntimeError(f"the tenant roll-up sent {len(statements)} statements, not 1")
    ours, reference = [], []
    target = gaps_target(Grouping(GroupBy.TENANT))
    async with Connection(server.port, target, loaded.api_key) as connection:
        got = cells_of(await connection.get())  # also the warm-up
        if got != expected:
            raise RuntimeError(f"tenant heat map: {got} cells over HTTP, {expected} in-process")
        psql_ms(dsn, sql, parameters)
        for n in range(args.runs):
            for how in ("api", "psql") if n % 2 == 0 else ("psql", "api"):
                if how == "psql":
                    reference.append(await asyncio.to_thread(psql_ms, dsn, sql, parameters))
                    continue
                started = time.perf_counter()
                await connection.get()
                ours.append((time.perf_counter() - started) * 1000)
    return Timing(ours), Timing(reference), server.memory_mib()


@dataclass
class Throughput:
    completed: int
    seconds: float
    latencies: list[float]  # ms

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds

    def __str__(self) -> str:
        ordered = sorted(self.latencies)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return (
            f"{self.per_second:8.1f} req/s ({self.completed} in {self.seconds:.1f} s; latency "
            f"median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms)"
        )


async def under_load(concurrency: int, seconds: float, make_client, call) -> Throughput:
    """`concurrency` clients, each calling `call(client)` back to back until `seconds` pass."""
    latencies: list[float] = []
    deadline = 0.0

    async def client_loop() -> None:
        async with make_client() as client:
            await call(client)  # opened and warm before the clock starts
            await ready.wait()
            while (started := time.perf_counter()) < deadline:
                await call(client)
                latencies.append((time.perf_counter() - started) * 1000)

    ready = asyncio.Event()
    tasks = [asyncio.create_task(client_loop()) for _ in range(concurrency)]
    await asyncio.sleep(0.5)
    started = time.perf_counter()
    deadline = started + seconds
    ready.set()
    await asyncio.gather(*tasks)
    return Throughput(len(latencies), time.perf_counter() - started, latencies)


async def team_under_load(
    args: argparse.Namespace,
    server: Server,
    dsn: str,
    statements: list[tuple[str, tuple]],
    grouping: Grouping,
    loaded: Loaded,
    expected: int,
) -> tuple[Throughput, Throughput, Throughput]:
    """Our rate, the reference's, and the framework's floor: `GET /healthz` under the same
    load (no credentials, no database), the most any route of this process can serve."""
    target = gaps_target(grouping)

    async def api_call(connection: Connection) -> None:
        await connection.get()

    async with Connection(server.port, target, loaded.api_key) as connection:
        got = cells_of(await connection.get())
    if got != expected:
        raise RuntimeError(f"team heat map: {got} cells over HTTP, {expected} in-process")

    class Bare:
        """A bare asyncpg connection replaying the captured statements, prepared."""

        async def __aenter__(self) -> Bare:
            self.connection = await asyncpg.connect(dsn)
            self.prepared = [(await self.connection.prepare(s), p) for s, p in statements]
            return self

        async def __aexit__(self, *exc: object) -> None:
            await self.connection.close()

    async def reference_call(bare: Bare) -> None:
        rows: list = []
        for statement, parameters in bare.prepared:
            rows = await statement.fetch(*parameters)
        if len(rows) != expected:
            raise RuntimeError(f"team reference: {len(rows)} rows, not {expected}")

    ours = await under_load(
        args.concurrency,
        args.seconds,
        lambda: Connection(server.port, target, loaded.api_key),
        api_call,
    )
    reference = await under_load(args.concurrency, args.seconds, Bare, reference_call)
    floor = await under_load(
        args.concurrency,
        args.seconds,
        lambda: Connection(server.port, "/healthz", loaded.api_key),
        api_call,
    )
    return ours, reference, floor


async def cpu_per_call(calls: dict[str, Callable[[], Awaitable[object]]], n: int) -> dict:
    """Python CPU (process time) per call, in ms, after 20 untimed calls of each: where a
    request's cost goes, since under load the API process is CPU-bound."""
    found = {}
    for label, call in calls.items():
        for _ in range(20):
            await call()
        started = time.process_time()
        for _ in range(n):
            await call()
        found[label] = (time.process_time() - started) / n * 1000
    return found


async def team_breakdown(
    db_url: str, uow: SqlUnitOfWorkFactory, actor: Actor, team: Grouping, api_key: str
) -> dict[str, float]:
    """The team request's Python CPU, in-process: the whole request (httpx.ASGITransport),
    an authenticated request doing little (one role), the API-key check, the service."""
    async with api_client(db_url, api_key) as client:
        return await cpu_per_call(
            {
                "GET /v1/gaps (team), whole request": lambda: client.get(gaps_target(team)),
                "GET /v1/roles?limit=1, whole request": lambda: client.get("/v1/roles?limit=1"),
                "API-key check (authenticate_api_key)": lambda: authenticate_api_key(
                    uow(), presented=api_key
                ),
                "the service (gaps.roll_up)": lambda: gaps.roll_up(uow(), actor, grouping=team),
                "GET /healthz, whole request": lambda: client.get("/healthz"),
            },
            300,
        )


# --------------------------------------------------------------------------- the run


async def run(args: argparse.Namespace) -> int:
    async with scratch_database(args.url) as scratch:
        engine, raw = scratch.engine, scratch.raw
        print_machine(await raw.fetchval("SELECT version()"))
        t0 = time.perf_counter()
        org = generate(args.employees, args.seed)
        with employee_writes_in_chunks():
            loaded = await load(engine, raw, org)
        manager = org.team_manager()
        print(
            f"data: {len(org.people)} employees ({sum(p.active for p in org.people)} active), "
            f"{loaded.level_rows} current levels, {CAPABILITIES} capabilities; loaded in "
            f"{time.perf_counter() - t0:.0f} s; team: manager #{manager}, "
            f"{org.below[manager]} people below"
        )
        team = Grouping(GroupBy.TEAM, (loaded.employee_ids[manager],))
        tenant = Grouping(GroupBy.TENANT)
        del org

        # What the service sends and answers, in-process, to check the API and replay the SQL.
        uow = SqlUnitOfWorkFactory(engine)
        actor = Actor(loaded.tenant_id, frozenset({Role.HR_ADMIN}), credential_id="bench")
        capture = SqlCapture(engine)
        captured, expected = {}, {}
        for name, grouping in (("tenant", tenant), ("team", team)):
            captured[name] = await capture.take(
                lambda grouping=grouping: gaps.roll_up(uow(), actor, grouping=grouping)
            )
            rolled = await gaps.roll_up(uow(), actor, grouping=grouping)
            expected[name] = sum(len(cells) for cells in rolled.values())
        breakdown = await team_breakdown(scratch.db_url, uow, actor, team, loaded.api_key)
        await engine.dispose()  # leave the connections to the API process
        dsn = make_url(scratch.db_url).set(drivername="postgresql").render_as_string(False)

        with api_process(scratch.db_url) as server:
            idle = server.memory_mib()
            api, psql, memory = await tenant_heat_map(
                args, server, dsn, captured["tenant"], loaded, expected["tenant"]
            )
            print(f"  measured the tenant heat map ({args.runs} interleaved rounds)", flush=True)
            ours, reference, floor = await team_under_load(
                args, server, dsn, captured["team"], team, loaded, expected["team"]
            )
            print(f"  measured the team heat map under load ({args.seconds:.0f} s each)")
            after_load = server.memory_mib()

        ratio = api.median / psql.median
        share = ours.per_second / reference.per_second
        print(f"\ntenant-wide heat map, {args.employees} employees, {expected['tenant']} cells:")
        print(f"  API  GET /v1/gaps?group_by=tenant  ms median / p95: {api}")
        print(f"  psql (prepared, \\timing)          ms median / p95: {psql}")
        print(
            f"  ratio {ratio:.2f}x (target <= {TENANT_RATIO_TARGET:.0f}x); API median "
            f"{api.median:.0f} ms (target < {TENANT_API_BUDGET_MS:.0f} ms)"
        )
        print(
            f"  API process RSS: {idle['VmRSS']:.0f} MiB idle, {memory['VmRSS']:.0f} MiB after "
            f"the rounds, peak {memory['VmHWM']:.0f} MiB (target < {RSS_LIMIT_MIB:.0f} MiB); "
            f"peak after the team load {after_load['VmHWM']:.0f} MiB"
        )
        print(
            f"\nteam heat map ({expected['team']} cells) under load, {args.concurrency} "
            f"concurrent clients for {args.seconds:.0f} s:"
        )
        print(f"  API  GET {gaps_target(team)[:40]}...: {ours}")
        print(f"  raw asyncpg, {len(captured['team'])} statements a call:   {reference}")
        print(f"  floor, GET /healthz (no credentials, no database):     {floor}")
        print(f"  API at {share:.0%} of the reference's rate (target >= {THROUGHPUT_TARGET:.0%})")
        floor_share = floor.per_second / reference.per_second
        print(f"  the floor is {floor_share:.0%} of the reference's rate")
        print("  Python CPU per call, in-process (ms):")
        for label, ms in breakdown.items():
            print(f"    {label:<40} {ms:6.2f}")
        print(f"\ntotal {time.perf_counter() - t0:.0f} s")
        return 0


def main() -> int:
    parser = arguments("bench.heatmap", __doc__, employees=100_000, seed=4)
    parser.add_argument("--runs", type=int, default=10, help="rounds of the tenant heat map")
    parser.add_argument("--concurrency", type=int, default=16, help="clients under load")
    parser.add_argument("--seconds", type=float, default=15.0, help="load per side")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
