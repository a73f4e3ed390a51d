"""SCIM 2.0 provisioning as Entra ID and Okta drive it: create, find, update, patch,
deactivate users; groups as static cohorts; discovery; errors; tenancy and roles."""

import uuid

from tests.integration.helpers import auth
from tests.integration.test_people_rest import key_for, make_employee, make_unit

SCIM = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


async def integration(client, admin):
    return await key_for(client, admin, "integration")


def entra_user(user_name, external_id, **enterprise):
    """A user as Entra ID's provisioning service first sends it."""
    return {
        "schemas": [USER, ENTERPRISE],
        "externalId": external_id,
        "userName": user_name,
        "active": True,
        "displayName": f"{user_name.split('@')[0]} Display",
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Given Family", "familyName": "Family", "givenName": "Given"},
        "title": "Engineer",
        "roles": [],
        ENTERPRISE: enterprise,
    }


async def scim(client, method, path, headers, body=None):
    return await client.request(
        method,
        f"/scim/v2{path}",
        json=body,
        headers=headers | {"Content-Type": SCIM, "Accept": SCIM},
    )


def assert_scim_error(response, status, scim_type=None):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == SCIM
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    return body


async def test_entra_id_provisioning_cycle(client, new_tenant):
    admin = await new_tenant()
    headers = await integration(client, admin)
    await make_unit(client, admin, "sales")

    # The connection test: a filter on a random GUID answers an empty list.
    probe = await scim(client, "GET", f'/Users?filter=userName eq "{uuid.uuid4()}"', headers)
    assert probe.status_code == 200, probe.text
    assert probe.headers["content-type"] == SCIM
    assert probe.json()["totalResults"] == 0
    assert probe.json()["Resources"] == []
    assert probe.json()["startIndex"] == 1

    created = await scim(
        client,
        "POST",
        "/Users",
        headers,
        entra_user("ada@contoso.com", "aad-1", employeeNumber="E1", department="Sales"),
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert created.headers["location"] == user["meta"]["location"]
    assert user["userName"] == "ada@contoso.com"
    assert user["externalId"] == "aad-1"
    assert user["active"] is True
    assert user[ENTERPRISE]["employeeNumber"] == "E1"
    assert user[ENTERPRISE]["department"] == "Sales"
    assert user["name"] == {
        "formatted": "Given Family",
        "familyName": "Family",
        "givenName": "Given",
    }

    # The employee is a Tandem employee like any other.
    employee = (await client.get(f"/v1/employees/{user['id']}", headers=auth(admin))).json()
    assert employee["external_id"] == "E1"
    assert employee["email"] == "ada@contoso.com"
    assert employee["job_title"] == "Engineer"
    assert employee["org_unit_id"] is not None
    assert employee["name"] == "ada Display"

    # Entra finds the user by userName (any case) and by externalId.
    for query in ('userName eq "ADA@contoso.com"', 'externalId eq "aad-1"'):
        found = await scim(client, "GET", f"/Users?filter={query}", headers)
        assert found.json()["totalResults"] == 1, query
        assert found.json()["Resources"][0]["id"] == user["id"]
    missed = await scim(client, "GET", '/Users?filter=externalId eq "AAD-1"', headers)
    assert missed.json()["totalResults"] == 0  # externalId is case-exact

    # Entra's PATCH forms: capitalised ops, "False" as a string, dotted and URN keys.
    patched = await scim(
        client,
        "PATCH",
        f"/Users/{user['id']}",
        headers,
        {
            "schemas": [PATCH],
            "Operations": [
                {"op": "Replace", "path": "title", "value": "Lead Engineer"},
                {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ada@new.com"},
                {
                    "op": "Add",
                    "value": {
                        "name.givenName": "Augusta",
                        f"{ENTERPRISE}:employeeNumber": "E1-B",
                    },
                },
            ],
        },
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["title"] == "Lead Engineer"
    assert body["emails"][0]["value"] == "ada@new.com"
    assert body["name"]["givenName"] == "Augusta"
    assert body[ENTERPRISE]["employeeNumber"] == "E1-B"
    employee = (await client.get(f"/v1/employees/{user['id']}", headers=auth(admin))).json()
    assert (employee["external_id"], employee["job_title"], employee["email"]) == (
        "E1-B",
        "Lead Engineer",
        "ada@new.com",
    )

    deactivated = await scim(
        client,
        "PATCH",
        f"/Users/{user['id']}",
        headers,
        {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]},
    )
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["active"] is False
    # Deactivated users are still there, for the provider and for Tandem.
    again = await scim(client, "GET", f"/Users/{user['id']}", headers)
    assert again.status_code == 200
    assert again.json()["active"] is False
    inactive = await scim(client, "GET", "/Users?filter=active eq false", headers)
    assert [r["id"] for r in inactive.json()["Resources"]] == [user["id"]]


async def test_okta_provisioning_cycle(client, new_tenant):
    admin = await new_tenant()
    headers = await integration(client, admin)
    body = {
        "schemas": [USER],
        "userName": "grace@example.com",
        "name": {"givenName": "Grace", "familyName": "Hopper"},
        "emails": [{"primary": True, "value": "grace@example.com", "type": "work"}],
        "displayName": "Grace Hopper",
        "locale": "en-US",
        "externalId": "00u1",
        "groups": [],
        "password": "not-stored",
        "active": True,
    }
    check = await scim(client, "GET", '/Users?filter=userName eq "grace@example.com"', headers)
    assert check.json()["totalResults"] == 0
    created = await scim(client, "POST", "/Users", headers, body)
    assert created.status_code == 201, created.text
    user = created.json()
    assert "password" not in user
    assert user["locale"] == "en-US"  # kept as sent though Tandem does not model it

    # Okta sends full PUTs; the same PUT twice changes nothing the second time.
    put = body | {"id": user["id"], "title": "Rear Admiral"}
    first = await scim(client, "PUT", f"/Users/{user['id']}", headers, put)
    assert first.status_code == 200, first.text
    assert first.json()["title"] == "Rear Admiral"
    employee = (await client.get(f"/v1/employees/{user['id']}", headers=auth(admin))).json()
    second = await scim(client, "PUT", f"/Users/{user['id']}", headers, put)
    assert second.status_code == 200
    unchanged = (await client.get(f"/v1/employees/{user['id']}", headers=auth(admin))).json()
    assert unchanged["version"] == employee["version"]

    # Okta deactivates with a path-less replace.
    off = await scim(
        client,
        "PATCH",
        f"/Users/{user['id']}",
        headers,
        {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert off.status_code == 200, off.text
    assert off.json()["active"] is False
    gone = await scim(client, "DELETE", f"/Users/{user['id']}", headers)
    assert gone.status_code == 204
    still = await scim(client, "GET", f"/Users/{user['id']}", headers)
    assert still.json()["active"] is False

    # The audit log says who changed what.
    log = await client.get("/v1/audit-log?target_id=" + user["id"], headers=auth(admin))
    assert log.status_code == 200, log.text
    entries = log.json()["data"]
    assert [e["action"] for e in entries] == ["user.created", "user.updated", "user.updated"]
    assert entries[1]["changes"]["title"] == {"before": None, "after": "Rear Admiral"}
    assert entries[2]["changes"]["active"] == {"before": True, "after": False}
    assert all(e["actor"].startswith("api_key:") and e["channel"] == "scim" for e in entries)


async def test_a_manager_who_arrives_later_is_linked(client, new_tenant):
    admin = await new_tenant()
    headers = await integration(client, admin)
    report = await scim(
        client,
        "POST",
        "/Users",
        headers,
        entra_user("report@contoso.com", "aad-r", employeeNumber="R1", manager={"value": "M1"}),
    )
    assert report.status_code == 201, report.text
    assert report.json()[ENTERPRISE]["manager"]["value"] == "M1"
    manager = await scim(
        client,
        "POST",
        "/Users",
        headers,
        entra_user("boss@contoso.com", "aad-m", employeeNumber="M1"),
    )
    assert manager.status_code == 201, manager.text
    linked = await scim(client, "GET", f"/Users/{report.json()['id']}", headers)
    assert linked.json()[ENTERPRISE]["manager"]["value"] == manager.json()["id"]

    # Entra's manager forms: a list with $ref, and removal.
    other = await scim(
        client,
        "POST",
        "/Users",
        headers,
        entra_user("other@contoso.com", "aad-o", employeeNumber="O1"),
    )
    moved = await scim(
        client,
        "PATCH",
        f"/Users/{report.json()['id']}",
        headers,
        {
            "schemas": [PATCH],
            "Operations": [
                {
                    "op": "Add",
                    "path": f"{ENTERPRISE}:manager",
                    "value": [{"$ref": None, "value": other.json()["id"]}],
                }
            ],
        },
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()[ENTERPRISE]["manager"]["value"] == other.json()["id"]
    employee = await client.get(f"/v1/employees/{report.json()['id']}", headers=auth(admin))
    assert employee.json()["manager_id"] == other.json()["id"]
    removed = await scim(
        client,
        "PATCH",
        f"/Users/{report.json()['id']}",
        headers,
        {"schemas": [PATCH], "Operations": [{"op": "Remove", "path": f"{ENTERPRISE}:manager"}]},
    )
    assert removed.status_code == 200, removed.text
    assert "manager" not in removed.json()[ENTERPRISE]


async def test_an_employee_from_the_hris_is_claimed_not_duplicated(client, new_tenant):
    admin = await new_tenant()
    headers = await integration(client, admin)
    existing = await make_employee(client, admin, "E7", email="lin@contoso.com", job_level="L3")
    # Before provisioning, the HRIS employee is found by the email as userName.
    found = await scim(client, "GET", '/Users?filter=userName eq "lin@contoso.com"', headers)
    assert [r["id"] for r in found.json()["Resources"]] == [existing["id"]]
    created = await scim(
        client,
        "POST",
        "/Users",
        headers,
        entra_user("lin@contoso.com", "aad-7", employeeNumber="E7"),
    )
    assert created.status_code == 201, created.text
    assert created.json()["id"] == existing["id"]
    employee = (await client.get(f"/v1/employees/{existing['id']}", headers=auth(admin))).json()
    assert employee["job_level"] == "L3"  # what SCIM does not carry is kept
    again = await scim(
        client,
        "POST",
        "/Users",
        headers,
        entra_user("lin2@contoso.com", "aad-8", employeeNumber="E7"),
    )
    assert_scim_error(again, 409, "uniqueness")
    taken = await scim(
        client,
        "POST",
        "/Users",
        headers,
        entra_user("LIN@contoso.com", "aad-9", employeeNumber="E9"),
    )
    assert_scim_error(taken, 409, "uniqueness")


async def test_filters_and_paging(client, new_tenant):
    admin = await new_tenant()
    headers = await integration(client, admin)
    for n in range(5):
        response = await scim(
            client,
            "POST",
            "/Users",
            headers,
            entra_user(f"user{n}@contoso.com", f"aad-{n}", employeeNumber=f"P{n}"),
        )
        assert response.status_code == 201, response.text

    async def ids(query):
        response = await scim(client, "GET", f"/Users?{query}", headers)
        assert response.status_code == 200, response.text
        return response.json()

    assert (await ids('filter=userName sw "user1" or userName ew "3@contoso.com"'))[
        "totalResults"
    ] == 2
    assert (await ids('filter=emails[type eq "work" and value co "user4"]'))["totalResults"] == 1
    assert (
        await ids('filter=emails.value co "CONTOSO" and not (userName eq "user0@contoso.com")')
    )["totalResults"] == 4
    assert (await ids("filter=title pr and active eq true"))["totalResults"] == 5
    assert (await ids(f'filter={ENTERPRISE}:employeeNumber eq "P2"'))["totalResults"] == 1
    page = await ids("startIndex=2&count=2")
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    names = [r["userName"] for r in page["Resources"]]
    assert names == ["user1@contoso.com", "user2@contoso.com"]
    only = await ids("count=1&attributes=userName")
    assert set(only["Resources"][0]) <= {"id", "userName", "schemas"}

    for bad in ("filter=userName eq", 'filter=userName gt "a"', 'filter=nickName eq "x"'):
        response = await scim(client, "GET", f"/Users?{bad}", headers)
        assert_scim_error(response, 400, "invalidFilter")


async def test_groups_are_static_cohorts(client, new_tenant):
    admin = await new_tenant()
    headers = await integration(client, admin)
    members = []
    for n in range(3):
        response = await scim(
            client,
            "POST",
            "/Users",
            headers,
            entra_user(f"g{n}@contoso.com", f"g-{n}", employeeNumber=f"G{n}"),
        )
        members.append(response.json()["id"])
    created = await scim(
        client,
        "POST",
        "/Groups",
        headers,
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "externalId": "grp-1",
            "displayName": "Sales Leaders",
            "members": [{"value": members[0]}],
        },
    )
    assert created.status_code == 201, created.text
    group = created.json()
    cohort = (await client.get(f"/v1/cohorts/{group['id']}", headers=auth(admin))).json()
    assert cohort["name"] == "Sales Leaders"
    assert cohort["kind"] == "static"

    found = await scim(
        client,
        "GET",
        '/Groups?filter=displayName eq "sales leaders"&excludedAttributes=members',
        headers,
    )
    assert found.json()["totalResults"] == 1
    assert "members" not in found.json()["Resources"][0]

    # Entra's member PATCH forms: add a list, remove by value filter, remove by value list.
    for operations in (
        [{"op": "Add", "path": "members", "value": [{"value": members[1]}, {"value": members[2]}]}],
        [{"op": "Remove", "path": f'members[value eq "{members[0]}"]'}],
        [{"op": "Remove", "path": "members", "value": [{"value": members[1]}]}],
        [{"op": "Replace", "path": "displayName", "value": "Sales Leads"}],
    ):
        response = await scim(
            client,
            "PATCH",
            f"/Groups/{group['id']}",
            headers,
            {"schemas": [PATCH], "Operations": operations},
        )
        assert response.status_code == 204, response.text
    now = (await scim(client, "GET", f"/Groups/{group['id']}", headers)).json()
    assert [m["value"] for m in now["members"]] == [members[2]]
    assert now["displayName"] == "Sales Leads"

    unknown = await scim(
        client,
        "PATCH",
        f"/Groups/{group['id']}",
        headers,
        {
            "schemas": [PATCH],
            "Operations": [
                {"op": "Add", "path": "members", "value": [{"value": str(uuid.uuid4())}]}
            ],
        },
    )
    assert_scim_error(unknown, 400, "invalidValue")
    deleted = await scim(client, "DELETE", f"/Groups/{group['id']}", headers)
    assert deleted.status_code == 204
    assert (await scim(client, "GET", f"/Groups/{group['id']}", headers)).status_code == 404
    log = await client.get(f"/v1/audit-log?target_id={group['id']}", headers=auth(admin))
    actions = [e["action"] for e in log.json()["data"]]
    assert actions[0] == "group.created" and actions[-1] == "group.deleted"
    assert log.json()["data"][1]["changes"]["members"]["added"] == sorted(members[1:])


async def test_discovery(client, new_tenant):
    admin = await new_tenant()
    headers = await integration(client, admin)
    config = await scim(client, "GET", "/ServiceProviderConfig", headers)
    assert config.status_code == 200, config.text
    assert config.json()["patch"]["supported"] is True
    assert config.json()["filter"] == {"supported": True, "maxResults": 200}
    types = (await scim(client, "GET", "/ResourceTypes", headers)).json()
    assert {t["id"] for t in types["Resources"]} == {"User", "Group"}
    schemas = (await scim(client, "GET", "/Schemas", headers)).json()
    assert {s["id"] for s in schemas["Resources"]} == {
        USER,
        ENTERPRISE,
        "urn:ietf:params:scim:schemas:core:2.0:Group",
    }
    one = await scim(client, "GET", f"/Schemas/{USER}", headers)
    assert one.status_code == 200
    assert any(a["name"] == "userName" for a in one.json()["attributes"])


async def test_bad_input_is_a_scim_error_and_changes_nothing(client, new_tenant):
    admin = await new_tenant()
    headers = await integration(client, admin)
    missing = await scim(client, "POST", "/Users", headers, {"schemas": [USER], "active": True})
    assert_scim_error(missing, 400, "invalidValue")
    bad_email = entra_user("x@contoso.com", "aad-x") | {
        "emails": [{"value": "not-an-email", "type": "work"}]
    }
    refused = await scim(client, "POST", "/Users", headers, bad_email)
    assert_scim_error(refused, 400, "invalidValue")
    assert (await scim(client, "GET", "/Users", headers)).json()["totalResults"] == 0
    created = await scim(client, "POST", "/Users", headers, entra_user("y@contoso.com", "aad-y"))
    user_id = created.json()["id"]
    bad_patch = await scim(
        client,
        "PATCH",
        f"/Users/{user_id}",
        headers,
        {"schemas": [PATCH], "Operations": [{"op": "explode", "path": "title"}]},
    )
    assert_scim_error(bad_patch, 400, "invalidValue")
    assert_scim_error(await scim(client, "GET", "/Users/not-a-uuid", headers), 404)
    assert_scim_error(await scim(client, "GET", f"/Users/{uuid.uuid4()}", headers), 404)


async def test_tenants_and_roles(client, new_tenant):
    admin = await new_tenant()
    other = await new_tenant("Other")
    headers = await integration(client, admin)
    created = await scim(client, "POST", "/Users", headers, entra_user("t@contoso.com", "aad-t"))
    user_id = created.json()["id"]
    group = await scim(
        client,
        "POST",
        "/Groups",
        headers,
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Mine"},
    )
    group_id = group.json()["id"]
    theirs = await integration(client, other)
    body = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": "x"}]}
    for method, path, payload in (
        ("GET", f"/Users/{user_id}", None),
        ("PUT", f"/Users/{user_id}", entra_user("t@contoso.com", "aad-t")),
        ("PATCH", f"/Users/{user_id}", body),
        ("DELETE", f"/Users/{user_id}", None),
        ("GET", f"/Groups/{group_id}", None),
        (
            "PATCH",
            f"/Groups/{group_id}",
            {
                "schemas": [PATCH],
                "Operations": [{"op": "replace", "path": "displayName", "value": "x"}],
            },
        ),
        ("DELETE", f"/Groups/{group_id}", None),
    ):
        response = await scim(client, method, path, theirs, payload)
        assert_scim_error(response, 404)
    assert (await scim(client, "GET", "/Users", theirs)).json()["totalResults"] == 0
    still = (await scim(client, "GET", f"/Users/{user_id}", headers)).json()
    assert still["active"] is True and still["title"] == "Engineer"

    assert_scim_error(await client.get("/scim/v2/Users"), 401)
    for role in ("employee", "manager"):
        response = await scim(client, "GET", "/Users", await key_for(client, admin, role))
        assert_scim_error(response, 403)
    assert (await scim(client, "GET", "/Users", auth(admin))).status_code == 200


async def test_a_body_that_is_not_utf8_json_is_a_scim_400_not_a_500(client, new_tenant):
    admin = await new_tenant()
    lms = await integration(client, admin)
    response = await client.post(
        "/scim/v2/Users", content=b"\x80\xff", headers=lms | {"Content-Type": SCIM}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == SCIM
    assert response.json()["scimType"] == "invalidSyntax"
