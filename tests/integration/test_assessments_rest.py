"""Assessments and gaps over REST, from creation to the roll-up."""

from datetime import UTC, datetime, timedelta

from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.services.assessments import expire_overdue_assessments
from app.services.demo import seed_demo
from tests.integration.helpers import assert_problem, auth, fields_of, published_catalogue


async def key_for(client, admin_headers, role, employee_id):
    response = await client.post(
        "/v1/api-keys",
        json={"name": role, "roles": [role], "employee_id": employee_id},
        headers=admin_headers,
    )
    return {"X-API-Key": response.json()["key"]}


async def test_self_then_manager_then_finalised_then_gaps_in_a_seeded_org(client, engine):
    demo = await seed_demo(SqlUnitOfWorkFactory(engine), name="Walkthrough")
    admin = {"X-API-Key": demo.admin_key}
    people = (await client.get("/v1/employees", params={"limit": 500}, headers=admin)).json()[
        "data"
    ]
    managed = {p["manager_id"] for p in people if p["manager_id"]}
    # Someone in a team the demo's own assessment cycle left alone.
    seeded = await client.get("/v1/assessments", params={"limit": 500}, headers=admin)
    assessed = {a["employee_id"] for a in seeded.json()["data"]}
    busy_teams = {p["manager_id"] for p in people if p["id"] in assessed}
    person = next(
        p
        for p in people
        if p["manager_id"]
        and p["current_role_id"]
        and p["id"] not in managed
        and p["manager_id"] not in busy_teams
    )

    async def assessed_tenant_wide() -> int:
        rolled = await client.get("/v1/gaps", params={"group_by": "tenant"}, headers=admin)
        return sum(c["assessed"] for c in rolled.json()["groups"][0]["cells"])

    assessed_before = await assessed_tenant_wide()
    as_person = await key_for(client, admin, "employee", person["id"])
    as_manager = await key_for(client, admin, "manager", person["manager_id"])

    created = await client.post(
        "/v1/assessments", json={"employee_id": person["id"]}, headers=as_manager
    )
    assert created.status_code == 201, created.text
    assessment = created.json()
    assert assessment["status"] == "open"
    url = f"/v1/assessments/{assessment['id']}"
    items = assessment["items"]

    early = await client.post(f"{url}:finalise", headers=as_manager)
    assert_problem(early, 409, "invalid_transition")
    too_high = await client.put(
        f"{url}/ratings",
        json={
            "ratings": [
                {"capability_id": items[0]["capability_id"], "level": items[0]["max_level"] + 1}
            ]
        },
        headers=as_person,
    )
    assert fields_of(assert_problem(too_high, 422, "invalid_input")) == {"body.ratings.0.level"}
    self_ratings = [
        {"capability_id": item["capability_id"], "level": item["max_level"], "evidence": "I did it"}
        for item in items
    ]
    draft = await client.put(
        f"{url}/ratings", json={"ratings": self_ratings[:1]}, headers=as_person
    )
    assert draft.json()["status"] == "open"
    incomplete = await client.put(
        f"{url}/ratings", json={"ratings": [], "submit": True}, headers=as_person
    )
    assert_problem(incomplete, 422, "invalid_input")
    submitted = await client.put(
        f"{url}/ratings", json={"ratings": self_ratings, "submit": True}, headers=as_person
    )
    assert submitted.json()["status"] == "awaiting_manager"
    again = await client.put(f"{url}/ratings", json={"ratings": self_ratings}, headers=as_person)
    assert_problem(again, 409, "invalid_transition")

    manager_ratings = [
        {
            "capability_id": item["capability_id"],
            "level": max(item["required_level"] - 1, 1) if n == 0 else item["required_level"],
        }
        for n, item in enumerate(items)
    ]
    manager_ratings[-1]["level"] = None  # not observed
    await client.put(
        f"{url}/ratings", json={"ratings": manager_ratings, "submit": True}, headers=as_manager
    )
    finalised = await client.post(f"{url}:finalise", headers=as_manager)
    assert finalised.status_code == 200, finalised.text
    results = {r["capability_id"]: r for r in finalised.json()}
    first = results[items[0]["capability_id"]]
    assert first["level"] == manager_ratings[0]["level"]  # manager_decides by default
    assert first["divergence"] == items[0]["max_level"] - manager_ratings[0]["level"]
    assert results[items[-1]["capability_id"]]["level"] is None

    gaps = (await client.get(f"/v1/employees/{person['id']}/gaps", headers=as_person)).json()
    by_capability = {g["capability_id"]: g for g in gaps["gaps"]}
    expected_gap = items[0]["required_level"] - manager_ratings[0]["level"]
    assert by_capability[items[0]["capability_id"]]["gap"] == expected_gap
    assert by_capability[items[0]["capability_id"]]["status"] == (
        "below" if expected_gap else "met"
    )
    assert by_capability[items[-1]["capability_id"]]["status"] == "unknown"

    readiness = (
        await client.get(f"/v1/employees/{person['id']}/readiness", headers=as_manager)
    ).json()
    assert 0 <= readiness["readiness"] < 1
    named = await client.get(
        f"/v1/employees/{person['id']}/readiness",
        params={"role": person["current_role_id"]},
        headers=as_manager,
    )
    assert named.json()["readiness"] == readiness["readiness"]
    assert {g["capability_id"] for g in readiness["blocking"]} >= {items[-1]["capability_id"]}

    team = await client.get(
        "/v1/gaps",
        params={"group_by": "team", "ids": person["manager_id"], "scope": "direct"},
        headers=as_manager,
    )
    assert team.status_code == 200, team.text
    cells = {c["capability_id"]: c for c in team.json()["groups"][0]["cells"]}
    assert cells[items[0]["capability_id"]]["assessed"] == 1
    assert_problem(
        await client.get("/v1/gaps", params={"group_by": "tenant"}, headers=as_manager),
        403,
        "forbidden",
    )
    pilot = await client.post("/v1/cohorts", json={"key": "walk", "name": "Walk"}, headers=admin)
    await client.post(
        f"/v1/cohorts/{pilot.json()['id']}/members", json={"add": [person["id"]]}, headers=admin
    )
    by_cohort = await client.get(
        "/v1/gaps", params={"group_by": "cohort", "ids": pilot.json()["id"]}, headers=admin
    )
    cohort_cells = {c["capability_id"]: c for c in by_cohort.json()["groups"][0]["cells"]}
    assert by_cohort.json()["groups"][0]["key"] == pilot.json()["id"]
    assert cohort_cells[items[0]["capability_id"]]["headcount"] == 1
    assert await assessed_tenant_wide() == assessed_before + len(items) - 1
    assert_problem(
        await client.get(
            url,
            headers=await key_for(
                client,
                admin,
                "employee",
                next(
                    p["id"] for p in people if p["id"] not in (person["id"], person["manager_id"])
                ),
            ),
        ),
        404,
        "not_found",
    )


async def test_weighted_mean_policy_and_required_peers(client, new_tenant):
    admin = await new_tenant()
    ids = await published_catalogue(client, admin)
    await client.post(
        "/v1/roles",
        json={
            "key": "r",
            "name": "R",
            "requirements": [{"capability_id": ids["crm"], "required_level": 2}],
        },
        headers=auth(admin),
    )
    rows = [
        {"external_id": "m", "name": "M"},
        {"external_id": "e", "name": "E", "manager_external_id": "m"},
        {"external_id": "p", "name": "P"},
    ]
    await client.post("/v1/employees:bulk", json={"rows": rows}, headers=auth(admin))
    people = {
        p["external_id"]: p
        for p in (await client.get("/v1/employees", headers=auth(admin))).json()["data"]
    }
    await client.post(
        "/v1/role-assignments:bulk",
        json={"rows": [{"employee_external_id": "e", "role_key": "r"}]},
        headers=auth(admin),
    )
    policy = await client.put(
        "/v1/assessment-policy",
        json={"method": "weighted_mean", "weights": {"self": 1, "manager": 1, "peer": 2}},
        headers=auth(admin),
    )
    assert policy.json()["version"] == 1
    no_peers = await client.post(
        "/v1/assessments",
        json={"employee_id": people["e"]["id"], "required_rater_types": ["manager", "peer"]},
        headers=auth(admin),
    )
    assert fields_of(assert_problem(no_peers, 422, "invalid_input")) == {"body.peer_ids"}
    created = await client.post(
        "/v1/assessments",
        json={
            "employee_id": people["e"]["id"],
            "required_rater_types": ["manager", "peer"],
            "peer_ids": [people["p"]["id"]],
        },
        headers=auth(admin),
    )
    assert created.json()["status"] == "awaiting_manager"
    url = f"/v1/assessments/{created.json()['id']}"
    crm = ids["crm"]
    for who, level in (("m", 1), ("p", 3), ("e", 3)):
        key = await client.post(
            "/v1/api-keys",
            json={"name": who, "roles": ["employee"], "employee_id": people[who]["id"]},
            headers=auth(admin),
        )
        response = await client.put(
            f"{url}/ratings",
            json={"ratings": [{"capability_id": crm, "level": level}], "submit": True},
            headers={"X-API-Key": key.json()["key"]},
        )
        assert response.status_code == 200, response.text
    outsider = await client.put(f"{url}/ratings", json={"ratings": []}, headers=auth(admin))
    assert_problem(outsider, 403, "forbidden")
    results = (await client.post(f"{url}:finalise", headers=auth(admin))).json()
    # (1*1 + 2*3 + 1*3) / 4 = 2.5, rounded half up
    assert results[0]["level"] == 3


async def test_overdue_assessments_expire_once_in_every_tenant(client, engine, new_tenant):
    admin = await new_tenant()
    ids = await published_catalogue(client, admin)
    await client.post(
        "/v1/roles",
        json={
            "key": "r",
            "name": "R",
            "requirements": [{"capability_id": ids["crm"], "required_level": 2}],
        },
        headers=auth(admin),
    )
    person = await client.post(
        "/v1/employees", json={"external_id": "e", "name": "E"}, headers=auth(admin)
    )
    await client.post(
        "/v1/role-assignments:bulk",
        json={"rows": [{"employee_external_id": "e", "role_key": "r"}]},
        headers=auth(admin),
    )
    due = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    created = await client.post(
        "/v1/assessments",
        json={
            "employee_id": person.json()["id"],
            "required_rater_types": ["self"],
            "due_date": due,
        },
        headers=auth(admin),
    )
    assert created.status_code == 201, created.text
    uow = SqlUnitOfWorkFactory(engine)
    assert await expire_overdue_assessments(uow(), now=datetime.now(UTC)) == 0
    later = datetime.now(UTC) + timedelta(days=3)
    assert await expire_overdue_assessments(uow(), now=later) >= 1
    assert await expire_overdue_assessments(uow(), now=later) == 0
    stored = (
        await client.get(f"/v1/assessments/{created.json()['id']}", headers=auth(admin))
    ).json()
    assert stored["status"] == "expired"
