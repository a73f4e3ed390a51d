"""The demo tenant: built through the use cases, complete enough to try every endpoint on,
and the same for the same seed."""

import time

import pytest

from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.domain.frameworks import VersionStatus
from app.domain.identity import Actor, Role
from app.domain.pagination import MAX_LIMIT, PageRequest
from app.services.demo import DemoTenant, seed_demo
from app.services.frameworks import get_framework, list_frameworks
from tests.integration.helpers import tandem

SENIOR_LEVELS = {"L3", "L4", "L5", "L6"}


@pytest.fixture(scope="module")
async def demo(engine) -> DemoTenant:
    started = time.perf_counter()
    seeded = await seed_demo(SqlUnitOfWorkFactory(engine), name="Demo Ltd", seed=7)
    # Seeding is part of trying the product: it must stay quick (about 1.5 s here).
    assert time.perf_counter() - started < 10
    return seeded


async def every(client, path: str, key: str) -> list[dict]:
    """All items of a REST collection, page after page."""
    items: list[dict] = []
    params: dict[str, str | int] = {"limit": MAX_LIMIT}
    while True:
        response = await client.get(path, params=params, headers={"X-API-Key": key})
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["data"]
        if not body["has_more"]:
            return items
        params["cursor"] = body["next_cursor"]


def admin(demo: DemoTenant) -> Actor:
    return Actor(demo.tenant.id, frozenset({Role.HR_ADMIN}))


async def people(client, demo: DemoTenant) -> list[tuple]:
    """Everyone as comparable facts: ids, profile, manager and role named as the HRIS would."""
    employees = await every(client, "/v1/employees", demo.admin_key)
    roles = {r["id"]: r["key"] for r in await every(client, "/v1/roles", demo.admin_key)}
    external = {e["id"]: e["external_id"] for e in employees}
    return sorted(
        (
            e["external_id"],
            e["name"],
            e["email"],
            e["job_title"],
            e["job_level"],
            e["location"],
            e["hire_date"],
            external.get(e["manager_id"]),
            roles[e["current_role_id"]],
            tuple(sorted(roles[r] for r in e["aspired_role_ids"])),
        )
        for e in employees
    )


async def test_the_demo_has_published_frameworks_and_role_profiles(engine, client, demo):
    uow = SqlUnitOfWorkFactory(engine)
    frameworks = await list_frameworks(uow(), admin(demo), page=PageRequest(limit=MAX_LIMIT))
    assert len(frameworks.items) >= 3
    for framework in frameworks.items:
        detail = await get_framework(uow(), admin(demo), framework_id=framework.id)
        assert [v.status for v in detail.versions] == [VersionStatus.PUBLISHED]
    capabilities = await every(client, "/v1/capabilities", demo.admin_key)
    assert len(capabilities) == demo.counts.capabilities >= 30
    assert {c["type"] for c in capabilities} == {
        "skill",
        "knowledge",
        "behaviour",
        "tool",
        "process",
    }
    assert all(c["indicators"] for c in capabilities)
    roles = await every(client, "/v1/roles", demo.admin_key)
    assert len(roles) == demo.counts.roles >= 20
    assert all(4 <= len(r["requirements"]) <= 8 for r in roles)
    assert all(any(q["core"] for q in r["requirements"]) for r in roles)


async def test_everyone_has_a_role_and_all_but_the_ceo_a_manager(client, demo):
    employees = await every(client, "/v1/employees", demo.admin_key)
    assert len(employees) == demo.counts.employees >= 250
    assert all(e["current_role_id"] for e in employees)
    without_manager = [e["job_title"] for e in employees if e["manager_id"] is None]
    assert without_manager == ["Chief Executive Officer"]
    assert sum(1 for e in employees if e["aspired_role_ids"]) == demo.counts.aspired_roles > 0
    assert len({e["email"] for e in employees}) == len(employees)


async def test_the_org_tree_is_at_least_three_levels_deep(client, demo):
    units = await every(client, "/v1/org-units", demo.admin_key)
    parent = {u["id"]: u["parent_id"] for u in units}

    def depth(unit_id: str) -> int:
        return 0 if parent[unit_id] is None else 1 + depth(parent[unit_id])

    assert len(units) == demo.counts.org_units >= 15
    assert [u["name"] for u in units if u["parent_id"] is None] == ["Demo Ltd"]
    assert max(depth(u["id"]) for u in units) >= 3
    employees = await every(client, "/v1/employees", demo.admin_key)
    assert {e["org_unit_id"] for e in employees} <= set(parent)


async def test_every_cohort_has_members(client, demo):
    cohorts = {c["key"]: c for c in await every(client, "/v1/cohorts", demo.admin_key)}
    assert len(cohorts) == demo.counts.cohorts == 3
    members = {
        key: await every(client, f"/v1/cohorts/{cohort['id']}/members", demo.admin_key)
        for key, cohort in cohorts.items()
    }
    assert all(members.values()), {key: len(found) for key, found in members.items()}
    assert {m["job_level"] for m in members["senior-sales"]} <= SENIOR_LEVELS
    assert len(members["new-manager-pilot"]) == 8
    assert cohorts["engineering-reporting-line"]["kind"] == "rule"
    assert len(members["engineering-reporting-line"]) > len(members["new-manager-pilot"])


async def test_the_same_seed_gives_the_same_people(engine, client, demo):
    again = await seed_demo(SqlUnitOfWorkFactory(engine), name="Demo Ltd", seed=7)
    assert again.tenant.id != demo.tenant.id
    first, second = await people(client, demo), await people(client, again)
    assert first == second
    assert len(first) == demo.counts.employees


async def test_seed_demo_prints_a_working_admin_key_and_counts(client, database_url):
    result = tandem("seed-demo", "--name", "Playground", "--seed", "11", database_url=database_url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    key = next(line.split()[-1] for line in lines if line.startswith("API key"))
    assert any(line.startswith("Created:") and "300 employees" in line for line in lines)
    assert any(line.strip().startswith("curl ") and key in line for line in lines)
    tenant = await client.get("/v1/tenant", headers={"X-API-Key": key})
    assert tenant.json()["name"] == "Playground"
    employees = await client.get("/v1/employees", params={"limit": 1}, headers={"X-API-Key": key})
    assert employees.json()["has_more"]
