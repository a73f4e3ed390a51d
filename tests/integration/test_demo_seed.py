"""The demo tenant: built through the use cases, complete enough to try every endpoint on,
and the same for the same seed."""

import time
from collections import Counter

import pytest

from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.domain.frameworks import VersionStatus
from app.domain.identity import Actor, Role
from app.domain.pagination import MAX_LIMIT, PageRequest
from app.domain.plans import LearningKind
from app.services.demo import DemoTenant, seed_demo
from app.services.demo_data.learning import LOWER_LEVELS_ONLY, UNCOVERED
from app.services.frameworks import get_framework, list_frameworks
from tests.integration.helpers import tandem

SENIOR_LEVELS = {"L3", "L4", "L5", "L6"}


@pytest.fixture(scope="module")
async def demo(engine) -> DemoTenant:
    started = time.perf_counter()
    seeded = await seed_demo(SqlUnitOfWorkFactory(engine), name="Demo Ltd", seed=7)
    # Seeding is part of trying the product: it must stay quick (about 2.5 s here).
    assert time.perf_counter() - started < 10
    return seeded


async def every(client, path: str, key: str, **filters: str) -> list[dict]:
    """All items of a REST collection, page after page."""
    items: list[dict] = []
    params: dict[str, str | int] = {"limit": MAX_LIMIT, **filters}
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


async def test_the_demo_runs_its_loop_on_workflows(client, demo):
    workflows = await every(client, "/v1/workflows", demo.admin_key)
    assert len(workflows) == demo.counts.workflows == 2
    assert {w["status"] for w in workflows} == {"active"}
    triggers = {w["key"]: w["definition"]["triggers"][0]["type"] for w in workflows}
    assert triggers == {"quarterly-sales-review": "schedule", "new-role-baseline": "event"}


async def test_the_demo_has_a_learning_catalogue_that_leaves_gaps_uncovered(client, demo):
    items = await every(client, "/v1/learning-items", demo.admin_key)
    assert len(items) == demo.counts.learning_items >= 25
    assert {i["kind"] for i in items} == set(LearningKind)
    assert any(i["prerequisites"] for i in items)
    assert any(i["external_id"] and i["url"] for i in items)
    assert all(i["minutes"] > 0 and i["format"] for i in items)
    capabilities = await capability_ids(client, demo)
    taught: dict[str, set[int]] = {}
    for item in items:
        for target in item["targets"]:
            levels = range(target["from_level"], target["to_level"])
            taught.setdefault(target["capability_id"], set()).update(levels)
    required = {
        q["capability_id"]
        for role in await every(client, "/v1/roles", demo.admin_key)
        for q in role["requirements"]
    }
    # Deliberately incomplete: nothing teaches one capability, another only at the bottom.
    assert required - set(taught) == {capabilities[UNCOVERED]}
    assert taught[capabilities[LOWER_LEVELS_ONLY]] == {1}


async def test_the_demo_has_an_assessment_cycle_half_finalised_with_plans(client, demo):
    assessments = await every(client, "/v1/assessments", demo.admin_key)
    assert 15 <= len(assessments) == demo.counts.assessments <= 40
    statuses = Counter(a["status"] for a in assessments)
    assert statuses["finalised"] == demo.counts.finalised_assessments
    assert statuses["awaiting_manager"] == demo.counts.assessments - statuses["finalised"] > 0
    assert abs(statuses["finalised"] - statuses["awaiting_manager"]) <= 1
    assert len({a["employee_id"] for a in assessments}) == len(assessments)
    finalised = {a["id"]: a for a in assessments if a["status"] == "finalised"}
    plans = await every(client, "/v1/development-plans", demo.admin_key)
    # A later test finalises the rest, which adds plans: count the seeded ones.
    seeded = [p for p in plans if p["assessment_id"] in finalised]
    assert 0 < len(seeded) == demo.counts.plans <= len(finalised)
    for plan in seeded:
        assert plan["employee_id"] == finalised[plan["assessment_id"]]["employee_id"]
        assert plan["status"] == "draft"
        assert plan["items"]
    falling_short = 0
    for assessment in finalised.values():
        gaps = (await gaps_of(client, demo, assessment["employee_id"]))["gaps"]
        falling_short += any(g["status"] == "below" for g in gaps)
    assert falling_short >= 0.8 * len(finalised)


async def test_finalising_the_waiting_assessments_generates_plans_for_their_gaps(client, demo):
    headers = {"X-API-Key": demo.admin_key}
    waiting = await every(client, "/v1/assessments", demo.admin_key, status="awaiting_manager")
    assert waiting
    for assessment in waiting:
        finalised = await client.post(
            f"/v1/assessments/{assessment['id']}:finalise", headers=headers
        )
        assert finalised.status_code == 200, finalised.text
    planned = 0
    open_gaps: list[dict] = []
    for assessment in waiting:
        employee = assessment["employee_id"]
        found = await every(client, "/v1/development-plans", demo.admin_key, employee_id=employee)
        gaps = {g["capability_id"]: g for g in (await gaps_of(client, demo, employee))["gaps"]}
        below = {c for c, g in gaps.items() if g["status"] == "below"}
        if not found:
            continue
        (plan,) = found
        planned += 1
        assert plan["assessment_id"] == assessment["id"]
        assert plan["status"] == "draft"
        served = {c for item in plan["items"] for c in item["capability_ids"]}
        assert served <= below
        assert all(i["capability_ids"] for i in plan["items"] if i["reason"] == "closes_gap")
        still_open = {g["capability_id"] for g in plan["open_gaps"]}
        assert still_open <= below
        # Every gap is worked on by an item, or reported open with the reason.
        assert below <= served | still_open
        for gap in plan["open_gaps"]:
            assert (
                gap["reached_level"]
                < gap["required_level"]
                == gaps[gap["capability_id"]]["required_level"]
            )
        open_gaps += plan["open_gaps"]
    assert planned >= len(waiting) // 2
    generated = await client.post(
        "/v1/development-plans:generate",
        json={"employee_ids": [a["employee_id"] for a in waiting]},
        headers=headers,
    )
    assert generated.status_code == 200, generated.text
    results = generated.json()["results"]
    outcomes = Counter(r["outcome"] for r in results)
    # Those planned already are up to date; the rest had no gaps or only uncoverable ones.
    assert outcomes["up_to_date"] == planned
    assert set(outcomes) <= {"up_to_date", "no_gaps", "no_content"}
    open_gaps += [gap for r in results for gap in r["open_gaps"]]
    capabilities = await capability_ids(client, demo)
    no_content = {g["capability_id"] for g in open_gaps if g["shortfall"] == "no_content"}
    assert capabilities[UNCOVERED] in no_content
    needs = await client.get("/v1/training-needs", params={"group_by": "tenant"}, headers=headers)
    assert needs.status_code == 200, needs.text
    (group,) = needs.json()["groups"]
    by_capability = {n["capability_id"]: n for n in group["needs"]}
    uncovered = by_capability[capabilities[UNCOVERED]]
    # Nothing teaches it: everyone below it is uncovered, by every level they are short.
    assert uncovered["people_uncovered"] == uncovered["people_below"] > 0
    assert uncovered["levels_uncovered"] == uncovered["levels_short"]
    partly = by_capability[capabilities[LOWER_LEVELS_ONLY]]
    assert 0 < partly["people_uncovered"] <= partly["people_below"]
    assert partly["levels_uncovered"] < partly["levels_short"]


async def capability_ids(client, demo: DemoTenant) -> dict[str, str]:
    """Capability ids by key."""
    return {c["key"]: c["id"] for c in await every(client, "/v1/capabilities", demo.admin_key)}


async def gaps_of(client, demo: DemoTenant, employee_id: str) -> dict:
    response = await client.get(
        f"/v1/employees/{employee_id}/gaps", headers={"X-API-Key": demo.admin_key}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_same_seed_gives_the_same_people_ratings_and_plans(engine, client, demo):
    again = await seed_demo(SqlUnitOfWorkFactory(engine), name="Demo Ltd", seed=7)
    assert again.tenant.id != demo.tenant.id
    first, second = await people(client, demo), await people(client, again)
    assert first == second
    assert len(first) == demo.counts.employees
    assert again.counts == demo.counts
    # The first demo may have had its waiting assessments finalised by now: what the second
    # one finalised while seeding must be the same there.
    first_cycle = await assessment_cycle(client, demo)
    second_cycle = await assessment_cycle(client, again)
    assert second_cycle["results"]
    assert second_cycle["results"].items() <= first_cycle["results"].items()
    assert len(second_cycle["plans"]) == again.counts.plans
    assert second_cycle["plans"].items() <= first_cycle["plans"].items()


async def assessment_cycle(client, demo: DemoTenant) -> dict[str, dict]:
    """Finalised results and plans, by employee external id, capability key and item title."""
    headers = {"X-API-Key": demo.admin_key}
    external = {
        e["id"]: e["external_id"] for e in await every(client, "/v1/employees", demo.admin_key)
    }
    capabilities = {c: key for key, c in (await capability_ids(client, demo)).items()}
    titles = {
        i["id"]: i["title"] for i in await every(client, "/v1/learning-items", demo.admin_key)
    }
    results = {}
    for assessment in await every(client, "/v1/assessments", demo.admin_key, status="finalised"):
        response = await client.get(f"/v1/assessments/{assessment['id']}/results", headers=headers)
        assert response.status_code == 200, response.text
        for result in response.json():
            key = (external[assessment["employee_id"]], capabilities[result["capability_id"]])
            results[key] = (result["level"], result["self_level"], result["manager_level"])
    plans = {
        external[plan["employee_id"]]: (
            tuple(sorted(titles[i["learning_item_id"]] for i in plan["items"])),
            tuple(
                (capabilities[g["capability_id"]], g["reached_level"], g["shortfall"])
                for g in plan["open_gaps"]
            ),
        )
        for plan in await every(client, "/v1/development-plans", demo.admin_key)
    }
    return {"results": results, "plans": plans}


async def test_seed_demo_prints_a_working_admin_key_and_counts(client, database_url):
    result = tandem("seed-demo", "--name", "Playground", "--seed", "11", database_url=database_url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    key = next(line.split()[-1] for line in lines if line.startswith("API key"))
    created = next(line for line in lines if line.startswith("Created:"))
    assert "300 employees" in created
    assert all(what in created for what in ("learning items", "finalised assessments", "plans"))
    assert any(line.strip().startswith("curl ") and key in line for line in lines)
    tenant = await client.get("/v1/tenant", headers={"X-API-Key": key})
    assert tenant.json()["name"] == "Playground"
    employees = await client.get("/v1/employees", params={"limit": 1}, headers={"X-API-Key": key})
    assert employees.json()["has_more"]
