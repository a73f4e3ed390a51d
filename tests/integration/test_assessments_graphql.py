"""Assessments and gaps through GraphQL: same services, batched nested lookups."""

from tests.integration.helpers import auth, published_catalogue
from tests.integration.test_people_rest import counted_statements


async def gql(client, headers, query, **variables):
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def codes(result):
    return [error["extensions"]["code"] for error in result.get("errors", [])]


async def organisation(client, admin, size):
    ids = await published_catalogue(client, admin)
    await client.post(
        "/v1/roles",
        json={
            "key": "r",
            "name": "R",
            "requirements": [
                {"capability_id": ids["crm"], "required_level": 2, "weight": 2},
                {"capability_id": ids["negotiation"], "required_level": 3, "core": True},
            ],
        },
        headers=auth(admin),
    )
    rows = [{"external_id": "boss", "name": "Boss"}] + [
        {"external_id": f"p{n}", "name": f"P{n}", "manager_external_id": "boss"}
        for n in range(size)
    ]
    await client.post("/v1/employees:bulk", json={"rows": rows}, headers=auth(admin))
    await client.post(
        "/v1/role-assignments:bulk",
        json={"rows": [{"employee_external_id": r["external_id"], "role_key": "r"} for r in rows]},
        headers=auth(admin),
    )
    people = (await client.get("/v1/employees", params={"limit": 500}, headers=auth(admin))).json()[
        "data"
    ]
    return {p["external_id"]: p["id"] for p in people}


async def key(client, admin, role, employee_id):
    response = await client.post(
        "/v1/api-keys",
        json={"name": role, "roles": [role], "employee_id": employee_id},
        headers=auth(admin),
    )
    return {"X-API-Key": response.json()["key"]}


async def test_the_assessment_loop_through_graphql(client, new_tenant):
    admin = await new_tenant()
    people = await organisation(client, admin, 3)
    as_boss = await key(client, admin, "manager", people["boss"])
    as_p0 = await key(client, admin, "employee", people["p0"])
    created = await gql(
        client,
        as_boss,
        "mutation($e: UUID!) { createAssessment(input: {employeeId: $e}) { id status items { capabilityId capability { key } } } }",
        e=people["p0"],
    )
    assessment = created["data"]["createAssessment"]
    assert assessment["status"] == "OPEN"
    assert {i["capability"]["key"] for i in assessment["items"]} == {"crm", "negotiation"}
    ratings = [{"capabilityId": i["capabilityId"], "level": 3} for i in assessment["items"]]
    mine = await gql(
        client,
        as_p0,
        "mutation($a: UUID!, $r: [RatingInput!]!) { rate(assessmentId: $a, ratings: $r, submit: true) { status } }",
        a=assessment["id"],
        r=ratings,
    )
    assert mine["data"]["rate"]["status"] == "AWAITING_MANAGER"
    too_early = await gql(
        client,
        as_boss,
        "mutation($a: UUID!) { finaliseAssessment(id: $a) { status } }",
        a=assessment["id"],
    )
    assert codes(too_early) == ["INVALID_TRANSITION"]
    boss_ratings = [{"capabilityId": i["capabilityId"], "level": 2} for i in assessment["items"]]
    await gql(
        client,
        as_boss,
        "mutation($a: UUID!, $r: [RatingInput!]!) { rate(assessmentId: $a, ratings: $r, submit: true) { status } }",
        a=assessment["id"],
        r=boss_ratings,
    )
    finalised = await gql(
        client,
        as_boss,
        "mutation($a: UUID!) { finaliseAssessment(id: $a) { status results { level selfLevel managerLevel divergence } } }",
        a=assessment["id"],
    )
    results = finalised["data"]["finaliseAssessment"]["results"]
    assert finalised["data"]["finaliseAssessment"]["status"] == "FINALISED"
    assert all(
        r == {"level": 2, "selfLevel": 3, "managerLevel": 2, "divergence": 1} for r in results
    )
    gaps = await gql(
        client,
        as_p0,
        "query($e: UUID!) { employee(id: $e) { gaps { requiredLevel currentLevel gap status } readiness { score blocking { core } } } }",
        e=people["p0"],
    )
    employee = gaps["data"]["employee"]
    assert sorted((g["requiredLevel"], g["gap"], g["status"]) for g in employee["gaps"]) == [
        (2, 0, "MET"),
        (3, 1, "BELOW"),
    ]
    assert employee["readiness"]["score"] == 2 / 3
    team = await gql(
        client,
        as_boss,
        "query($m: UUID!) { gaps(groupBy: TEAM, ids: [$m]) { key cells { assessed met below } } }",
        m=people["boss"],
    )
    cells = team["data"]["gaps"][0]["cells"]
    assert sum(c["assessed"] for c in cells) == 2 and sum(c["met"] for c in cells) == 1
    assert codes(await gql(client, as_p0, "{ gaps(groupBy: TENANT) { key } }")) == ["FORBIDDEN"]
    outsider = await key(client, admin, "employee", people["p1"])
    assert codes(
        await gql(
            client, outsider, "query($a: UUID!) { assessment(id: $a) { id } }", a=assessment["id"]
        )
    ) == ["NOT_FOUND"]


async def test_employees_with_their_gaps_take_a_constant_number_of_statements(client, new_tenant):
    admin = await new_tenant()
    await organisation(client, admin, 30)
    query = """query($first: Int) { employees(first: $first) { nodes { externalId
        gaps { gap status capabilityId } readiness { score } currentRole { key } } } }"""
    with counted_statements() as few:
        small = await gql(client, auth(admin), query, first=3)
    with counted_statements() as many:
        large = await gql(client, auth(admin), query, first=31)
    assert len(small["data"]["employees"]["nodes"]) == 3
    assert len(large["data"]["employees"]["nodes"]) == 31
    assert all(len(n["gaps"]) == 2 for n in large["data"]["employees"]["nodes"])
    assert len(many) == len(few)


async def test_raters_read_their_drafts_through_graphql(client, new_tenant):
    admin = await new_tenant()
    people = await organisation(client, admin, 1)
    as_p0 = await key(client, admin, "employee", people["p0"])
    created = await gql(
        client,
        auth(admin),
        "mutation($e: UUID!) { createAssessment(input: {employeeId: $e}) { id items { capabilityId } } }",
        e=people["p0"],
    )
    assessment = created["data"]["createAssessment"]
    first = assessment["items"][0]["capabilityId"]
    await gql(
        client,
        as_p0,
        "mutation($a: UUID!, $r: [RatingInput!]!) { rate(assessmentId: $a, ratings: $r) { id } }",
        a=assessment["id"],
        r=[{"capabilityId": first, "level": None, "evidence": "not seen yet"}],
    )
    mine = await gql(
        client,
        as_p0,
        "query($a: UUID!) { myRatings(assessmentId: $a) { capabilityId level evidence } }",
        a=assessment["id"],
    )
    assert mine["data"]["myRatings"] == [
        {"capabilityId": first, "level": None, "evidence": "not seen yet"}
    ]
