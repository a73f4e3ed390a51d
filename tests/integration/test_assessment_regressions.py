"""Defects a review of assessments found, each held by a test."""

import asyncio

from tests.integration.helpers import assert_problem, auth, fields_of, published_catalogue


async def setup(client, admin, peers=4):
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
    ]
    rows += [{"external_id": f"p{n}", "name": f"P{n}"} for n in range(peers)]
    await client.post("/v1/employees:bulk", json={"rows": rows}, headers=auth(admin))
    await client.post(
        "/v1/role-assignments:bulk",
        json={"rows": [{"employee_external_id": "e", "role_key": "r"}]},
        headers=auth(admin),
    )
    people = {
        p["external_id"]: p["id"]
        for p in (await client.get("/v1/employees", headers=auth(admin))).json()["data"]
    }
    keys = {}
    for who, role in [("m", "manager"), ("e", "employee")] + [
        (f"p{n}", "employee") for n in range(peers)
    ]:
        created = await client.post(
            "/v1/api-keys",
            json={"name": who, "roles": [role], "employee_id": people[who]},
            headers=auth(admin),
        )
        keys[who] = {"X-API-Key": created.json()["key"]}
    return ids, people, keys


async def test_raters_rate_but_only_the_employee_and_their_managers_see_results(client, new_tenant):
    admin = await new_tenant()
    ids, people, keys = await setup(client, admin, peers=1)
    created = await client.post(
        "/v1/assessments",
        json={
            "employee_id": people["e"],
            "required_rater_types": ["manager", "peer"],
            "peer_ids": [people["p0"]],
        },
        headers=auth(admin),
    )
    url = f"/v1/assessments/{created.json()['id']}"
    seen_by_employee = (await client.get(url, headers=keys["e"])).json()
    assert {r["type"] for r in seen_by_employee["raters"]} == {"self", "manager"}
    seen_by_peer = (await client.get(url, headers=keys["p0"])).json()
    assert {r["employee_id"] for r in seen_by_peer["raters"]} == {
        people["e"],
        people["m"],
        people["p0"],
    }
    for who in ("m", "p0"):
        await client.put(
            f"{url}/ratings",
            json={"ratings": [{"capability_id": ids["crm"], "level": 2}], "submit": True},
            headers=keys[who],
        )
    assert (await client.post(f"{url}:finalise", headers=keys["m"])).status_code == 200
    assert_problem(await client.get(f"{url}/results", headers=keys["p0"]), 404, "not_found")
    assert (await client.get(f"{url}/results", headers=keys["e"])).status_code == 200


async def test_raters_submitting_together_are_all_recorded(client, new_tenant):
    admin = await new_tenant()
    ids, people, keys = await setup(client, admin, peers=4)
    created = await client.post(
        "/v1/assessments",
        json={
            "employee_id": people["e"],
            "required_rater_types": ["manager", "peer"],
            "peer_ids": [people[f"p{n}"] for n in range(4)],
        },
        headers=auth(admin),
    )
    url = f"/v1/assessments/{created.json()['id']}"
    body = {"ratings": [{"capability_id": ids["crm"], "level": 2}], "submit": True}
    responses = await asyncio.gather(
        *(
            client.put(f"{url}/ratings", json=body, headers=keys[w])
            for w in ("m", "p0", "p1", "p2", "p3")
        )
    )
    assert [r.status_code for r in responses] == [200] * 5
    stored = (await client.get(url, headers=auth(admin))).json()
    assert sum(1 for r in stored["raters"] if r["submitted_at"]) == 5


async def test_submitted_ratings_cannot_be_overwritten_by_a_racing_draft(client, new_tenant):
    admin = await new_tenant()
    ids, people, keys = await setup(client, admin, peers=0)
    created = await client.post(
        "/v1/assessments", json={"employee_id": people["e"]}, headers=auth(admin)
    )
    url = f"/v1/assessments/{created.json()['id']}"
    submit = {"ratings": [{"capability_id": ids["crm"], "level": 2}], "submit": True}
    draft = {"ratings": [{"capability_id": ids["crm"], "level": 3}]}
    await asyncio.gather(
        client.put(f"{url}/ratings", json=submit, headers=keys["e"]),
        client.put(f"{url}/ratings", json=draft, headers=keys["e"]),
    )
    mine = (await client.get(f"{url}/ratings", headers=keys["e"])).json()
    stored = (await client.get(url, headers=auth(admin))).json()
    submitted = any(r["submitted_at"] for r in stored["raters"] if r["type"] == "self")
    assert not submitted or mine[0]["level"] == 2


async def test_overlapping_invitations_and_unstorable_text_are_refused(client, new_tenant):
    admin = await new_tenant()
    ids, people, keys = await setup(client, admin, peers=1)
    overlapping = await client.post(
        "/v1/assessments",
        json={
            "employee_id": people["e"],
            "required_rater_types": ["manager", "peer"],
            "peer_ids": [people["m"]],
        },
        headers=auth(admin),
    )
    assert fields_of(assert_problem(overlapping, 422, "invalid_input")) == {"body.peer_ids"}
    created = await client.post(
        "/v1/assessments", json={"employee_id": people["e"]}, headers=auth(admin)
    )
    rating = f'{{"capability_id": "{ids["crm"]}", "level": 2, "evidence": "\\ud800"}}'
    body = f'{{"ratings": [{rating}]}}'
    surrogate = await client.put(
        f"/v1/assessments/{created.json()['id']}/ratings",
        content=body.encode(),
        headers=keys["e"] | {"content-type": "application/json"},
    )
    assert fields_of(assert_problem(surrogate, 422, "invalid_input")) == {"body.ratings.0.evidence"}
