"""Defects a review of the capability/people model found, each held by a test."""

import asyncio

from tests.integration.helpers import (
    THREE_LEVELS,
    assert_problem,
    auth,
    fields_of,
    published_catalogue,
)


async def bulk(client, admin, rows, **headers):
    return await client.post(
        "/v1/employees:bulk", json={"rows": rows}, headers=auth(admin) | headers
    )


async def test_concurrent_batches_with_the_same_new_people_all_succeed(client, new_tenant):
    admin = await new_tenant()
    rows = [{"external_id": f"n{n}", "name": f"N{n}"} for n in range(50)]
    responses = await asyncio.gather(*(bulk(client, admin, rows) for _ in range(4)))
    assert [r.status_code for r in responses] == [200] * 4
    assert sum(r.json()["created"] for r in responses) == 50
    assert all(r.json()["failed"] == 0 for r in responses)


async def test_a_waiting_report_cannot_close_a_cycle_when_their_manager_arrives(client, new_tenant):
    admin = await new_tenant()
    await bulk(client, admin, [{"external_id": "a", "name": "A", "manager_external_id": "b"}])
    a = (
        await client.get("/v1/employees", params={"external_id": "a"}, headers=auth(admin))
    ).json()["data"][0]
    cycle = await client.post(
        "/v1/employees",
        json={"external_id": "b", "name": "B", "manager_id": a["id"]},
        headers=auth(admin),
    )
    assert_problem(cycle, 422, "invalid_input")
    assert (
        await client.get("/v1/employees", params={"external_id": "b"}, headers=auth(admin))
    ).json()["data"] == []
    b = await client.post(
        "/v1/employees", json={"external_id": "b", "name": "B"}, headers=auth(admin)
    )
    linked = (await client.get(f"/v1/employees/{a['id']}", headers=auth(admin))).json()
    assert linked["manager_id"] == b.json()["id"]
    assert linked["version"] == a["version"] + 1


async def test_concurrent_manager_changes_cannot_both_close_a_cycle(client, new_tenant):
    admin = await new_tenant()
    first = await client.post(
        "/v1/employees", json={"external_id": "c1", "name": "C1"}, headers=auth(admin)
    )
    second = await client.post(
        "/v1/employees", json={"external_id": "c2", "name": "C2"}, headers=auth(admin)
    )
    one, two = first.json()["id"], second.json()["id"]
    responses = await asyncio.gather(
        client.patch(f"/v1/employees/{one}", json={"manager_id": two}, headers=auth(admin)),
        client.patch(f"/v1/employees/{two}", json={"manager_id": one}, headers=auth(admin)),
    )
    assert sorted(r.status_code for r in responses) == [200, 422]


async def test_publishing_or_retiring_cannot_break_role_profiles(client, new_tenant):
    admin = await new_tenant()
    ids = await published_catalogue(client, admin)
    await client.post(
        "/v1/roles",
        json={
            "key": "ae",
            "name": "AE",
            "requirements": [{"capability_id": ids["negotiation"], "required_level": 3}],
        },
        headers=auth(admin),
    )
    base = f"/v1/frameworks/{ids['framework']}"
    draft = (await client.post(f"{base}/versions", headers=auth(admin))).json()
    content = draft["content"]
    content["capabilities"] = [c for c in content["capabilities"] if c["key"] != "negotiation"]
    await client.put(f"{base}/versions/2", json=content, headers=auth(admin))
    dropped = await client.post(f"{base}/versions/2:publish", headers=auth(admin))
    assert "role ae requires negotiation" in assert_problem(dropped, 409, "conflict")["detail"]
    retire = await client.post(f"{base}/versions/1:retire", headers=auth(admin))
    assert "ae" in assert_problem(retire, 409, "conflict")["detail"]
    versions = (await client.get(base, headers=auth(admin))).json()["versions"]
    assert [v["status"] for v in versions] == ["published", "draft"]


async def test_a_scale_keeps_the_levels_indicators_use(client, new_tenant):
    admin = await new_tenant()
    ids = await published_catalogue(client, admin)
    shrink = await client.put(
        f"/v1/scales/{ids['scale']}",
        json={"name": "Core", "levels": THREE_LEVELS[:2]},
        headers=auth(admin),
    )
    assert_problem(shrink, 409, "conflict")


async def test_control_characters_in_references_and_filters_are_refused(client, new_tenant):
    admin = await new_tenant()
    result = await bulk(
        client,
        admin,
        [
            {"external_id": "ok", "name": "Ok", "manager_external_id": "x\u0000"},
            {"external_id": "ok2", "name": "Ok2", "org_unit_key": "u\u0000"},
            {"external_id": "ok3", "name": "Ok3", "manager_external_id": "m" * 201},
        ],
    )
    assert result.status_code == 200, result.text
    assert [r["status"] for r in result.json()["rows"]] == ["error", "error", "error"]
    mapped = await client.post(
        "/v1/role-assignments:bulk",
        json={
            "rows": [
                {"employee_external_id": "e\u0000", "role_key": "r"},
                {"employee_external_id": "e", "role_key": "r\u0000"},
            ]
        },
        headers=auth(admin),
    )
    assert [r["status"] for r in mapped.json()["rows"]] == ["error", "error"]
    for path, params in (
        ("/v1/employees", {"external_id": "\u0000"}),
        ("/v1/roles", {"q": "\u0000"}),
        ("/v1/capabilities", {"q": "\u0000"}),
    ):
        assert_problem(
            await client.get(path, params=params, headers=auth(admin)), 422, "invalid_input"
        )
    cohort = await client.post(
        "/v1/cohorts",
        json={
            "key": "c",
            "name": "C",
            "rule": {"job_levels": ["L\u0000"], "locations": ["x" * 300]},
        },
        headers=auth(admin),
    )
    assert fields_of(assert_problem(cohort, 422, "invalid_input")) == {
        "body.rule.job_levels.0",
        "body.rule.locations.0",
    }


async def test_csv_rows_shorter_than_an_extended_header_are_422(client, new_tenant):
    admin = await new_tenant()
    header = "group_key,group_name,group_description,group_parent_key,capability_key,capability_name,capability_type,capability_description,scale_key,level,indicator,extra"
    body = header + "\n" + ",".join(["g", "G", "", "", "c", "C", "skill", "", "s", "", ""])
    response = await client.post(
        "/v1/frameworks:import",
        params={"key": "k", "name": "K"},
        content=body.encode(),
        headers=auth(admin) | {"content-type": "text/csv"},
    )
    assert_problem(response, 422, "invalid_input")


async def test_a_daily_sync_without_dates_changes_nothing(client, new_tenant):
    admin = await new_tenant()
    await client.post("/v1/roles", json={"key": "r", "name": "R"}, headers=auth(admin))
    await client.post("/v1/employees", json={"external_id": "e", "name": "E"}, headers=auth(admin))
    dated = [{"employee_external_id": "e", "role_key": "r", "effective_date": "2020-01-01"}]
    first = await client.post(
        "/v1/role-assignments:bulk", json={"rows": dated}, headers=auth(admin)
    )
    assert first.json()["applied"] == 1
    undated = [{"employee_external_id": "e", "role_key": "r"}]
    again = await client.post(
        "/v1/role-assignments:bulk", json={"rows": undated}, headers=auth(admin)
    )
    assert again.json()["unchanged"] == 1
    stored = (
        await client.get("/v1/employees", params={"external_id": "e"}, headers=auth(admin))
    ).json()["data"][0]
    assert stored["role_effective_date"] == "2020-01-01"


async def test_what_a_cohort_rule_names_cannot_be_deleted(client, new_tenant):
    admin = await new_tenant()
    role = await client.post("/v1/roles", json={"key": "r", "name": "R"}, headers=auth(admin))
    unit = await client.post("/v1/org-units", json={"key": "u", "name": "U"}, headers=auth(admin))
    await client.post(
        "/v1/cohorts",
        json={
            "key": "c",
            "name": "C",
            "rule": {"role_ids": [role.json()["id"]], "org_unit_ids": [unit.json()["id"]]},
        },
        headers=auth(admin),
    )
    assert_problem(
        await client.delete(f"/v1/roles/{role.json()['id']}", headers=auth(admin)), 409, "conflict"
    )
    assert_problem(
        await client.delete(f"/v1/org-units/{unit.json()['id']}", headers=auth(admin)),
        409,
        "conflict",
    )


async def test_an_edit_that_changes_nothing_keeps_the_version(client, new_tenant):
    admin = await new_tenant()
    person = await client.post(
        "/v1/employees", json={"external_id": "e", "name": "E"}, headers=auth(admin)
    )
    url = f"/v1/employees/{person.json()['id']}"
    for body in ({}, {"name": "E"}, {"status": None}):
        response = await client.patch(url, json=body, headers=auth(admin))
        assert (response.status_code, response.headers["etag"]) == (200, '"1"')
    changed = await client.patch(url, json={"name": "F"}, headers=auth(admin))
    assert changed.headers["etag"] == '"2"'


async def test_a_sync_row_without_a_status_keeps_a_leaver_a_leaver(client, new_tenant):
    admin = await new_tenant()
    await bulk(client, admin, [{"external_id": "x", "name": "X", "status": "inactive"}])
    resent = await bulk(
        client, admin, [{"external_id": "x", "name": "X"}, {"external_id": "y", "name": "Y"}]
    )
    assert [r["status"] for r in resent.json()["rows"]] == ["unchanged", "created"]
    people = (await client.get("/v1/employees", headers=auth(admin))).json()["data"]
    assert {p["external_id"]: p["status"] for p in people} == {"x": "inactive", "y": "active"}
