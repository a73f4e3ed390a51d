"""Scales, frameworks, capabilities and role profiles over REST."""

import uuid

from tests.integration.helpers import (
    THREE_LEVELS,
    assert_problem,
    auth,
    fields_of,
    published_catalogue,
)


async def test_scale_lifecycle_with_etags(client, new_tenant):
    admin = await new_tenant()
    created = await client.post(
        "/v1/scales",
        json={"key": "s", "name": "Scale", "levels": THREE_LEVELS},
        headers=auth(admin),
    )
    assert created.status_code == 201
    assert created.headers["etag"] == '"1"'
    scale = created.json()
    assert [level["value"] for level in scale["levels"]] == [1, 2, 3]
    url = f"/v1/scales/{scale['id']}"
    body = {
        "name": "Renamed",
        "levels": [*THREE_LEVELS, {"code": "role_model", "label": "Role model"}],
    }
    updated = await client.put(url, json=body, headers=auth(admin) | {"If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    assert updated.headers["etag"] == '"2"'
    stale = await client.put(url, json=body, headers=auth(admin) | {"If-Match": '"1"'})
    assert_problem(stale, 412, "precondition_failed")
    weak = await client.put(url, json=body, headers=auth(admin) | {"If-Match": 'W/"2"'})
    assert_problem(weak, 412, "precondition_failed")
    assert (await client.get(url, headers=auth(admin))).json()["name"] == "Renamed"


async def test_bad_scales_are_refused_with_paths(client, new_tenant):
    admin = await new_tenant()
    one_level = await client.post(
        "/v1/scales",
        json={"key": "s", "name": "S", "levels": THREE_LEVELS[:1]},
        headers=auth(admin),
    )
    assert "body.levels" in fields_of(assert_problem(one_level, 422, "invalid_input"))
    twice = [THREE_LEVELS[0], THREE_LEVELS[0]]
    repeated = await client.post(
        "/v1/scales",
        json={"key": "s", "name": "S", "levels": twice, "proficient_level": 9},
        headers=auth(admin),
    )
    assert fields_of(assert_problem(repeated, 422, "invalid_input")) == {
        "body.levels.1.code",
        "body.proficient_level",
    }
    assert (await client.get("/v1/scales", headers=auth(admin))).json()["data"] == []


async def test_a_level_in_use_cannot_be_dropped(client, new_tenant):
    admin = await new_tenant()
    ids = await published_catalogue(client, admin)
    role = await client.post(
        "/v1/roles",
        json={
            "key": "ae",
            "name": "Account executive",
            "requirements": [{"capability_id": ids["negotiation"], "required_level": 3}],
        },
        headers=auth(admin),
    )
    assert role.status_code == 201, role.text
    shrink = await client.put(
        f"/v1/scales/{ids['scale']}",
        json={"name": "Core", "levels": THREE_LEVELS[:2]},
        headers=auth(admin),
    )
    assert_problem(shrink, 409, "conflict")


async def test_framework_versions_publish_freeze_and_diff(client, new_tenant):
    admin = await new_tenant()
    ids = await published_catalogue(client, admin)
    base = f"/v1/frameworks/{ids['framework']}"
    frozen = await client.put(f"{base}/versions/1", json={"capabilities": []}, headers=auth(admin))
    assert_problem(frozen, 409, "invalid_transition")
    draft = await client.post(f"{base}/versions", headers=auth(admin))
    assert draft.status_code == 201
    assert draft.json()["number"] == 2
    content = draft.json()["content"]
    content["capabilities"][1]["name"] = "Keeps the CRM current every day"
    content["capabilities"].append(
        {"key": "prospecting", "name": "Finds new customers", "type": "skill", "scale_key": "core"}
    )
    content["capabilities"] = [c for c in content["capabilities"] if c["key"] != "negotiation"]
    edited = await client.put(
        f"{base}/versions/2",
        json=content,
        headers=auth(admin) | {"If-Match": draft.headers["etag"]},
    )
    assert edited.status_code == 200, edited.text
    second_draft = await client.post(f"{base}/versions", headers=auth(admin))
    assert_problem(second_draft, 409, "conflict")
    changes = (await client.get(f"{base}/diff?from=1&to=2", headers=auth(admin))).json()
    assert changes["added_capabilities"] == ["prospecting"]
    assert changes["removed_capabilities"] == ["negotiation"]
    assert changes["changed_capabilities"] == [{"key": "crm", "fields": ["name"]}]
    await client.post(f"{base}/versions/2:publish", headers=auth(admin))
    versions = (await client.get(base, headers=auth(admin))).json()["versions"]
    assert [(v["number"], v["status"]) for v in versions] == [(1, "retired"), (2, "published")]
    crm = (await client.get(f"/v1/capabilities/{ids['crm']}", headers=auth(admin))).json()
    assert (crm["name"], crm["version_number"]) == ("Keeps the CRM current every day", 2)


async def test_framework_content_errors_point_into_the_document(client, new_tenant):
    admin = await new_tenant()
    await published_catalogue(client, admin)
    response = await client.post(
        "/v1/frameworks",
        json={
            "key": "bad",
            "name": "Bad",
            "content": {
                "groups": [
                    {"key": "a", "name": "A", "parent_key": "b"},
                    {"key": "b", "name": "B", "parent_key": "a"},
                ],
                "capabilities": [
                    {"key": "x", "name": "X", "type": "skill", "scale_key": "nope"},
                    {
                        "key": "y",
                        "name": "Y",
                        "type": "skill",
                        "scale_key": "core",
                        "indicators": {"7": ["?"]},
                    },
                    {
                        "key": "y",
                        "name": "Y again",
                        "type": "skill",
                        "scale_key": "core",
                        "group_key": "zz",
                    },
                ],
            },
        },
        headers=auth(admin),
    )
    assert fields_of(assert_problem(response, 422, "invalid_input")) == {
        "body.groups.0.parent_key",
        "body.groups.1.parent_key",
        "body.capabilities.0.scale_key",
        "body.capabilities.1.indicators.7",
        "body.capabilities.2.key",
        "body.capabilities.2.group_key",
    }
    listed = await client.get("/v1/frameworks", headers=auth(admin))
    assert [f["key"] for f in listed.json()["data"]] == ["sales"]


async def test_a_large_library_imports_in_one_call(client, new_tenant):
    admin = await new_tenant()
    await published_catalogue(client, admin)
    capabilities = [
        {
            "key": f"cap-{n}",
            "name": f"Capability {n}",
            "type": "knowledge",
            "scale_key": "core",
            "group_key": f"group-{n % 12}",
            "indicators": {
                str(level): [f"Indicator {n}.{level}"] for level in (1, 2, 3) if (n + level) % 9
            },
        }
        for n in range(600)
    ]
    groups = [{"key": f"group-{g}", "name": f"Group {g}"} for g in range(12)]
    response = await client.post(
        "/v1/frameworks",
        json={
            "key": "library",
            "name": "Library",
            "content": {"groups": groups, "capabilities": capabilities},
        },
        headers=auth(admin),
    )
    assert response.status_code == 201, response.text
    framework_id = response.json()["id"]
    version = (
        await client.get(f"/v1/frameworks/{framework_id}/versions/1", headers=auth(admin))
    ).json()
    assert len(version["content"]["capabilities"]) == 600
    indicators = sum(
        len(texts) for c in version["content"]["capabilities"] for texts in c["indicators"].values()
    )
    assert indicators >= 1600


async def test_role_requirements_are_checked_against_published_capabilities(client, new_tenant):
    admin = await new_tenant()
    ids = await published_catalogue(client, admin)
    bad = await client.post(
        "/v1/roles",
        json={
            "key": "ae",
            "name": "AE",
            "requirements": [
                {"capability_id": ids["negotiation"], "required_level": 4},
                {"capability_id": str(uuid.uuid4()), "required_level": 1},
                {"capability_id": ids["crm"], "required_level": 2, "weight": 0},
                {"capability_id": ids["crm"], "required_level": 1},
            ],
        },
        headers=auth(admin),
    )
    assert fields_of(assert_problem(bad, 422, "invalid_input")) == {
        "body.requirements.0.required_level",
        "body.requirements.1.capability_id",
        "body.requirements.2.weight",
        "body.requirements.3.capability_id",
    }
    good = await client.post(
        "/v1/roles",
        json={
            "key": "ae",
            "name": "AE",
            "requirements": [
                {
                    "capability_id": ids["negotiation"],
                    "required_level": 2,
                    "weight": 3,
                    "core": True,
                }
            ],
        },
        headers=auth(admin),
    )
    assert good.status_code == 201
    duplicate = await client.post(
        "/v1/roles", json={"key": "ae", "name": "Again"}, headers=auth(admin)
    )
    assert_problem(duplicate, 409, "conflict")
    listed = await client.get("/v1/roles", params={"q": "a"}, headers=auth(admin))
    assert listed.json()["data"][0]["requirements"][0]["weight"] == 3


async def test_catalogue_is_read_by_all_roles_and_written_by_hr_admin(client, new_tenant):
    admin = await new_tenant()
    ids = await published_catalogue(client, admin)
    key = await client.post(
        "/v1/api-keys", json={"name": "e", "roles": ["employee"]}, headers=auth(admin)
    )
    employee = {"X-API-Key": key.json()["key"]}
    assert (await client.get(f"/v1/capabilities/{ids['crm']}", headers=employee)).status_code == 200
    assert (
        await client.get(f"/v1/frameworks/{ids['framework']}", headers=employee)
    ).status_code == 200
    denied = await client.post(
        "/v1/scales", json={"key": "x", "name": "X", "levels": THREE_LEVELS}, headers=employee
    )
    assert_problem(denied, 403, "forbidden")


async def test_another_tenants_catalogue_is_invisible(client, new_tenant):
    owner, other = await new_tenant("Owner"), await new_tenant("Other")
    ids = await published_catalogue(client, owner)
    for path in (
        f"/v1/scales/{ids['scale']}",
        f"/v1/frameworks/{ids['framework']}",
        f"/v1/frameworks/{ids['framework']}/versions/1",
        f"/v1/capabilities/{ids['crm']}",
    ):
        assert_problem(await client.get(path, headers=auth(other)), 404, "not_found")
    retire = await client.post(
        f"/v1/frameworks/{ids['framework']}/versions/1:retire", headers=auth(other)
    )
    assert_problem(retire, 404, "not_found")
    role = await client.post(
        "/v1/roles",
        json={
            "key": "r",
            "name": "R",
            "requirements": [{"capability_id": ids["crm"], "required_level": 1}],
        },
        headers=auth(other),
    )
    assert fields_of(assert_problem(role, 422, "invalid_input")) == {
        "body.requirements.0.capability_id"
    }


async def test_deleting_what_is_in_use_is_refused(client, new_tenant):
    admin = await new_tenant()
    ids = await published_catalogue(client, admin)
    in_use = await client.delete(f"/v1/scales/{ids['scale']}", headers=auth(admin))
    assert_problem(in_use, 409, "conflict")
    spare = await client.post(
        "/v1/scales",
        json={"key": "spare", "name": "Spare", "levels": THREE_LEVELS},
        headers=auth(admin),
    )
    stale = await client.delete(
        f"/v1/scales/{spare.json()['id']}", headers=auth(admin) | {"If-Match": '"7"'}
    )
    assert_problem(stale, 412, "precondition_failed")
    assert (
        await client.delete(f"/v1/scales/{spare.json()['id']}", headers=auth(admin))
    ).status_code == 204
    assert_problem(
        await client.get(f"/v1/scales/{spare.json()['id']}", headers=auth(admin)), 404, "not_found"
    )
    role = await client.post("/v1/roles", json={"key": "r", "name": "R"}, headers=auth(admin))
    person = await client.post(
        "/v1/employees",
        json={"external_id": "p", "name": "P", "current_role_id": role.json()["id"]},
        headers=auth(admin),
    )
    assert person.status_code == 201
    assert_problem(
        await client.delete(f"/v1/roles/{role.json()['id']}", headers=auth(admin)), 409, "conflict"
    )
    await client.patch(
        f"/v1/employees/{person.json()['id']}", json={"current_role_id": None}, headers=auth(admin)
    )
    assert (
        await client.delete(f"/v1/roles/{role.json()['id']}", headers=auth(admin))
    ).status_code == 204
