"""GraphQL against REST (issue 9): 1,000 employees with their gaps.

    python -m bench.graphql [--url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
                            [--employees 10000] [--seed 4] [--people 1000] [--runs 5]

Loads the bench.gaps organisation (seeded, deterministic) into a scratch database and asks the
app (in-process, httpx.ASGITransport, so that its statements can be counted) for the first
`--people` employees with their gaps against their current role, two ways:

- **GraphQL**: `employees(first: 500, after: ...) { nodes { ... gaps { ... } } }`, page by
  page (500 is the page cap), so 1,000 people take two requests.
- **REST**, the endpoints for the same data: `GET /v1/employees?limit=500` page by page, then
  `GET /v1/employees/{id}/gaps` for each person, one after the other.

Both must return the same gaps for the same people before anything is timed. The rounds
interleave. The statement count of one GraphQL page is measured at several page sizes, to show
that it does not grow with the number of people (DataLoaders, no N+1).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench.gaps import (
    Loaded,
    api_client,
    arguments,
    generate,
    load,
    measure,
    print_machine,
    scratch_database,
)

PAGE = 500  # the API's page cap, REST and GraphQL alike
RATIO_TARGET = 2.0
QUERY = """
query People($first: Int!, $after: String) {
  employees(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id externalId name
      gaps { capabilityId requiredLevel currentLevel gap status weight weightedGap core }
    }
  }
}
"""
GAP_FIELDS = {  # REST name -> GraphQL name
    "capability_id": "capabilityId",
    "required_level": "requiredLevel",
    "current_level": "currentLevel",
    "gap": "gap",
    "status": "status",  # MET in GraphQL, met in REST: compared lower-cased
    "weight": "weight",
    "weighted_gap": "weightedGap",
    "core": "core",
}

Gaps = dict[str, list[tuple]]  # employee id -> its gaps, comparable across the two APIs


class Statements:
    """Counts the statements every engine in the process sends while `counting()`; the
    count is in `last` afterwards."""

    def __init__(self) -> None:
        self.seen: int | None = None
        self.last = 0
        event.listen(Engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: object) -> None:
        if self.seen is not None:
            self.seen += 1

    @contextmanager
    def counting(self) -> Iterator[None]:
        self.seen = 0
        try:
            yield
        finally:
            self.last, self.seen = self.seen, None


def comparable(value: object) -> object:
    return value.lower() if isinstance(value, str) and value.isupper() else value


def checked(response: httpx.Response) -> dict:
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(f"{response.request.url}: {body['errors']}")
    return body


async def graphql_page(client: httpx.AsyncClient, first: int, after: str | None) -> dict:
    response = await client.post(
        "/graphql", json={"query": QUERY, "variables": {"first": first, "after": after}}
    )
    return checked(response)["data"]["employees"]


async def by_graphql(client: httpx.AsyncClient, people: int) -> Gaps:
    found: Gaps = {}
    after = None
    while len(found) < people:
        page = await graphql_page(client, min(PAGE, people - len(found)), after)
        for node in page["nodes"]:
            found[node["id"]] = sorted(
                tuple(comparable(gap[name]) for name in GAP_FIELDS.values()) for gap in node["gaps"]
            )
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    return found


async def by_rest(client: httpx.AsyncClient, people: int) -> Gaps:
    ids: list[str] = []
    cursor = None
    while len(ids) < people:
        params = {"limit": min(PAGE, people - len(ids))} | ({"cursor": cursor} if cursor else {})
        page = checked(await client.get("/v1/employees", params=params))
        ids += [employee["id"] for employee in page["data"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    found: Gaps = {}
    for employee_id in ids:
        response = await client.get(f"/v1/employees/{employee_id}/gaps")
        found[employee_id] = sorted(
            tuple(gap[name] for name in GAP_FIELDS) for gap in checked(response)["gaps"]
        )
    return found


async def run(args: argparse.Namespace) -> int:
    async with scratch_database(args.url) as scratch:
        print_machine(await scratch.raw.fetchval("SELECT version()"))
        t0 = time.perf_counter()
        org = generate(args.employees, args.seed)
        loaded: Loaded = await load(scratch.engine, scratch.raw, org)
        print(
            f"data: {len(org.people)} employees, {loaded.level_rows} current levels; loaded in "
            f"{time.perf_counter() - t0:.0f} s; asking for the first {args.people} employees"
        )
        statements = Statements()
        async with api_client(scratch.db_url, loaded.api_key) as client:
            graphql = await by_graphql(client, args.people)
            rest = await by_rest(client, args.people)
            if graphql != rest:
                differ = [e for e in rest if graphql.get(e) != rest[e]]
                raise RuntimeError(f"GraphQL and REST disagree on {len(differ)} people")
            gaps = sum(len(g) for g in rest.values())
            print(f"both return {len(rest)} people and {gaps} gaps, the same")

            counts = {}
            for first in (1, 10, 100, PAGE):
                with statements.counting():
                    await graphql_page(client, first, None)
                counts[first] = statements.last
            with statements.counting():
                await by_rest(client, args.people)
            rest_statements = statements.last
            with statements.counting():
                await by_graphql(client, args.people)
            graphql_statements = statements.last

            timed = await measure(
                {
                    "GraphQL": lambda: by_graphql(client, args.people),
                    "REST": lambda: by_rest(client, args.people),
                },
                runs=args.runs,
                budget_s=0,
                warmup=1,
            )

        ours, reference = timed["GraphQL"], timed["REST"]
        pages = -(-args.people // PAGE)
        ratio = ours.median / reference.median
        print(f"\n{args.people} employees with their gaps, ms median / p95 ({args.runs} rounds):")
        print(
            f"  GraphQL, {pages} request(s) of <= {PAGE}: {ours}  ({graphql_statements} statements)"
        )
        print(
            f"  REST, {pages} list page(s) + {len(rest)} gap requests: {reference}  "
            f"({rest_statements} statements)"
        )
        print(f"  ratio {ratio:.2f}x (target <= {RATIO_TARGET:.0f}x REST's time)")
        print(
            "  statements for one GraphQL page of "
            + ", ".join(f"{first}: {n}" for first, n in counts.items())
            + (" (the same at every size)" if len(set(counts.values())) == 1 else " (GROWS)")
        )
        print(f"\ntotal {time.perf_counter() - t0:.0f} s")
        return 0


def main() -> int:
    parser = arguments("bench.graphql", __doc__, employees=10_000, seed=4)
    parser.add_argument("--people", type=int, default=1000, help="employees asked for")
    parser.add_argument("--runs", type=int, default=5, help="interleaved timed rounds")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
