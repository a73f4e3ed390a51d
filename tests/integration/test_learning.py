"""The learning catalogue over REST and GraphQL."""

import uuid

from tests.integration.helpers import assert_problem, auth, fields_of, published_catalogue


def item(capability_id, **fields):
    return {
        "title": "SQL in practice",
        "kind": "course",
        "targets": [{"capability_id": capability_id, "from_level": 1, "to_level": 2}],
    } | fields


async def test_catalogue_items_with_prerequisites_over_rest(client, new_tenant):
    admin = await new_tenant()
    ids = await published_catalogue(client, admin)
    intro = await client.post(
        "/v1/learning-items",
        json=item(ids["crm"], external_id="lms-1", minutes=45, format="virtual"),
        headers=auth(admin),
    )
    assert intro.json()["format"] == "virtual"
    assert intro.status_code == 201, intro.text
    advanced = await client.post(
        "/v1/learning-items",
        json=item(
            ids["crm"],
            title="Advanced",
            kind="on_the_job",
            prerequisites=[intro.json()["id"]],
            targets=[{"capability_id": ids["crm"], "from_level": 2, "to_level": 3}],
        ),
        headers=auth(admin),
    )
    assert advanced.status_code == 201, advanced.text
    loop = await client.put(
        f"/v1/learning-items/{intro.json()['id']}",
        json=item(ids["crm"], external_id="lms-1", prerequisites=[advanced.json()["id"]]),
        headers=auth(admin),
    )
    assert fields_of(assert_problem(loop, 422, "invalid_input")) == {"body.prerequisites"}
    duplicate = await client.post(
        "/v1/learning-items", json=item(ids["crm"], external_id="lms-1"), headers=auth(admin)
    )
    assert_problem(duplicate, 409, "conflict")
    bad = await client.post(
        "/v1/learning-items",
        json=item(
            ids["crm"],
            targets=[{"capability_id": ids["crm"], "from_level": 2, "to_level": 9}],
            url="ftp://x",
            prerequisites=[str(uuid.uuid4())],
        ),
        headers=auth(admin),
    )
    assert fields_of(assert_problem(bad, 422, "invalid_input")) == {"body.targets.0", "body.url"}
    by_capability = await client.get(
        "/v1/learning-items",
        params={"capability_id": ids["crm"], "kind": "on_the_job"},
        headers=auth(admin),
    )
    assert [i["title"] for i in by_capability.json()["data"]] == ["Advanced"]
    retired = await client.put(
        f"/v1/learning-items/{intro.json()['id']}",
        json=item(ids["crm"], external_id="lms-1", minutes=45, active=False),
        headers=auth(admin) | {"If-Match": '"1"'},
    )
    assert (retired.json()["active"], retired.headers["etag"]) == (False, '"2"')


async def test_catalogue_through_graphql_and_its_boundaries(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    ids = await published_catalogue(client, admin)
    created = await client.post(
        "/graphql",
        json={
            "query": 'mutation($c: UUID!) { createLearningItem(input: {title: "Mentoring", kind: MENTORING, targets: [{capabilityId: $c, fromLevel: 1, toLevel: 3}]}) { id targets { capability { key } } } }',
            "variables": {"c": ids["negotiation"]},
        },
        headers=auth(admin),
    )
    made = created.json()["data"]["createLearningItem"]
    assert made["targets"] == [{"capability": {"key": "negotiation"}}]
    assert_problem(
        await client.get(f"/v1/learning-items/{made['id']}", headers=auth(other)), 404, "not_found"
    )
    key = await client.post(
        "/v1/api-keys", json={"name": "e", "roles": ["employee"]}, headers=auth(admin)
    )
    employee = {"X-API-Key": key.json()["key"]}
    assert (
        await client.get(f"/v1/learning-items/{made['id']}", headers=employee)
    ).status_code == 200
    denied = await client.post("/v1/learning-items", json=item(ids["crm"]), headers=employee)
    assert_problem(denied, 403, "forbidden")
