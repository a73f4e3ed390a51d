"""Learning impact over REST and GraphQL on the seeded demo: a simulated cycle (assess, plan,
completions, re-assess) shows in the report as the level changes the test produced; ratings
of completed items sit beside it; who may read and write what."""

import csv
import io
from collections import defaultdict

import pytest

from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.services.demo import DemoTenant, seed_demo
from tests.integration.helpers import assert_problem, auth, fields_of
from tests.integration.test_demo_seed import every
from tests.integration.test_people_rest import counted_statements

REPORT = "/v1/reports/learning-impact"


@pytest.fixture(scope="module")
async def demo(engine) -> DemoTenant:
    return await seed_demo(SqlUnitOfWorkFactory(engine), name="Impact Ltd", seed=11)


async def key_for(client, admin, role, employee_id=None):
    response = await client.post(
        "/v1/api-keys",
        json={"name": role, "roles": [role], "employee_id": employee_id},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    return {"X-API-Key": response.json()["key"]}


async def reassess(client, admin, assessment_id, levels):
    """Open the re-assessment, have each invited rater rate `levels`, and finalise it."""
    url = f"/v1/assessments/{assessment_id}"
    opened = await client.post(f"{url}:open", headers=admin)
    assert opened.status_code == 200, opened.text
    for rater in opened.json()["raters"]:
        role = "employee" if rater["type"] == "self" else "manager"
        as_rater = await key_for(client, admin, role, rater["employee_id"])
        rated = await client.put(
            f"{url}/ratings",
            json={
                "ratings": [{"capability_id": c, "level": n} for c, n in levels.items()],
                "submit": True,
            },
            headers=as_rater,
        )
        assert rated.status_code == 200, rated.text
    finalised = await client.post(f"{url}:finalise", headers=admin)
    assert finalised.status_code == 200, finalised.text


async def test_a_simulated_cycle_on_the_demo_shows_its_level_changes(client, demo, new_tenant):
    admin = {"X-API-Key": demo.admin_key}
    drafts = [p for p in await every(client, "/v1/development-plans", demo.admin_key) if p["items"]]
    chosen = drafts[:3]
    assert len(chosen) == 3

    # What the cycle produces, per capability: (required, before, after) per gap.
    produced: dict[str, list[tuple[int, int | None, int]]] = defaultdict(list)
    completions: dict[str, int] = defaultdict(int)
    for number, plan in enumerate(chosen):
        assessment = (
            await client.get(f"/v1/assessments/{plan['assessment_id']}", headers=admin)
        ).json()
        results = await client.get(
            f"/v1/assessments/{plan['assessment_id']}/results", headers=admin
        )
        before = {r["capability_id"]: r["level"] for r in results.json()}
        url = f"/v1/development-plans/{plan['id']}"
        for item in plan["items"]:
            done = await client.patch(
                f"{url}/items/{item['learning_item_id']}",
                json={"status": "completed"},
                headers=admin,
            )
            assert done.status_code == 200, done.text
            completions[item["learning_item_id"]] += 1
        completed = done.json()
        assert completed["status"] == "completed"
        # The gaps the plan set out to close: what its items serve, and what it left open.
        targeted = {c for i in plan["items"] for c in i["capability_ids"]} | {
            g["capability_id"] for g in plan["open_gaps"]
        }
        # The first person closes every gap; the second moves one level; the third none.
        after = {}
        for requirement in assessment["items"]:
            capability, required = requirement["capability_id"], requirement["required_level"]
            was = before.get(capability)
            if capability not in targeted:
                after[capability] = was
                continue
            start = was or 1
            now = (required, min(start + 1, required), start)[number]
            after[capability] = now
            produced[capability].append((required, was, now))
        await reassess(client, admin, completed["reassessment_id"], after)

    assert produced, "the chosen plans had gaps"
    report = await client.get(REPORT, params={"by": "capability", "limit": 100}, headers=admin)
    assert report.status_code == 200, report.text
    lines = {line["id"]: line for line in report.json()["data"]}
    assert set(lines) == set(produced)
    for capability, gaps in produced.items():
        line = lines[capability]
        changes = [now - was for _, was, now in gaps if was is not None]
        assert (line["gaps"], line["reassessed"]) == (len(gaps), len(gaps))
        assert line["closed"] == sum(now >= required for required, _, now in gaps)
        assert line["share_closed"] == pytest.approx(line["closed"] / len(gaps))
        if changes:
            assert line["mean_level_change"] == pytest.approx(sum(changes) / len(changes))
        else:
            assert line["mean_level_change"] is None
        assert line["key"] and line["name"]
        # Plans and re-assessments ran within the test: time to close is under a day.
        if line["closed"]:
            assert 0 <= line["mean_days_to_close"] < 1
    # Someone closed every gap, someone none: the report tells them apart.
    assert any(line["closed"] for line in lines.values())
    assert any(line["closed"] < line["gaps"] for line in lines.values())

    # Per learning item: each completion counted, each named.
    by_item = await client.get(REPORT, params={"limit": 100}, headers=admin)
    items = {line["id"]: line for line in by_item.json()["data"]}
    assert {i: line["plans"] for i, line in items.items()} == completions
    assert all(line["name"] and line["kind"] for line in items.values())

    # Per org unit: the units of the people whose plans closed.
    by_unit = await client.get(REPORT, params={"by": "org_unit"}, headers=admin)
    assert sum(line["gaps"] for line in by_unit.json()["data"]) == sum(
        len(g) for g in produced.values()
    )

    # Pages and CSV give the same lines.
    first = await client.get(REPORT, params={"by": "capability", "limit": 1}, headers=admin)
    rest = await client.get(
        REPORT,
        params={"by": "capability", "cursor": first.json()["next_cursor"], "limit": 100},
        headers=admin,
    )
    paged = [line["id"] for line in first.json()["data"] + rest.json()["data"]]
    assert paged == list(lines)
    exported = await client.get(REPORT, params={"by": "capability", "format": "csv"}, headers=admin)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["id"] for r in rows] == paged
    assert [int(r["closed"]) for r in rows] == [lines[i]["closed"] for i in paged]

    # One query and one name lookup whatever the page: the same statements for 1 as for all.
    for by in ("capability", "learning_item", "org_unit"):
        seen = set()
        for params in ({"limit": 1}, {"limit": 100}, {"format": "csv"}):
            with counted_statements() as statements:
                answered = await client.get(REPORT, params={"by": by, **params}, headers=admin)
            assert answered.status_code == 200, answered.text
            seen.add(len(statements))
        assert len(seen) == 1, (by, seen)

    # Ratings: the employee rates what they completed; a second rating replaces the first.
    plan = chosen[0]
    employee = plan["employee_id"]
    item = plan["items"][0]["learning_item_id"]
    feedback = f"/v1/development-plans/{plan['id']}/items/{item}/feedback"
    as_employee = await key_for(client, admin, "employee", employee)
    given = await client.put(
        feedback, json={"rating": 2, "comment": "Too long"}, headers=as_employee
    )
    assert given.status_code == 200, given.text
    again = await client.put(feedback, json={"rating": 4}, headers=as_employee)
    assert (again.json()["rating"], again.json()["comment"]) == (4, "")
    manager = (await client.get(f"/v1/employees/{employee}", headers=admin)).json()["manager_id"]
    as_manager = await key_for(client, admin, "manager", manager)
    assert (await client.get(feedback, headers=as_manager)).json()["rating"] == 4
    assert_problem(
        await client.put(feedback, json={"rating": 5}, headers=as_manager), 403, "forbidden"
    )
    bad = await client.put(feedback, json={"rating": 6, "comment": "x" * 2001}, headers=as_employee)
    assert fields_of(assert_problem(bad, 422, "invalid_input")) == {"body.rating", "body.comment"}
    other = await new_tenant("Other")
    assert_problem(await client.get(feedback, headers=auth(other)), 404, "not_found")
    assert_problem(
        await client.put(feedback, json={"rating": 1}, headers=auth(other)), 404, "not_found"
    )
    rated = {
        line["id"]: line
        for line in (await client.get(REPORT, params={"limit": 100}, headers=admin)).json()["data"]
    }
    assert (rated[item]["ratings"], rated[item]["mean_rating"]) == (1, 4.0)

    # Not completed yet: 409; not in the plan: 404; never rated: 404.
    open_plan = drafts[3]
    pending = open_plan["items"][0]["learning_item_id"]
    as_other_employee = await key_for(client, admin, "employee", open_plan["employee_id"])
    early = await client.put(
        f"/v1/development-plans/{open_plan['id']}/items/{pending}/feedback",
        json={"rating": 3},
        headers=as_other_employee,
    )
    assert_problem(early, 409, "conflict")
    missing = f"/v1/development-plans/{plan['id']}/items/{open_plan['id']}/feedback"
    assert_problem(
        await client.put(missing, json={"rating": 3}, headers=as_employee), 404, "not_found"
    )
    unrated = plan["items"][-1]["learning_item_id"]
    if unrated != item:
        url = f"/v1/development-plans/{plan['id']}/items/{unrated}/feedback"
        assert_problem(await client.get(url, headers=as_employee), 404, "not_found")

    # Who reads the report: hr_admin, integrations, managers over their line; not employees.
    assert_problem(await client.get(REPORT, headers=as_employee), 403, "forbidden")
    integration = await key_for(client, admin, "integration")
    as_admin, as_integration = [
        (await client.get(REPORT, params={"limit": 100}, headers=who)).json()
        for who in (admin, integration)
    ]
    assert as_integration == as_admin
    mine = await client.get(REPORT, params={"by": "capability"}, headers=as_manager)
    assert mine.status_code == 200, mine.text
    assert {line["id"] for line in mine.json()["data"]} <= set(lines)
    assert (await client.get(REPORT, headers=auth(other))).json()["data"] == []
    unit = by_unit.json()["data"][0]["id"]
    assert_problem(
        await client.get(REPORT, params={"org_unit_id": unit}, headers=auth(other)),
        404,
        "not_found",
    )
    narrowed = await client.get(
        REPORT, params={"by": "org_unit", "org_unit_id": unit}, headers=admin
    )
    assert unit in {line["id"] for line in narrowed.json()["data"]}
    wrong = await client.get(REPORT, params={"by": "team"}, headers=admin)
    assert fields_of(assert_problem(wrong, 422, "invalid_input")) == {"query.by"}

    # GraphQL: the same lines, nested objects through the loaders, and rating.
    query = """query($by: LearningImpactBy!) { learningImpact(by: $by, first: 100) {
        nodes { id gaps closed meanLevelChange capability { key } learningItem { id } } } }"""
    answered = await client.post(
        "/graphql", json={"query": query, "variables": {"by": "CAPABILITY"}}, headers=admin
    )
    nodes = answered.json()["data"]["learningImpact"]["nodes"]
    assert [(n["id"], n["gaps"], n["closed"]) for n in nodes] == [
        (i, lines[i]["gaps"], lines[i]["closed"]) for i in paged
    ]
    assert all(n["capability"]["key"] == lines[n["id"]]["key"] for n in nodes)
    assert all(n["learningItem"] is None for n in nodes)
    denied = await client.post(
        "/graphql", json={"query": query, "variables": {"by": "LEARNING_ITEM"}}, headers=as_employee
    )
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    rate = """mutation($plan: UUID!, $item: UUID!, $rating: Int!) {
        rateLearning(planId: $plan, learningItemId: $item, rating: $rating) { rating } }"""
    variables = {"plan": plan["id"], "item": item, "rating": 5}
    rerated = await client.post(
        "/graphql", json={"query": rate, "variables": variables}, headers=as_employee
    )
    assert rerated.json()["data"]["rateLearning"] == {"rating": 5}
    read = """query($plan: UUID!, $item: UUID!) {
        learningFeedback(planId: $plan, learningItemId: $item) { rating comment } }"""
    ids = {"plan": plan["id"], "item": item}
    seen = await client.post("/graphql", json={"query": read, "variables": ids}, headers=as_manager)
    assert seen.json()["data"]["learningFeedback"] == {"rating": 5, "comment": ""}
    hidden = await client.post(
        "/graphql", json={"query": read, "variables": ids}, headers=auth(other)
    )
    assert hidden.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    refused = await client.post(
        "/graphql",
        json={"query": rate, "variables": variables | {"rating": 0}},
        headers=as_employee,
    )
    assert refused.json()["errors"][0]["extensions"]["field_errors"][0]["field"] == "rating"
