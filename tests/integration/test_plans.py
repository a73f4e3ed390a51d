"""Development plans over REST and GraphQL: generated on finalisation, worked through,
completed by an LMS, closed with a re-assessment; training needs; who sees and changes what."""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from app.adapters.db.tables import assessments, current_levels, employees
from tests.integration.helpers import (
    assert_problem,
    auth,
    fields_of,
    key_for,
    published_catalogue,
)
from tests.integration.test_people_rest import counted_statements


async def upserted_ids(engine, tenant_id, external_ids) -> list[uuid.UUID]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(employees.c.external_id, employees.c.id).where(
                employees.c.tenant_id == tenant_id, employees.c.external_id.in_(external_ids)
            )
        )
        found = {row.external_id: row.id for row in rows}
    return [found[e] for e in external_ids]


async def small_org(client, admin, reports=("a", "b")):
    """A published catalogue, a seller role needing negotiation 3 (core) and CRM 2, a manager
    with reports holding the role, and a catalogue that teaches negotiation but not CRM."""
    ids = await published_catalogue(client, admin)
    role = await client.post(
        "/v1/roles",
        json={
            "key": "seller",
            "name": "Seller",
            "requirements": [
                {
                    "capability_id": ids["negotiation"],
                    "required_level": 3,
                    "weight": 2,
                    "core": True,
                },
                {"capability_id": ids["crm"], "required_level": 2},
            ],
        },
        headers=auth(admin),
    )
    assert role.status_code == 201, role.text
    rows = [{"external_id": "m", "name": "M"}] + [
        {"external_id": r, "name": r.upper(), "manager_external_id": "m"} for r in reports
    ]
    await client.post("/v1/employees:bulk", json={"rows": rows}, headers=auth(admin))
    await client.post(
        "/v1/role-assignments:bulk",
        json={"rows": [{"employee_external_id": r, "role_key": "seller"} for r in reports]},
        headers=auth(admin),
    )
    people = {
        p["external_id"]: p["id"]
        for p in (
            await client.get("/v1/employees", params={"limit": 500}, headers=auth(admin))
        ).json()["data"]
    }
    basics = await client.post(
        "/v1/learning-items",
        json={
            "title": "Negotiation basics",
            "kind": "course",
            "external_id": "lms-neg-101",
            "minutes": 120,
            "targets": [{"capability_id": ids["negotiation"], "from_level": 1, "to_level": 2}],
        },
        headers=auth(admin),
    )
    mentoring = await client.post(
        "/v1/learning-items",
        json={
            "title": "Shadow a senior negotiator",
            "kind": "mentoring",
            "minutes": 300,
            "prerequisites": [basics.json()["id"]],
            "targets": [{"capability_id": ids["negotiation"], "from_level": 2, "to_level": 3}],
        },
        headers=auth(admin),
    )
    return ids, people, basics.json()["id"], mentoring.json()["id"]


async def assess(client, admin, employee_id, levels):
    """Create, rate as the manager would (through hr_admin's lead rights) and finalise."""
    created = await client.post(
        "/v1/assessments",
        json={"employee_id": employee_id, "required_rater_types": ["manager"]},
        headers=auth(admin),
    )
    assert created.status_code == 201, created.text
    assessment = created.json()
    manager = next(r["employee_id"] for r in assessment["raters"] if r["type"] == "manager")
    as_manager = await key_for(client, admin, "manager", manager)
    url = f"/v1/assessments/{assessment['id']}"
    rated = await client.put(
        f"{url}/ratings",
        json={
            "ratings": [{"capability_id": c, "level": level} for c, level in levels.items()],
            "submit": True,
        },
        headers=as_manager,
    )
    assert rated.status_code == 200, rated.text
    finalised = await client.post(f"{url}:finalise", headers=as_manager)
    assert finalised.status_code == 200, finalised.text
    return assessment["id"]


async def test_the_loop_from_finalisation_to_reassessment(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    ids, people, basics, mentoring = await small_org(client, admin)
    as_a = await key_for(client, admin, "employee", people["a"])
    as_b = await key_for(client, admin, "employee", people["b"])
    as_manager = await key_for(client, admin, "manager", people["m"])
    lms = await key_for(client, admin, "integration")

    assessment = await assess(client, admin, people["a"], {ids["negotiation"]: 1, ids["crm"]: 1})
    listed = await client.get("/v1/development-plans", headers=as_a)
    (plan,) = listed.json()["data"]
    assert plan["assessment_id"] == assessment
    assert (plan["status"], plan["progress"]) == ("draft", 0)
    assert [i["learning_item_id"] for i in plan["items"]] == [basics, mentoring]
    assert plan["open_gaps"] == [
        {
            "capability_id": ids["crm"],
            "reached_level": 1,
            "required_level": 2,
            "shortfall": "no_content",
        }
    ]
    url = f"/v1/development-plans/{plan['id']}"

    # Visibility: the employee and their manager, not a peer, not another tenant.
    assert (await client.get(url, headers=as_manager)).status_code == 200
    assert_problem(await client.get(url, headers=as_b), 404, "not_found")
    assert_problem(await client.get(url, headers=auth(other)), 404, "not_found")
    assert (await client.get("/v1/development-plans", headers=as_b)).json()["data"] == []
    assert_problem(await client.post(f"{url}:cancel", headers=auth(other)), 404, "not_found")

    # The employee starts their plan and reports progress; waiving is for leads.
    started = await client.patch(
        f"{url}/items/{basics}", json={"status": "in_progress"}, headers=as_a
    )
    assert started.json()["status"] == "active", started.text
    stranger = await client.patch(
        f"{url}/items/{uuid.uuid4()}", json={"status": "completed"}, headers=as_manager
    )
    assert_problem(stranger, 404, "not_found")
    assert_problem(
        await client.patch(f"{url}/items/{mentoring}", json={"status": "waived"}, headers=as_a),
        403,
        "forbidden",
    )
    assert_problem(await client.post(f"{url}:cancel", headers=as_a), 403, "forbidden")
    stale = await client.patch(
        f"{url}/items/{basics}", json={"status": "completed"}, headers=as_a | {"If-Match": '"1"'}
    )
    assert_problem(stale, 412, "precondition_failed")

    # The LMS reports a completion by its own ids, twice; the second changes nothing.
    report = {
        "completion_id": "lrs-0001",
        "employee_external_id": "a",
        "item_external_id": "lms-neg-101",
    }
    batch = {
        "completions": [
            report,
            {"completion_id": "lrs-0002", "employee_external_id": "zz", "learning_item_id": basics},
            {"completion_id": "lrs-0003", "employee_external_id": "a", "item_external_id": "nope"},
            {"completion_id": "lrs-0004", "employee_id": people["b"], "learning_item_id": basics},
        ]
    }
    first = await client.post("/v1/learning-completions", json=batch, headers=lms)
    assert first.status_code == 200, first.text
    assert [r["status"] for r in first.json()["results"]] == [
        "recorded",
        "unknown_employee",
        "unknown_item",
        "not_in_plan",
    ]
    again = await client.post("/v1/learning-completions", json=batch, headers=lms)
    assert again.json()["results"][0]["status"] == "already_recorded"
    assert again.json()["recorded"] == 0
    misused = await client.post(
        "/v1/learning-completions",
        json={"completions": [report | {"item_external_id": None, "learning_item_id": mentoring}]},
        headers=lms,
    )
    assert misused.json()["results"][0]["status"] == "conflict"
    twice = await client.post(
        "/v1/learning-completions", json={"completions": [report, report]}, headers=lms
    )
    assert fields_of(assert_problem(twice, 422, "invalid_input")) == {
        "body.completions.1.completion_id"
    }
    # An employee reports only for themselves.
    for_someone_else = await client.post(
        "/v1/learning-completions",
        json={
            "completions": [
                {"completion_id": "x-1", "employee_id": people["a"], "learning_item_id": mentoring}
            ]
        },
        headers=as_b,
    )
    assert for_someone_else.json()["results"][0]["status"] == "unknown_employee"

    halfway = (await client.get(url, headers=as_a)).json()
    assert halfway["progress"] == 50
    assert halfway["items"][0]["completion_id"] == "lrs-0001"

    # The manager completes the last item: the plan completes and the re-assessment is due.
    done = await client.patch(
        f"{url}/items/{mentoring}", json={"status": "completed"}, headers=as_manager
    )
    assert done.status_code == 200, done.text
    finished = done.json()
    assert (finished["status"], finished["progress"]) == ("completed", 100)
    reassessment = await client.get(
        f"/v1/assessments/{finished['reassessment_id']}", headers=as_manager
    )
    assert reassessment.json()["status"] == "scheduled"
    assert reassessment.json()["employee_id"] == people["a"]
    closed = await client.patch(
        f"{url}/items/{mentoring}", json={"status": "in_progress"}, headers=as_manager
    )
    assert_problem(closed, 409, "invalid_transition")

    # One assessment gives one plan: asking again changes nothing until the re-assessment.
    regenerated = await client.post(
        "/v1/development-plans:generate",
        json={"employee_ids": [people["a"], people["b"], str(uuid.uuid4())]},
        headers=as_manager,
    )
    assert [r["outcome"] for r in regenerated.json()["results"]] == [
        "up_to_date",
        "not_assessed",
        "not_found",
    ]
    # The re-assessment starts the next round; what the person completed is not proposed
    # again, so what is left is content L&D has to buy or build.
    await assess(client, admin, people["a"], {ids["negotiation"]: 2, ids["crm"]: 1})
    assert (
        await client.get("/v1/development-plans", params={"status": "draft"}, headers=as_a)
    ).json()["data"] == []
    next_round = await client.post(
        "/v1/development-plans:generate", json={"employee_ids": [people["a"]]}, headers=as_manager
    )
    (result,) = next_round.json()["results"]
    assert result["outcome"] == "no_content"
    assert {(g["capability_id"], g["shortfall"]) for g in result["open_gaps"]} == {
        (ids["negotiation"], "no_content"),
        (ids["crm"], "no_content"),
    }


async def test_generation_replaces_drafts_keeps_active_plans_and_respects_budgets(
    client, new_tenant
):
    admin = await new_tenant()
    ids, people, basics, mentoring = await small_org(client, admin)
    policy = await client.put(
        "/v1/plan-policy",
        json={"generate_on_finalise": False, "budget": {"minutes": 150}},
        headers=auth(admin),
    )
    assert policy.json()["version"] == 1, policy.text
    bad = await client.put(
        "/v1/plan-policy",
        json={"due_in_days": 0, "budget": {"cost": -1}},
        headers=auth(admin),
    )
    assert fields_of(assert_problem(bad, 422, "invalid_input")) == {
        "body.due_in_days",
        "body.budget.cost",
    }
    await assess(client, admin, people["a"], {ids["negotiation"]: 1, ids["crm"]: 2})
    await assess(client, admin, people["b"], {ids["negotiation"]: 3, ids["crm"]: 2})
    assert (await client.get("/v1/development-plans", headers=auth(admin))).json()["data"] == []

    as_manager = await key_for(client, admin, "manager", people["m"])
    generated = await client.post(
        "/v1/development-plans:generate",
        json={"group_by": "team", "ids": [people["m"]]},
        headers=as_manager,
    )
    assert generated.status_code == 200, generated.text
    outcomes = {r["employee_id"]: r for r in generated.json()["results"]}
    assert outcomes[people["b"]]["outcome"] == "no_gaps"
    first = outcomes[people["a"]]
    assert first["outcome"] == "created"
    # 150 minutes buy the basics, not the mentoring.
    assert first["open_gaps"][0]["shortfall"] == "budget"
    plan = (
        await client.get(f"/v1/development-plans/{first['plan_id']}", headers=as_manager)
    ).json()
    assert [i["learning_item_id"] for i in plan["items"]] == [basics]

    # A newer assessment replaces the draft; with more budget the plan covers the gap.
    await assess(client, admin, people["a"], {ids["negotiation"]: 1, ids["crm"]: 2})
    bigger = await client.post(
        "/v1/development-plans:generate",
        json={"employee_ids": [people["a"]], "budget": {"minutes": 1000}},
        headers=auth(admin),
    )
    replacement = bigger.json()["results"][0]
    assert replacement["outcome"] == "created"
    old = await client.get(f"/v1/development-plans/{first['plan_id']}", headers=auth(admin))
    assert old.json()["status"] == "cancelled"
    new_url = f"/v1/development-plans/{replacement['plan_id']}"
    covered = (await client.get(new_url, headers=as_manager)).json()
    assert ([i["learning_item_id"] for i in covered["items"]], covered["open_gaps"]) == (
        [basics, mentoring],
        [],
    )
    activated = await client.post(f"{new_url}:activate", headers=as_manager)
    assert activated.json()["status"] == "active"
    # An active plan is kept when a later assessment arrives.
    await assess(client, admin, people["a"], {ids["negotiation"]: 2, ids["crm"]: 2})
    kept = await client.post(
        "/v1/development-plans:generate", json={"employee_ids": [people["a"]]}, headers=auth(admin)
    )
    assert kept.json()["results"][0]["outcome"] == "has_active_plan"
    # Employees do not generate plans; managers only for their own people.
    as_a = await key_for(client, admin, "employee", people["a"])
    assert_problem(
        await client.post(
            "/v1/development-plans:generate", json={"employee_ids": [people["a"]]}, headers=as_a
        ),
        403,
        "forbidden",
    )
    neither = await client.post("/v1/development-plans:generate", json={}, headers=auth(admin))
    assert_problem(neither, 422, "invalid_input")


async def test_training_needs_report_demand_and_missing_content(client, new_tenant):
    admin = await new_tenant()
    ids, people, _, _ = await small_org(client, admin, reports=("a", "b", "c"))
    await assess(client, admin, people["a"], {ids["negotiation"]: 1, ids["crm"]: 1})
    await assess(client, admin, people["b"], {ids["negotiation"]: 2, ids["crm"]: 2})
    needs = await client.get(
        "/v1/training-needs", params={"group_by": "team", "ids": people["m"]}, headers=auth(admin)
    )
    assert needs.status_code == 200, needs.text
    (group,) = needs.json()["groups"]
    by_capability = {n["capability_id"]: n for n in group["needs"]}
    assert by_capability[ids["negotiation"]] == {
        "capability_id": ids["negotiation"],
        "people_below": 2,
        "levels_short": 3,
        "weighted_demand": 6.0,
        "people_uncovered": 0,
        "levels_uncovered": 0,
        "unassessed": 1,
    }
    assert by_capability[ids["crm"]]["people_uncovered"] == 1
    assert by_capability[ids["crm"]]["levels_uncovered"] == 1
    assert group["needs"][0]["capability_id"] == ids["negotiation"]  # most demanded first
    as_a = await key_for(client, admin, "employee", people["a"])
    assert_problem(
        await client.get("/v1/training-needs", params={"group_by": "tenant"}, headers=as_a),
        403,
        "forbidden",
    )


async def test_a_cohort_of_thousands_is_planned_in_a_constant_number_of_statements(
    client, engine, new_tenant
):
    admin = await new_tenant()
    ids, _, _, _ = await small_org(client, admin, reports=())
    tenant_id = admin.tenant.id
    role_id = (await client.get("/v1/roles", headers=auth(admin))).json()["data"][0]["id"]

    async def assessed_people(prefix: str, size: int) -> str:
        """`size` sellers, each with a finalised assessment leaving negotiation at 1 or 2."""
        rows = [{"external_id": f"{prefix}{n}", "name": f"P {n}"} for n in range(size)]
        await client.post("/v1/employees:bulk", json={"rows": rows}, headers=auth(admin))
        cohort = await client.post(
            "/v1/cohorts", json={"key": prefix, "name": prefix}, headers=auth(admin)
        )
        people = await upserted_ids(engine, tenant_id, [r["external_id"] for r in rows])
        await client.post(
            f"/v1/cohorts/{cohort.json()['id']}/members",
            json={"add": [str(p) for p in people]},
            headers=auth(admin),
        )
        await client.post(
            "/v1/role-assignments:bulk",
            json={
                "rows": [
                    {"employee_external_id": r["external_id"], "role_key": "seller"} for r in rows
                ]
            },
            headers=auth(admin),
        )
        now = datetime.now(UTC)
        finalised = [
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant_id,
                "employee_id": person,
                "role_id": uuid.UUID(role_id),
                "purpose": "current_role",
                "status": "finalised",
                "required_rater_types": ["manager"],
                "version": 1,
                "created_at": now,
                "closed_at": now,
            }
            for person in people
        ]
        async with engine.begin() as conn:
            await conn.execute(sa.insert(assessments), finalised)
            await conn.execute(
                sa.insert(current_levels),
                [
                    {
                        "tenant_id": tenant_id,
                        "employee_id": row["employee_id"],
                        "capability_id": uuid.UUID(ids["negotiation"]),
                        "level": 1 + n % 2,
                        "assessment_id": row["id"],
                        "assessed_at": now,
                    }
                    for n, row in enumerate(finalised)
                ],
            )
        return cohort.json()["id"]

    async def generate(cohort: str) -> tuple[dict, list[str]]:
        with counted_statements() as statements:
            response = await client.post(
                "/v1/development-plans:generate",
                json={"group_by": "cohort", "ids": [cohort]},
                headers=auth(admin),
            )
        assert response.status_code == 200, response.text
        return response.json(), statements

    small, few = await generate(await assessed_people("s", 10))
    large, many = await generate(await assessed_people("l", 2_000))
    assert (small["created"], large["created"]) == (10, 2_000)
    assert len(many) == len(few)
    plans = (
        await client.get("/v1/development-plans", params={"limit": 500}, headers=auth(admin))
    ).json()
    assert plans["has_more"]
    assert {len(p["items"]) for p in plans["data"]} == {2}


async def test_plans_through_graphql(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    ids, people, _, mentoring = await small_org(client, admin, reports=("a", "b"))
    for person in ("a", "b"):
        await assess(client, admin, people[person], {ids["negotiation"]: 1, ids["crm"]: 1})

    async def graphql(query, variables=None, headers=None):
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    listed = await graphql(
        """{ developmentPlans(first: 10) { edges { node { id status progress
             employee { externalId } items { status learningItem { title } }
             openGaps { shortfall capability { key } } } } } }""",
        headers=auth(admin),
    )
    nodes = [e["node"] for e in listed["data"]["developmentPlans"]["edges"]]
    assert sorted(n["employee"]["externalId"] for n in nodes) == ["a", "b"]
    assert [i["learningItem"]["title"] for i in nodes[0]["items"]] == [
        "Negotiation basics",
        "Shadow a senior negotiator",
    ]
    assert nodes[0]["openGaps"] == [{"shortfall": "NO_CONTENT", "capability": {"key": "crm"}}]
    plan_id = nodes[0]["id"]
    hidden = await graphql(
        "query($id: UUID!) { developmentPlan(id: $id) { id } }", {"id": plan_id}, auth(other)
    )
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    completed = await graphql(
        """mutation($c: [CompletionInput!]!) { reportCompletions(completions: $c) {
             index status planId } }""",
        {
            "c": [
                {"completionId": "g-1", "employeeExternalId": "a", "itemExternalId": "lms-neg-101"}
            ]
        },
        auth(admin),
    )
    assert completed["data"]["reportCompletions"][0]["status"] == "RECORDED"
    waived = await graphql(
        """mutation($p: UUID!, $i: UUID!) { updatePlanItem(planId: $p, learningItemId: $i,
             status: WAIVED) { status progress reassessmentId } }""",
        {"p": completed["data"]["reportCompletions"][0]["planId"], "i": mentoring},
        auth(admin),
    )
    assert waived["data"]["updatePlanItem"]["status"] == "COMPLETED"
    assert waived["data"]["updatePlanItem"]["reassessmentId"]
    needs = await graphql(
        """{ trainingNeeds(groupBy: TENANT) { key needs { peopleBelow peopleUncovered
             capability { key } } } }""",
        headers=auth(admin),
    )
    by_key = {n["capability"]["key"]: n for n in needs["data"]["trainingNeeds"][0]["needs"]}
    assert by_key["crm"] == {"peopleBelow": 2, "peopleUncovered": 2, "capability": {"key": "crm"}}
    policy = await graphql(
        "mutation { setPlanPolicy(startActive: true, budget: {minutes: 60}) { version budget { minutes } } }",
        headers=auth(admin),
    )
    assert policy["data"]["setPlanPolicy"] == {"version": 1, "budget": {"minutes": 60}}


async def test_a_report_naming_someone_with_a_nul_is_invalid_not_a_500(client, new_tenant):
    # PostgreSQL refuses a NUL in text outright: such an id must never reach a lookup.
    admin = await new_tenant()
    lms = await key_for(client, admin, "integration")
    reports = [
        {"completion_id": "c-1", "employee_external_id": "a\x00"},
        {"completion_id": "c-2", "employee_external_id": "a", "item_external_id": "\x00"},
        {"completion_id": "c-3", "employee_external_id": "nobody", "item_external_id": "x"},
    ]
    response = await client.post(
        "/v1/learning-completions", json={"completions": reports}, headers=lms
    )
    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == [
        "invalid",
        "invalid",
        "unknown_employee",
    ]


async def test_completion_ids_are_compared_as_stored(client, new_tenant):
    admin = await new_tenant()
    ids, people, basics, _ = await small_org(client, admin)
    for person in ("a", "b"):
        await assess(client, admin, people[person], {ids["negotiation"]: 1, ids["crm"]: 1})
    lms = await key_for(client, admin, "integration")
    report = {"completion_id": "lrs-0001", "employee_external_id": "a", "learning_item_id": basics}
    await client.post("/v1/learning-completions", json={"completions": [report]}, headers=lms)
    padded = report | {"completion_id": " lrs-0001 ", "employee_external_id": "b"}
    blank = report | {"completion_id": "   ", "employee_external_id": "b"}
    response = await client.post(
        "/v1/learning-completions", json={"completions": [padded, blank]}, headers=lms
    )
    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == ["conflict", "invalid"]
    twice = await client.post(
        "/v1/learning-completions",
        json={"completions": [report | {"completion_id": "x"}, report | {"completion_id": " x"}]},
        headers=lms,
    )
    assert fields_of(assert_problem(twice, 422, "invalid_input")) == {
        "body.completions.1.completion_id"
    }


async def test_one_batch_completing_several_plans_schedules_each_reassessment(client, new_tenant):
    admin = await new_tenant()
    ids, people, basics, mentoring = await small_org(client, admin)
    for person in ("a", "b"):
        await assess(client, admin, people[person], {ids["negotiation"]: 1, ids["crm"]: 1})
    lms = await key_for(client, admin, "integration")
    batch = [
        {"completion_id": f"{person}-{n}", "employee_external_id": person, "learning_item_id": item}
        for person in ("a", "b")
        for n, item in enumerate((basics, mentoring))
    ]
    response = await client.post(
        "/v1/learning-completions", json={"completions": batch}, headers=lms
    )
    assert response.json()["recorded"] == 4, response.text
    plans = (await client.get("/v1/development-plans", headers=auth(admin))).json()["data"]
    assert {p["status"] for p in plans} == {"completed"}
    reassessments = {p["reassessment_id"] for p in plans}
    assert None not in reassessments and len(reassessments) == 2
    for reassessment in reassessments:
        found = await client.get(f"/v1/assessments/{reassessment}", headers=auth(admin))
        assert (found.json()["status"], len(found.json()["items"])) == ("scheduled", 2)
