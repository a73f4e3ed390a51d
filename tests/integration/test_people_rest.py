"""Org units, employees (single and bulk), role mapping and cohorts over REST."""

import uuid
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.integration.helpers import (
    assert_problem,
    auth,
    fields_of,
    key_for,
    published_catalogue,
)


async def make_unit(client, admin, key, parent=None):
    response = await client.post(
        "/v1/org-units",
        json={"key": key, "name": key.title(), "parent_id": parent},
        headers=auth(admin),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def make_employee(client, admin, external_id, **fields):
    response = await client.post(
        "/v1/employees",
        json={"external_id": external_id, "name": external_id} | fields,
        headers=auth(admin),
    )
    assert response.status_code == 201, response.text
    return response.json()


@contextmanager
def counted_statements():
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def queries(statements: list[str]) -> list[str]:
    """The statements of the use case itself, without authentication and maintenance."""
    return [s for s in statements if "employees" in s and not s.startswith("ANALYZE")]


async def test_org_unit_tree_refuses_cycles(client, new_tenant):
    admin = await new_tenant()
    root = await make_unit(client, admin, "company")
    sales = await make_unit(client, admin, "sales", root)
    emea = await make_unit(client, admin, "emea", sales)
    loop = await client.patch(
        f"/v1/org-units/{sales}", json={"parent_id": emea}, headers=auth(admin)
    )
    assert fields_of(assert_problem(loop, 422, "invalid_input")) == {"body.parent_id"}
    itself = await client.patch(
        f"/v1/org-units/{sales}", json={"parent_id": sales}, headers=auth(admin)
    )
    assert_problem(itself, 422, "invalid_input")
    moved = await client.patch(
        f"/v1/org-units/{emea}", json={"parent_id": root}, headers=auth(admin) | {"If-Match": '"1"'}
    )
    assert moved.json()["parent_id"] == root
    children = await client.get("/v1/org-units", params={"parent_id": root}, headers=auth(admin))
    assert {unit["id"] for unit in children.json()["data"]} == {sales, emea}


async def test_employee_crud_with_manager_cycle_refused(client, new_tenant):
    admin = await new_tenant()
    boss = await make_employee(client, admin, "E1", email="boss@example.com")
    lead = await make_employee(client, admin, "E2", manager_id=boss["id"])
    member = await make_employee(client, admin, "E3", manager_id=lead["id"])
    cycle = await client.patch(
        f"/v1/employees/{boss['id']}", json={"manager_id": member["id"]}, headers=auth(admin)
    )
    assert fields_of(assert_problem(cycle, 422, "invalid_input")) == {"body.manager_id"}
    unchanged = await client.get(f"/v1/employees/{boss['id']}", headers=auth(admin))
    assert unchanged.json()["manager_id"] is None
    duplicate = await client.post(
        "/v1/employees", json={"external_id": "E1", "name": "Again"}, headers=auth(admin)
    )
    assert_problem(duplicate, 409, "conflict")
    patched = await client.patch(
        f"/v1/employees/{member['id']}",
        json={"job_title": "Engineer", "email": None},
        headers=auth(admin) | {"If-Match": '"1"'},
    )
    assert (patched.json()["job_title"], patched.json()["version"]) == ("Engineer", 2)
    bad = await client.post(
        "/v1/employees",
        json={"external_id": "E9", "name": "X", "email": "nope", "org_unit_id": str(uuid.uuid4())},
        headers=auth(admin),
    )
    assert fields_of(assert_problem(bad, 422, "invalid_input")) == {"body.email"}
    unknown_unit = await client.post(
        "/v1/employees",
        json={"external_id": "E9", "name": "X", "org_unit_id": str(uuid.uuid4())},
        headers=auth(admin),
    )
    assert fields_of(assert_problem(unknown_unit, 422, "invalid_input")) == {"body.org_unit_id"}


async def test_who_sees_whom(client, new_tenant):
    admin = await new_tenant()
    boss = await make_employee(client, admin, "B")
    lead = await make_employee(client, admin, "L", manager_id=boss["id"])
    member = await make_employee(client, admin, "M", manager_id=lead["id"])
    outsider = await make_employee(client, admin, "O")
    as_lead = await key_for(client, admin, "manager", lead["id"])
    as_member = await key_for(client, admin, "employee", member["id"])
    seen_by_lead = (await client.get("/v1/employees", headers=as_lead)).json()["data"]
    assert {e["external_id"] for e in seen_by_lead} == {"L", "M"}
    assert (await client.get(f"/v1/employees/{member['id']}", headers=as_lead)).status_code == 200
    assert_problem(
        await client.get(f"/v1/employees/{outsider['id']}", headers=as_lead), 404, "not_found"
    )
    assert_problem(
        await client.get(f"/v1/employees/{boss['id']}", headers=as_lead), 404, "not_found"
    )
    seen_by_member = (await client.get("/v1/employees", headers=as_member)).json()["data"]
    assert [e["external_id"] for e in seen_by_member] == ["M"]
    write = await client.patch(
        f"/v1/employees/{member['id']}", json={"name": "Me"}, headers=as_member
    )
    assert_problem(write, 403, "forbidden")


async def test_bulk_upsert_creates_updates_and_reports_unchanged(client, new_tenant):
    admin = await new_tenant()
    await make_unit(client, admin, "sales")
    rows = [
        {"external_id": "M1", "name": "Manager", "org_unit_key": "sales"},
        {"external_id": "R1", "name": "Report", "manager_external_id": "M1"},
        {"external_id": "R2", "name": "Early", "manager_external_id": "M2"},
    ]
    first = (
        await client.post("/v1/employees:bulk", json={"rows": rows}, headers=auth(admin))
    ).json()
    assert (first["created"], first["updated"], first["unchanged"], first["failed"]) == (3, 0, 0, 0)
    again = (
        await client.post("/v1/employees:bulk", json={"rows": rows}, headers=auth(admin))
    ).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    late_manager = [{"external_id": "M2", "name": "Late manager"}, rows[0] | {"job_title": "Head"}]
    third = (
        await client.post("/v1/employees:bulk", json={"rows": late_manager}, headers=auth(admin))
    ).json()
    assert [row["status"] for row in third["rows"]] == ["created", "updated"]
    by_id = {
        e["external_id"]: e
        for e in (await client.get("/v1/employees", headers=auth(admin))).json()["data"]
    }
    assert by_id["R1"]["manager_id"] == by_id["M1"]["id"]
    assert by_id["R2"]["manager_id"] == by_id["M2"]["id"]


async def test_bulk_rows_fail_alone_but_duplicate_ids_refuse_the_batch(client, new_tenant):
    admin = await new_tenant()
    rows = [
        {"external_id": "A", "name": "Good"},
        {"external_id": "B", "name": "Bad email", "email": "x"},
        {"external_id": "C", "name": "Unknown unit", "org_unit_key": "nowhere"},
        {"external_id": "D", "name": "Loop", "manager_external_id": "E"},
        {"external_id": "E", "name": "Loop", "manager_external_id": "D"},
        {"external_id": "F", "name": "Self", "manager_external_id": "F"},
    ]
    result = (
        await client.post("/v1/employees:bulk", json={"rows": rows}, headers=auth(admin))
    ).json()
    assert [row["status"] for row in result["rows"]] == ["created"] + ["error"] * 5
    assert result["rows"][1]["errors"][0]["field"] == "email"
    assert result["rows"][3]["errors"][0]["field"] == "manager_external_id"
    duplicate = [{"external_id": "X", "name": "One"}, {"external_id": "X", "name": "Two"}]
    refused = await client.post("/v1/employees:bulk", json={"rows": duplicate}, headers=auth(admin))
    assert fields_of(assert_problem(refused, 422, "invalid_input")) == {"body.rows.1.external_id"}
    listed = (await client.get("/v1/employees", headers=auth(admin))).json()["data"]
    assert [e["external_id"] for e in listed] == ["A"]


async def test_a_cycle_through_stored_employees_is_refused(client, new_tenant):
    admin = await new_tenant()
    first = [
        {"external_id": "top", "name": "Top"},
        {"external_id": "mid", "name": "Mid", "manager_external_id": "top"},
    ]
    await client.post("/v1/employees:bulk", json={"rows": first}, headers=auth(admin))
    closing = [{"external_id": "top", "name": "Top", "manager_external_id": "mid"}]
    result = (
        await client.post("/v1/employees:bulk", json={"rows": closing}, headers=auth(admin))
    ).json()
    assert result["rows"][0]["status"] == "error"


async def test_ten_thousand_employees_upsert_in_a_constant_number_of_statements(client, new_tenant):
    admin = await new_tenant()

    def batch(size, prefix):
        return [
            {
                "external_id": f"{prefix}{n}",
                "name": f"Person {n}",
                "email": f"p{n}@example.com",
                "manager_external_id": f"{prefix}{n // 10}" if n else None,
            }
            for n in range(size)
        ]

    with counted_statements() as small:
        response = await client.post(
            "/v1/employees:bulk", json={"rows": batch(100, "s")}, headers=auth(admin)
        )
    assert response.json()["created"] == 100
    with counted_statements() as large:
        response = await client.post(
            "/v1/employees:bulk", json={"rows": batch(10_000, "l")}, headers=auth(admin)
        )
    assert response.json()["created"] == 10_000
    inserts = [s for s in large if s.lstrip().upper().startswith("INSERT INTO EMPLOYEES")]
    if "unnest" in inserts[0]:
        assert len(inserts) == 1
        assert len(queries(large)) == len(queries(small))
    else:  # SQLite: a thousand rows per statement
        assert len(inserts) == 10
    with counted_statements() as resent:
        response = await client.post(
            "/v1/employees:bulk", json={"rows": batch(10_000, "l")}, headers=auth(admin)
        )
    assert response.json()["unchanged"] == 10_000
    assert len(resent) <= len(large)


async def test_bulk_role_mapping_reports_each_row_and_is_idempotent(client, new_tenant):
    admin = await new_tenant()
    ids = await published_catalogue(client, admin)
    role = await client.post(
        "/v1/roles",
        json={
            "key": "ae",
            "name": "AE",
            "requirements": [{"capability_id": ids["crm"], "required_level": 2}],
        },
        headers=auth(admin),
    )
    assert role.status_code == 201
    alice = await make_employee(client, admin, "alice")
    await make_employee(client, admin, "bob")
    rows = [
        {"employee_external_id": "alice", "role_key": "ae", "effective_date": "2026-01-01"},
        {"employee_id": alice["id"], "role_key": "ae"},
        {"employee_external_id": "bob", "role_key": "nope"},
        {"employee_external_id": "carol", "role_key": "ae"},
        {"role_key": "ae"},
    ]
    headers = auth(admin) | {"Idempotency-Key": "map-1"}
    result = (
        await client.post(
            "/v1/role-assignments:bulk", json={"rows": rows[:1] + rows[2:]}, headers=headers
        )
    ).json()
    assert [r["status"] for r in result["rows"]] == ["applied", "error", "error", "error"]
    assert [r["errors"][0]["field"] for r in result["rows"][1:]] == [
        "role_key",
        "employee_external_id",
        "employee_id",
    ]
    replay = await client.post(
        "/v1/role-assignments:bulk", json={"rows": rows[:1] + rows[2:]}, headers=headers
    )
    assert replay.json() == result
    reused = await client.post(
        "/v1/role-assignments:bulk", json={"rows": rows[:1]}, headers=headers
    )
    problem = assert_problem(reused, 422, "idempotency_key_reused")
    assert fields_of(problem) == {"header.idempotency-key"}
    again = (
        await client.post("/v1/role-assignments:bulk", json={"rows": rows[:1]}, headers=auth(admin))
    ).json()
    assert again["unchanged"] == 1
    twice = (
        await client.post("/v1/role-assignments:bulk", json={"rows": rows[:2]}, headers=auth(admin))
    ).json()
    assert twice["failed"] == 2
    stored = (await client.get(f"/v1/employees/{alice['id']}", headers=auth(admin))).json()
    assert (stored["current_role_id"], stored["role_effective_date"]) == (
        role.json()["id"],
        "2026-01-01",
    )


async def test_rule_and_static_cohorts(client, new_tenant):
    admin = await new_tenant()
    root = await make_unit(client, admin, "company")
    sales = await make_unit(client, admin, "sales", root)
    emea = await make_unit(client, admin, "emea", sales)
    boss = await make_employee(client, admin, "boss", org_unit_id=root)
    seller = await make_employee(
        client, admin, "seller", org_unit_id=emea, job_level="L2", manager_id=boss["id"]
    )
    await make_employee(client, admin, "junior", org_unit_id=emea, job_level="L1")
    await make_employee(
        client, admin, "leaver", org_unit_id=sales, job_level="L2", status="inactive"
    )
    rule = await client.post(
        "/v1/cohorts",
        json={
            "key": "sales-l2",
            "name": "Sales L2",
            "rule": {"org_unit_ids": [sales], "job_levels": ["L2"]},
        },
        headers=auth(admin),
    )
    assert rule.status_code == 201, rule.text
    members = (
        await client.get(f"/v1/cohorts/{rule.json()['id']}/members", headers=auth(admin))
    ).json()
    assert [m["external_id"] for m in members["data"]] == ["seller"]
    by_manager = await client.post(
        "/v1/cohorts",
        json={"key": "team", "name": "Team", "rule": {"manager_ids": [boss["id"]]}},
        headers=auth(admin),
    )
    team = (
        await client.get(f"/v1/cohorts/{by_manager.json()['id']}/members", headers=auth(admin))
    ).json()
    assert [m["id"] for m in team["data"]] == [seller["id"]]
    static = await client.post(
        "/v1/cohorts", json={"key": "pilot", "name": "Pilot"}, headers=auth(admin)
    )
    static_id = static.json()["id"]
    added = await client.post(
        f"/v1/cohorts/{static_id}/members",
        json={"add": [boss["id"], str(uuid.uuid4())]},
        headers=auth(admin),
    )
    assert fields_of(assert_problem(added, 422, "invalid_input")) == {"body.add.1"}
    await client.post(
        f"/v1/cohorts/{static_id}/members", json={"add": [boss["id"]]}, headers=auth(admin)
    )
    pilot = (await client.get(f"/v1/cohorts/{static_id}/members", headers=auth(admin))).json()
    assert [m["id"] for m in pilot["data"]] == [boss["id"]]
    not_static = await client.post(
        f"/v1/cohorts/{rule.json()['id']}/members", json={"add": [boss["id"]]}, headers=auth(admin)
    )
    assert_problem(not_static, 422, "invalid_input")
    unknown = await client.post(
        "/v1/cohorts",
        json={"key": "x", "name": "X", "rule": {"role_ids": [str(uuid.uuid4())]}},
        headers=auth(admin),
    )
    assert fields_of(assert_problem(unknown, 422, "invalid_input")) == {"body.rule.role_ids.0"}
    employee = await key_for(client, admin, "employee", seller["id"])
    assert_problem(await client.get("/v1/cohorts", headers=employee), 403, "forbidden")


async def test_another_tenants_people_are_invisible_and_untouched(client, new_tenant):
    owner, other = await new_tenant("Owner"), await new_tenant("Other")
    unit = await make_unit(client, owner, "hq")
    person = await make_employee(client, owner, "P1", org_unit_id=unit)
    cohort = await client.post("/v1/cohorts", json={"key": "c", "name": "C"}, headers=auth(owner))
    for path in (
        f"/v1/org-units/{unit}",
        f"/v1/employees/{person['id']}",
        f"/v1/cohorts/{cohort.json()['id']}",
    ):
        assert_problem(await client.get(path, headers=auth(other)), 404, "not_found")
    patch = await client.patch(
        f"/v1/employees/{person['id']}", json={"name": "Hacked"}, headers=auth(other)
    )
    assert_problem(patch, 404, "not_found")
    mapped = await client.post(
        "/v1/role-assignments:bulk",
        json={"rows": [{"employee_id": person["id"], "role_key": "x"}]},
        headers=auth(other),
    )
    assert mapped.json()["rows"][0]["errors"][0]["field"] == "employee_id"
    as_other = await client.post(
        "/v1/employees",
        json={"external_id": "P1", "name": "Same id, other tenant", "org_unit_id": unit},
        headers=auth(other),
    )
    assert fields_of(assert_problem(as_other, 422, "invalid_input")) == {"body.org_unit_id"}
    assert (await client.get(f"/v1/employees/{person['id']}", headers=auth(owner))).json()[
        "name"
    ] == "P1"


async def test_org_units_with_people_or_children_stay_and_cohorts_go(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    root = await make_unit(client, admin, "root")
    leaf = await make_unit(client, admin, "leaf", root)
    await make_employee(client, admin, "x", org_unit_id=leaf)
    for unit in (root, leaf):
        assert_problem(
            await client.delete(f"/v1/org-units/{unit}", headers=auth(admin)), 409, "conflict"
        )
    empty = await make_unit(client, admin, "empty", root)
    assert_problem(
        await client.delete(f"/v1/org-units/{empty}", headers=auth(other)), 404, "not_found"
    )
    assert (await client.delete(f"/v1/org-units/{empty}", headers=auth(admin))).status_code == 204
    cohort = await client.post("/v1/cohorts", json={"key": "c", "name": "C"}, headers=auth(admin))
    cohort_id = cohort.json()["id"]
    person = await make_employee(client, admin, "y")
    await client.post(
        f"/v1/cohorts/{cohort_id}/members", json={"add": [person["id"]]}, headers=auth(admin)
    )
    assert (await client.delete(f"/v1/cohorts/{cohort_id}", headers=auth(admin))).status_code == 204
    assert (
        await client.get(f"/v1/employees/{person['id']}", headers=auth(admin))
    ).status_code == 200


async def test_a_hand_edit_keeps_the_hris_manager_reference(client, new_tenant):
    admin = await new_tenant()
    rows = [
        {"external_id": "m", "name": "M"},
        {"external_id": "r", "name": "R", "manager_external_id": "m"},
    ]
    await client.post("/v1/employees:bulk", json={"rows": rows}, headers=auth(admin))
    report = (
        await client.get("/v1/employees", params={"external_id": "r"}, headers=auth(admin))
    ).json()["data"][0]
    await client.patch(
        f"/v1/employees/{report['id']}", json={"job_title": "Analyst"}, headers=auth(admin)
    )
    resent = (
        await client.post("/v1/employees:bulk", json={"rows": rows}, headers=auth(admin))
    ).json()
    assert [row["status"] for row in resent["rows"]] == ["unchanged", "updated"]
    after = (await client.get(f"/v1/employees/{report['id']}", headers=auth(admin))).json()
    assert after["manager_id"] is not None and after["job_title"] is None
