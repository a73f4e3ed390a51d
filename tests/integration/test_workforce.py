"""Workforce reports over REST and GraphQL: capability maturity and the succession bench, as
JSON pages and CSV; who may read them, over whom; other tenants' ids."""

import csv
import io

from tests.integration.helpers import assert_problem, auth, fields_of
from tests.integration.test_assessments_graphql import codes, gql
from tests.integration.test_people_rest import counted_statements, make_unit
from tests.integration.test_plans import assess, key_for, small_org

MATURITY = "/v1/reports/capability-maturity"
BENCH = "/v1/reports/succession-bench"


async def workforce(client, admin):
    """Sellers a and b under manager m, who leads; x, a seller elsewhere in a unit of its own.
    Lead needs negotiation 2 (weight 2) and CRM 2. a: negotiation 3, CRM 2; b: negotiation 2.
    a, b and x aspire to lead; m to seller."""
    ids, people, _, _ = await small_org(client, admin)
    headers = auth(admin)
    lead = await client.post(
        "/v1/roles",
        json={
            "key": "lead",
            "name": "Team lead",
            "requirements": [
                {"capability_id": ids["negotiation"], "required_level": 2, "weight": 2},
                {"capability_id": ids["crm"], "required_level": 2},
            ],
        },
        headers=headers,
    )
    assert lead.status_code == 201, lead.text
    roles = {
        r["key"]: r["id"] for r in (await client.get("/v1/roles", headers=headers)).json()["data"]
    }
    field = await make_unit(client, admin, "field")
    added = await client.post(
        "/v1/employees:bulk",
        json={"rows": [{"external_id": "x", "name": "X", "org_unit_key": "field"}]},
        headers=headers,
    )
    assert added.status_code == 200, added.text
    people["x"] = added.json()["rows"][0]["id"]
    assigned = await client.post(
        "/v1/role-assignments:bulk",
        json={
            "rows": [
                {"employee_external_id": "m", "role_key": "lead"},
                {"employee_external_id": "x", "role_key": "seller"},
            ]
        },
        headers=headers,
    )
    assert assigned.status_code == 200, assigned.text
    for person, role in (("a", "lead"), ("b", "lead"), ("x", "lead"), ("m", "seller")):
        changed = await client.patch(
            f"/v1/employees/{people[person]}",
            json={"aspired_role_ids": [roles[role]]},
            headers=headers,
        )
        assert changed.status_code == 200, changed.text
    await assess(client, admin, people["a"], {ids["negotiation"]: 3, ids["crm"]: 2})
    await assess(client, admin, people["b"], {ids["negotiation"]: 2, ids["crm"]: None})
    return ids, people, roles, field


def maturity_of(body):
    return {
        row["capability_key"]: (
            row["headcount"],
            row["assessed"],
            row["proficient"],
            row["roles"],
            row["roles_proficient"],
            [level["people"] for level in row["levels"]],
        )
        for row in body["data"]
    }


def bench_of(body):
    return {
        row["role_key"]: (
            row["holders"],
            (row["ready_now"], row["ready_soon"], row["developing"]),
            [(c["name"], round(c["readiness"], 4), c["band"]) for c in row["candidates"]],
        )
        for row in body["data"]
    }


async def test_reports_over_the_tenant_a_unit_and_a_manager_reach(client, new_tenant):
    admin = await new_tenant()
    ids, people, roles, field = await workforce(client, admin)
    headers = auth(admin)

    maturity = await client.get(MATURITY, headers=headers)
    assert maturity.status_code == 200, maturity.text
    body = maturity.json()
    assert body["has_more"] is False and body["next_cursor"] is None
    # negotiation: a, b, x (seller, 3) and m (lead, 2); only a is proficient. Seller: 1 of 3.
    assert maturity_of(body) == {
        "negotiation": (4, 2, 1, 2, 0, [0, 1, 1]),
        "crm": (4, 1, 1, 2, 0, [0, 1, 0]),
    }
    negotiation = next(r for r in body["data"] if r["capability_key"] == "negotiation")
    assert negotiation["capability_id"] == ids["negotiation"]
    assert negotiation["capability_name"] == "Negotiates win-win agreements"
    assert negotiation["share_proficient"] == 0.25 and negotiation["share_roles_proficient"] == 0

    bench = await client.get(BENCH, headers=headers)
    assert bench.status_code == 200, bench.text
    assert bench_of(bench.json()) == {
        "lead": (
            1,
            (1, 1, 1),
            [("A", 1.0, "ready_now"), ("B", 0.6667, "ready_soon"), ("X", 0.0, "developing")],
        ),
        "seller": (3, (0, 0, 1), [("M", 0.0, "developing")]),
    }
    lead = next(r for r in bench.json()["data"] if r["role_key"] == "lead")
    assert lead["role_id"] == roles["lead"] and lead["role_name"] == "Team lead"
    assert lead["candidates"][0] == {
        "employee_id": people["a"],
        "external_id": "a",
        "name": "A",
        "readiness": 1.0,
        "band": "ready_now",
        "requirements": 2,
        "requirements_met": 2,
    }

    # The manager's reach: themselves and a, b; x is not theirs.
    as_manager = await key_for(client, admin, "manager", people["m"])
    mine = await client.get(MATURITY, headers=as_manager)
    assert maturity_of(mine.json()) == {
        "negotiation": (3, 2, 1, 2, 1, [0, 1, 1]),
        "crm": (3, 1, 1, 2, 1, [0, 1, 0]),
    }
    mine = await client.get(BENCH, headers=as_manager)
    assert bench_of(mine.json()) == {
        "lead": (1, (1, 1, 0), [("A", 1.0, "ready_now"), ("B", 0.6667, "ready_soon")]),
        "seller": (2, (0, 0, 1), [("M", 0.0, "developing")]),
    }

    # One org unit (and those below it): x alone.
    in_field = await client.get(MATURITY, params={"org_unit_id": field}, headers=headers)
    assert maturity_of(in_field.json()) == {
        "negotiation": (1, 0, 0, 1, 0, [0, 0, 0]),
        "crm": (1, 0, 0, 1, 0, [0, 0, 0]),
    }
    in_field = await client.get(BENCH, params={"org_unit_id": field}, headers=headers)
    assert bench_of(in_field.json()) == {
        "lead": (0, (0, 0, 1), [("X", 0.0, "developing")]),
        "seller": (1, (0, 0, 0), []),
    }

    # Filters: one role, one framework; pages.
    one = await client.get(BENCH, params={"role_id": roles["seller"]}, headers=headers)
    assert list(bench_of(one.json())) == ["seller"]
    framework = await client.get(
        MATURITY, params={"framework_id": ids["framework"]}, headers=headers
    )
    assert maturity_of(framework.json()) == maturity_of(body)
    first = await client.get(BENCH, params={"limit": 1}, headers=headers)
    assert first.json()["has_more"] is True and len(first.json()["data"]) == 1
    rest = await client.get(
        BENCH, params={"limit": 1, "cursor": first.json()["next_cursor"]}, headers=headers
    )
    assert rest.json()["has_more"] is False
    assert [r["role_id"] for r in first.json()["data"] + rest.json()["data"]] == [
        r["role_id"] for r in bench.json()["data"]
    ]

    # An integration reads the whole tenant too.
    as_integration = await key_for(client, admin, "integration")
    assert (await client.get(BENCH, headers=as_integration)).json() == bench.json()


async def test_reports_export_as_csv(client, new_tenant):
    admin = await new_tenant()
    ids, people, roles, _ = await workforce(client, admin)
    headers = auth(admin)

    exported = await client.get(MATURITY, headers=headers | {"Accept": "text/csv"})
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        exported.headers["content-disposition"] == 'attachment; filename="capability-maturity.csv"'
    )
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == [
        "capability_id",
        "capability_key",
        "capability_name",
        "headcount",
        "assessed",
        "proficient",
        "share_proficient",
        "roles",
        "roles_proficient",
        "share_roles_proficient",
        "people_by_level",
    ]
    by_key = {row[1]: row for row in rows[1:]}
    assert by_key["negotiation"] == [
        ids["negotiation"],
        "negotiation",
        "Negotiates win-win agreements",
        "4",
        "2",
        "1",
        "0.2500",
        "2",
        "0",
        "0.0000",
        "1:0 2:1 3:1",
    ]
    assert len(rows) == 3
    # The export is every row whatever the page size; ?format=csv asks the same.
    again = await client.get(MATURITY, params={"format": "csv", "limit": 1}, headers=headers)
    assert again.text == exported.text
    # JSON when JSON is acceptable too, or asked for by name.
    both = await client.get(MATURITY, headers=headers | {"Accept": "application/json, text/csv"})
    assert both.headers["content-type"] == "application/json"
    named = await client.get(
        MATURITY, params={"format": "json"}, headers=headers | {"Accept": "text/csv"}
    )
    assert named.headers["content-type"] == "application/json"

    bench = await client.get(BENCH, params={"format": "csv", "limit": 1}, headers=headers)
    assert bench.status_code == 200, bench.text
    assert bench.headers["content-disposition"] == 'attachment; filename="succession-bench.csv"'
    rows = list(csv.reader(io.StringIO(bench.text)))
    assert rows[0][:8] == [
        "role_id",
        "role_key",
        "role_name",
        "holders",
        "ready_now",
        "ready_soon",
        "developing",
        "employee_id",
    ]
    lead = [row for row in rows[1:] if row[1] == "lead"]
    assert [row[9:] for row in lead] == [
        ["A", "1.0000", "ready_now", "2", "2"],
        ["B", "0.6667", "ready_soon", "1", "2"],
        ["X", "0.0000", "developing", "0", "2"],
    ]
    assert lead[0][:9] == [
        roles["lead"],
        "lead",
        "Team lead",
        "1",
        "1",
        "1",
        "1",
        people["a"],
        "a",
    ]
    assert len(rows) == 5


async def test_who_may_read_reports_and_other_tenants_ids(client, new_tenant):
    admin = await new_tenant()
    ids, people, roles, field = await workforce(client, admin)
    as_employee = await key_for(client, admin, "employee", people["a"])
    for url in (MATURITY, BENCH):
        assert_problem(await client.get(url, headers=as_employee), 403, "forbidden")
        assert_problem(
            await client.get(url, params={"format": "csv"}, headers=as_employee), 403, "forbidden"
        )
        assert_problem(await client.get(url), 401, "unauthenticated")
    # A manager key not bound to an employee has no reach.
    unbound = await key_for(client, admin, "manager")
    assert_problem(await client.get(BENCH, headers=unbound), 403, "forbidden")

    other = await new_tenant("Other")
    theirs = auth(other)
    for url, params in (
        (BENCH, {"role_id": roles["lead"]}),
        (BENCH, {"org_unit_id": field}),
        (MATURITY, {"org_unit_id": field}),
        (MATURITY, {"framework_id": ids["framework"]}),
    ):
        assert_problem(await client.get(url, params=params, headers=theirs), 404, "not_found")
    # Nothing of the first tenant shows in the other's reports.
    assert (await client.get(MATURITY, headers=theirs)).json()["data"] == []
    assert (await client.get(BENCH, headers=theirs)).json()["data"] == []

    headers = auth(admin)
    invalid = await client.get(MATURITY, params={"limit": 0}, headers=headers)
    assert fields_of(assert_problem(invalid, 422, "invalid_input")) == {"query.limit"}
    invalid = await client.get(BENCH, params={"format": "xml"}, headers=headers)
    assert fields_of(assert_problem(invalid, 422, "invalid_input")) == {"query.format"}
    invalid = await client.get(BENCH, params={"cursor": "nonsense"}, headers=headers)
    assert fields_of(assert_problem(invalid, 422, "invalid_input")) == {"query.cursor"}


async def test_reports_take_a_fixed_number_of_queries(client, new_tenant):
    admin = await new_tenant()
    await workforce(client, admin)
    headers = auth(admin)
    counts: dict[str, set[int]] = {MATURITY: set(), BENCH: set()}
    for params in ({"limit": 1}, {"limit": 50}, {"format": "csv"}):
        for url, seen in counts.items():
            with counted_statements() as statements:
                response = await client.get(url, params=params, headers=headers)
            assert response.status_code == 200, response.text
            seen.add(len(statements))
    # The same statements for one role or capability as for all of them.
    assert all(len(seen) == 1 for seen in counts.values()), counts


REPORTS = """
query($orgUnit: UUID, $first: Int) {
  capabilityMaturity(orgUnitId: $orgUnit, first: $first) {
    nodes { capabilityKey headcount assessed proficient shareProficient roles rolesProficient
            peopleByLevel capability { key name } }
    pageInfo { hasNextPage endCursor }
  }
  successionBench(orgUnitId: $orgUnit) {
    nodes { roleKey holders readyNow readySoon developing role { key }
            candidates { name readiness band requirementsMet employee { externalId } } }
  }
}
"""


async def test_reports_over_graphql(client, new_tenant):
    admin = await new_tenant()
    _, people, roles, field = await workforce(client, admin)
    result = await gql(client, auth(admin), REPORTS)
    assert "errors" not in result, result
    maturity = {n["capabilityKey"]: n for n in result["data"]["capabilityMaturity"]["nodes"]}
    assert maturity["negotiation"] == {
        "capabilityKey": "negotiation",
        "headcount": 4,
        "assessed": 2,
        "proficient": 1,
        "shareProficient": 0.25,
        "roles": 2,
        "rolesProficient": 0,
        "peopleByLevel": [0, 1, 1],
        "capability": {"key": "negotiation", "name": "Negotiates win-win agreements"},
    }
    bench = {n["roleKey"]: n for n in result["data"]["successionBench"]["nodes"]}
    assert bench["lead"]["role"] == {"key": "lead"}
    assert (bench["lead"]["holders"], bench["lead"]["readyNow"], bench["lead"]["readySoon"]) == (
        1,
        1,
        1,
    )
    assert [
        (c["name"], c["band"], c["requirementsMet"], c["employee"]["externalId"])
        for c in bench["lead"]["candidates"]
    ] == [
        ("A", "READY_NOW", 2, "a"),
        ("B", "READY_SOON", 1, "b"),
        ("X", "DEVELOPING", 0, "x"),
    ]

    paged = await gql(client, auth(admin), REPORTS, first=1, orgUnit=field)
    assert paged["data"]["capabilityMaturity"]["pageInfo"]["hasNextPage"] is True
    assert [n["roleKey"] for n in paged["data"]["successionBench"]["nodes"]] == sorted(
        ["lead", "seller"], key=lambda key: roles[key]
    )

    as_employee = await key_for(client, admin, "employee", people["a"])
    assert "FORBIDDEN" in codes(await gql(client, as_employee, REPORTS))
    other = await new_tenant("Other")
    assert "NOT_FOUND" in codes(await gql(client, auth(other), REPORTS, orgUnit=field))
