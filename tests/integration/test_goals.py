"""Goals and recognition over REST and GraphQL: the tree from organisation to person, progress
over time, who sees and changes what, and the alignment query against its definition."""

import uuid
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from app.domain.goals import Goal, GoalLevel, Measure, Parent, alignment
from app.domain.people import Employee, OrgUnit, Profile
from app.services.tenants import create_tenant
from tests.integration.helpers import assert_problem, auth, fields_of, published_catalogue
from tests.integration.test_people_rest import counted_statements
from tests.integration.test_plans import key_for

GOALS = "/v1/goals"
NEXT_YEAR = (date.today() + timedelta(days=365)).isoformat()


async def team(client, admin, reports=("a", "b")):
    """A published catalogue, an org unit, and a manager `m` with the reports; returns the
    capability ids, the unit's id, the people's ids and a credential for each."""
    ids = await published_catalogue(client, admin)
    unit = await client.post(
        "/v1/org-units", json={"key": "sales", "name": "Sales"}, headers=auth(admin)
    )
    assert unit.status_code == 201, unit.text
    rows = [{"external_id": "m", "name": "M"}] + [
        {"external_id": r, "name": r.upper(), "manager_external_id": "m"} for r in reports
    ]
    await client.post("/v1/employees:bulk", json={"rows": rows}, headers=auth(admin))
    listed = await client.get("/v1/employees", params={"limit": 500}, headers=auth(admin))
    people = {p["external_id"]: p["id"] for p in listed.json()["data"]}
    keys = {"m": await key_for(client, admin, "manager", people["m"])}
    for report in reports:
        keys[report] = await key_for(client, admin, "employee", people[report])
    return ids, unit.json()["id"], people, keys


async def make_goal(client, headers, **body):
    response = await client.post(GOALS, json={"title": "A goal", **body}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_goals_from_the_organisation_to_a_person(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    ids, unit, people, keys = await team(client, admin)
    lms = await key_for(client, admin, "integration")

    company = await make_goal(client, auth(admin), title="Win the region")
    assert (company["level"], company["employee_id"], company["org_unit_id"]) == (
        "organisation",
        None,
        None,
    )
    sales = await make_goal(
        client,
        auth(admin),
        title="Grow sales",
        org_unit_id=unit,
        parent_id=company["id"],
        kpi="Revenue",
        unit="EUR",
        baseline=1_000_000,
        target=1_500_000,
    )
    assert sales["level"] == "team"
    created = await client.post(
        GOALS,
        json={
            "employee_id": people["a"],
            "parent_id": sales["id"],
            "title": " Close more deals ",
            "description": "Focus on renewals.",
            "kpi": "Deals closed",
            "unit": "deals",
            "baseline": 0,
            "target": 10,
            "due_date": NEXT_YEAR,
            "capability_ids": [ids["negotiation"]],
        },
        headers=keys["a"],
    )
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    mine = created.json()
    assert created.headers["location"] == f"{GOALS}/{mine['id']}"
    assert (mine["title"], mine["level"], mine["status"], mine["progress"]) == (
        "Close more deals",
        "person",
        "draft",
        None,
    )
    url = f"{GOALS}/{mine['id']}"

    # Organisation and team goals are for hr_admin to set, and everyone's to see.
    for who in (keys["m"], keys["a"], lms):
        refused = await client.post(GOALS, json={"title": "Mine", "org_unit_id": unit}, headers=who)
        assert_problem(refused, 403, "forbidden")
    seen = await client.get(GOALS, headers=keys["b"])
    assert [g["id"] for g in seen.json()["data"]] == [company["id"], sales["id"]]

    # A personal goal is seen by whoever may see its employee: not a peer, not another tenant.
    for who in (keys["a"], keys["m"], auth(admin), lms):
        assert (await client.get(url, headers=who)).status_code == 200
    for who in (keys["b"], auth(other)):
        assert_problem(await client.get(url, headers=who), 404, "not_found")
        assert_problem(await client.get(f"{url}/progress", headers=who), 404, "not_found")
        assert_problem(await client.get(f"{url}/alignment", headers=who), 404, "not_found")
        patched = await client.patch(url, json={"title": "x"}, headers=who)
        assert_problem(patched, 404, "not_found")
    assert_problem(
        await client.get(f"{GOALS}/{uuid.uuid4()}", headers=auth(admin)), 404, "not_found"
    )
    refused = await client.post(
        GOALS, json={"title": "Yours", "employee_id": people["b"]}, headers=keys["a"]
    )
    assert_problem(refused, 404, "not_found")
    elsewhere = await client.post(
        GOALS, json={"title": "Theirs", "employee_id": people["a"]}, headers=auth(other)
    )
    assert_problem(elsewhere, 404, "not_found")
    listed = await client.get(GOALS, params={"level": "person"}, headers=auth(other))
    assert listed.json()["data"] == []

    # Changes: the employee, their manager, hr_admin; an integration may only read.
    renamed = await client.patch(
        url,
        json={"title": "Close twelve deals", "target": 12},
        headers=keys["m"] | {"If-Match": '"1"'},
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["target"], renamed.headers["etag"]) == (12, '"2"')
    stale = await client.patch(url, json={"title": "Late"}, headers=keys["a"] | {"If-Match": '"1"'})
    assert_problem(stale, 412, "precondition_failed")
    assert_problem(await client.patch(url, json={"title": "x"}, headers=lms), 403, "forbidden")
    same = await client.patch(url, json={"title": "Close twelve deals"}, headers=keys["a"])
    assert same.json()["version"] == 2
    hr = await client.patch(
        f"{GOALS}/{sales['id']}", json={"description": "By a third."}, headers=keys["m"]
    )
    assert_problem(hr, 403, "forbidden")

    # Progress over time: the employee, and a KPI feed; a draft starts when progress comes.
    first = await client.post(f"{url}/progress", json={"value": 3, "note": "Q1"}, headers=keys["a"])
    assert first.status_code == 201, first.text
    recorded = first.json()
    assert (recorded["goal"]["current_value"], recorded["goal"]["status"]) == (3, "active")
    assert recorded["goal"]["progress"] == 0.25
    assert first.headers["etag"] == '"3"'
    assert recorded["progress"]["recorded_by"].startswith("api_key:")
    fed = await client.post(f"{url}/progress", json={"value": 6}, headers=lms)
    assert fed.json()["goal"]["progress"] == 0.5
    refused = await client.post(f"{url}/progress", json={"value": 7}, headers=keys["b"])
    assert_problem(refused, 404, "not_found")
    history = await client.get(f"{url}/progress", params={"limit": 1}, headers=keys["m"])
    assert [p["value"] for p in history.json()["data"]] == [3]
    rest = await client.get(
        f"{url}/progress", params={"cursor": history.json()["next_cursor"]}, headers=keys["m"]
    )
    assert [p["value"] for p in rest.json()["data"]] == [6]
    assert rest.json()["has_more"] is False

    # Closing a goal ends its progress and its changes.
    achieved = await client.patch(url, json={"status": "achieved"}, headers=keys["a"])
    assert achieved.json()["status"] == "achieved", achieved.text
    late = await client.post(f"{url}/progress", json={"value": 12}, headers=keys["a"])
    assert_problem(late, 409, "invalid_transition")
    reopened = await client.patch(url, json={"status": "active"}, headers=keys["a"])
    assert_problem(reopened, 409, "invalid_transition")

    # Alignment: a's goal serves the team's, which serves the organisation's.
    chain = await client.get(f"{url}/alignment", headers=keys["a"])
    assert [g["id"] for g in chain.json()["ancestors"]] == [sales["id"], company["id"]]
    assert chain.json()["hidden"] == 0

    # Filters.
    by_parent = await client.get(GOALS, params={"parent_id": sales["id"]}, headers=auth(admin))
    assert [g["id"] for g in by_parent.json()["data"]] == [mine["id"]]
    by_unit = await client.get(GOALS, params={"org_unit_id": unit}, headers=keys["b"])
    assert [g["id"] for g in by_unit.json()["data"]] == [sales["id"]]
    by_status = await client.get(GOALS, params={"status": "achieved"}, headers=keys["m"])
    assert [g["id"] for g in by_status.json()["data"]] == [mine["id"]]
    organisation = await client.get(GOALS, params={"level": "organisation"}, headers=keys["a"])
    assert [g["id"] for g in organisation.json()["data"]] == [company["id"]]
    by_person = await client.get(GOALS, params={"employee_id": people["a"]}, headers=keys["b"])
    assert by_person.json()["data"] == []


async def test_goal_rules_and_references_are_checked(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    ids, unit, people, keys = await team(client, admin)
    theirs = await published_catalogue(client, other)
    company = await make_goal(client, auth(admin), title="Win")
    b_goal = await make_goal(client, keys["b"], employee_id=people["b"])

    async def refused(body, headers=auth(admin)):
        response = await client.post(GOALS, json={"title": "T", **body}, headers=headers)
        return fields_of(assert_problem(response, 422, "invalid_input"))

    assert await refused({"title": " "}) == {"body.title"}
    assert await refused({"org_unit_id": str(uuid.uuid4())}) == {"body.org_unit_id"}
    assert await refused({"parent_id": str(uuid.uuid4())}) == {"body.parent_id"}
    assert await refused({"capability_ids": [ids["crm"], theirs["crm"]]}) == {
        "body.capability_ids.1"
    }
    assert await refused({"capability_ids": [ids["crm"], ids["crm"]]}) == {"body.capability_ids.1"}
    assert await refused({"baseline": 1}) == {"body.target"}
    assert await refused({"baseline": 1, "target": 2}) == {"body.kpi"}
    assert await refused({"due_date": "2020-01-01"}) == {"body.due_date"}
    assert await refused({"status": "achieved"}) == {"body.status"}
    assert await refused({"employee_id": people["a"], "org_unit_id": unit}) == {"body.org_unit_id"}
    # A team goal does not serve a person's; a's goal cannot serve a goal a cannot see.
    assert await refused({"org_unit_id": unit, "parent_id": b_goal["id"]}) == {"body.parent_id"}
    assert await refused({"employee_id": people["a"], "parent_id": b_goal["id"]}, keys["a"]) == {
        "body.parent_id"
    }
    theirs_goal = await make_goal(client, auth(other), title="Theirs")
    assert await refused({"parent_id": theirs_goal["id"]}) == {"body.parent_id"}
    schema = await client.post(GOALS, json={"title": "T", "colour": "red"}, headers=auth(admin))
    assert "body.colour" in fields_of(assert_problem(schema, 422, "invalid_input"))
    for bad in ("NaN", "Infinity"):
        sent = await client.post(
            GOALS,
            content=f'{{"title": "T", "kpi": "k", "baseline": 0, "target": {bad}}}',
            headers=auth(admin) | {"content-type": "application/json"},
        )
        assert sent.status_code == 422, sent.text

    # Re-aligning: never under itself or below; a goal below cannot become its parent.
    top = await make_goal(client, keys["m"], employee_id=people["m"], parent_id=company["id"])
    middle = await make_goal(client, keys["m"], employee_id=people["a"], parent_id=top["id"])
    low = await make_goal(client, keys["m"], employee_id=people["a"], parent_id=middle["id"])
    loop = await client.patch(
        f"{GOALS}/{top['id']}", json={"parent_id": low["id"]}, headers=keys["m"]
    )
    assert fields_of(assert_problem(loop, 422, "invalid_input")) == {"body.parent_id"}
    upwards = await client.patch(
        f"{GOALS}/{company['id']}", json={"parent_id": top["id"]}, headers=auth(admin)
    )
    assert fields_of(assert_problem(upwards, 422, "invalid_input")) == {"body.parent_id"}
    unknown = await client.patch(
        f"{GOALS}/{low['id']}", json={"capability_ids": [str(uuid.uuid4())]}, headers=keys["a"]
    )
    assert fields_of(assert_problem(unknown, 422, "invalid_input")) == {"body.capability_ids.0"}
    detached = await client.patch(
        f"{GOALS}/{low['id']}", json={"parent_id": None}, headers=keys["a"]
    )
    assert detached.json()["parent_id"] is None

    # a sees the chain above their goal but not m's personal goal in it.
    chain = await client.get(f"{GOALS}/{middle['id']}/alignment", headers=keys["a"])
    assert ([g["id"] for g in chain.json()["ancestors"]], chain.json()["hidden"]) == (
        [company["id"]],
        1,
    )
    full = await client.get(f"{GOALS}/{middle['id']}/alignment", headers=keys["m"])
    assert [g["id"] for g in full.json()["ancestors"]] == [top["id"], company["id"]]
    progress = await client.post(
        f"{GOALS}/{middle['id']}/progress", json={"value": "many"}, headers=keys["a"]
    )
    assert "body.value" in fields_of(assert_problem(progress, 422, "invalid_input"))
    # A goal with no KPI has nothing to measure; a goal always has a status.
    unmeasured = await client.post(
        f"{GOALS}/{middle['id']}/progress", json={"value": 1}, headers=keys["a"]
    )
    assert fields_of(assert_problem(unmeasured, 422, "invalid_input")) == {"body.value"}
    cleared = await client.patch(
        f"{GOALS}/{middle['id']}", json={"status": None}, headers=keys["a"]
    )
    assert fields_of(assert_problem(cleared, 422, "invalid_input")) == {"body.status"}

    # A unit with a team goal in it is not deleted from under the goal.
    await make_goal(client, auth(admin), org_unit_id=unit)
    unit_row = await client.get(f"/v1/org-units/{unit}", headers=auth(admin))
    deleted = await client.delete(f"/v1/org-units/{unit}", headers=auth(admin))
    assert "team goals" in assert_problem(deleted, 409, "conflict")["detail"]
    assert (await client.get(f"/v1/org-units/{unit}", headers=auth(admin))).json() == (
        unit_row.json()
    )


async def test_recognition_by_managers_and_peers(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    ids, _, people, keys = await team(client, admin, reports=("a", "b", "c"))
    b_goal = await make_goal(client, keys["b"], employee_id=people["b"])
    a_goal = await make_goal(client, keys["a"], employee_id=people["a"])

    async def recognise(headers, **body):
        return await client.post("/v1/recognitions", json=body, headers=headers)

    thanks = await recognise(
        keys["a"],
        employee_id=people["b"],
        message=" Great demo! ",
        capability_id=ids["negotiation"],
        goal_id=b_goal["id"],
    )
    assert thanks.status_code == 201, thanks.text
    assert (thanks.json()["message"], thanks.json()["given_by"]) == ("Great demo!", people["a"])
    one = thanks.headers["Location"]
    assert one == f"/v1/recognitions/{thanks.json()['id']}"
    for who in (keys["a"], keys["b"], keys["m"], auth(admin)):
        assert (await client.get(one, headers=who)).json() == thanks.json()
    for stranger in (keys["c"], auth(other)):
        assert_problem(await client.get(one, headers=stranger), 404, "not_found")
    praise = await recognise(keys["m"], employee_id=people["b"], message="Well done")
    assert praise.status_code == 201, praise.text

    # Seen by the recipient, their manager, hr_admin and the giver; newest first.
    for who in (keys["b"], keys["m"], auth(admin)):
        listed = await client.get(
            "/v1/recognitions", params={"employee_id": people["b"]}, headers=who
        )
        assert [r["id"] for r in listed.json()["data"]] == [
            praise.json()["id"],
            thanks.json()["id"],
        ]
    given = await client.get("/v1/recognitions", headers=keys["a"])
    assert [r["id"] for r in given.json()["data"]] == [thanks.json()["id"]]
    assert (await client.get("/v1/recognitions", headers=keys["c"])).json()["data"] == []
    assert (await client.get("/v1/recognitions", headers=auth(other))).json()["data"] == []
    first = await client.get("/v1/recognitions", params={"limit": 1}, headers=keys["b"])
    more = await client.get(
        "/v1/recognitions", params={"cursor": first.json()["next_cursor"]}, headers=keys["b"]
    )
    assert [r["id"] for r in more.json()["data"]] == [thanks.json()["id"]]

    # Refused: a credential of nobody, oneself, other people's goals, unknown things.
    nobody = await recognise(auth(admin), employee_id=people["b"], message="Hi")
    assert_problem(nobody, 403, "forbidden")
    myself = await recognise(keys["a"], employee_id=people["a"], message="Me")
    assert fields_of(assert_problem(myself, 422, "invalid_input")) == {"body.employee_id"}
    wrong = await recognise(
        keys["c"],
        employee_id=people["b"],
        message="  ",
        goal_id=a_goal["id"],
        capability_id=str(uuid.uuid4()),
    )
    assert fields_of(assert_problem(wrong, 422, "invalid_input")) == {
        "body.message",
        "body.goal_id",
        "body.capability_id",
    }
    stranger = await recognise(keys["a"], employee_id=str(uuid.uuid4()), message="Hi")
    assert_problem(stranger, 404, "not_found")
    theirs = (await client.get("/v1/employees", headers=auth(other))).json()["data"]
    assert theirs == []
    long = await recognise(keys["a"], employee_id=people["b"], message="x" * 2001)
    assert fields_of(assert_problem(long, 422, "invalid_input")) == {"body.message"}


async def test_goals_through_graphql(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    ids, unit, people, keys = await team(client, admin)

    async def graphql(query, variables=None, headers=None):
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    create = """mutation($input: GoalInput!) {
        createGoal(input: $input) { id level status version } }"""
    company = await graphql(create, {"input": {"title": "Win"}}, auth(admin))
    company_id = company["data"]["createGoal"]["id"]
    made = await graphql(
        create,
        {
            "input": {
                "title": "Close deals",
                "employeeId": people["a"],
                "parentId": company_id,
                "kpi": "Deals",
                "baseline": 0,
                "target": 4,
                "capabilityIds": [ids["negotiation"], ids["crm"]],
            }
        },
        keys["a"],
    )
    goal = made["data"]["createGoal"]
    assert (goal["level"], goal["status"]) == ("PERSON", "DRAFT")
    refused = await graphql(create, {"input": {"title": " "}}, auth(admin))
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert refused["errors"][0]["extensions"]["field_errors"][0]["field"] == "title"
    forbidden = await graphql(create, {"input": {"title": "T", "orgUnitId": unit}}, keys["m"])
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    crowded = {"title": "T", "capabilityIds": [str(uuid.uuid4()) for _ in range(51)]}
    too_many = await graphql(create, {"input": crowded}, auth(admin))
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert too_many["errors"][0]["extensions"]["field_errors"][0]["field"] == "capability_ids"

    record = """mutation($id: UUID!, $value: Float!) {
        recordGoalProgress(id: $id, value: $value, note: "step") {
            goal { currentValue progress status version } update { value note } } }"""
    for value in (1, 3):
        recorded = await graphql(record, {"id": goal["id"], "value": value}, keys["m"])
    assert recorded["data"]["recordGoalProgress"]["goal"] == {
        "currentValue": 3.0,
        "progress": 0.75,
        "status": "ACTIVE",
        "version": 3,
    }
    update = """mutation($id: UUID!, $changes: GoalChangesInput!, $version: Int) {
        updateGoal(id: $id, changes: $changes, expectedVersion: $version) {
            title dueDate capabilityIds version } }"""
    changed = await graphql(
        update,
        {
            "id": goal["id"],
            "changes": {"title": "Close four deals", "capabilityIds": None},
            "version": 3,
        },
        keys["a"],
    )
    assert changed["data"]["updateGoal"] == {
        "title": "Close four deals",
        "dueDate": None,
        "capabilityIds": [],
        "version": 4,
    }
    stale = await graphql(
        update, {"id": goal["id"], "changes": {"title": "x"}, "version": 1}, keys["a"]
    )
    assert stale["errors"][0]["extensions"]["code"] == "PRECONDITION_FAILED"
    hidden = await graphql(update, {"id": goal["id"], "changes": {"title": "x"}}, keys["b"])
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    recognise = """mutation($employeeId: UUID!, $goalId: UUID) {
        recognise(employeeId: $employeeId, message: "Thanks", goalId: $goalId) {
            id givenBy { id } employee { id } goal { id } } }"""
    given = await graphql(recognise, {"employeeId": people["a"], "goalId": goal["id"]}, keys["b"])
    # b may not see a, nor a's goal: the nested fields say so with null.
    assert given["data"]["recognise"]["employee"] is None
    assert given["data"]["recognise"]["givenBy"] == {"id": people["b"]}
    assert given["data"]["recognise"]["goal"] is None
    myself = await graphql(recognise, {"employeeId": people["b"]}, keys["b"])
    assert myself["errors"][0]["extensions"]["code"] == "INVALID_INPUT"

    # Nested lookups are batched: more goals, the same number of statements.
    nested = """query($employeeId: UUID) { goals(employeeId: $employeeId, first: 50) {
        nodes { id level title progress capabilities { key }
            parent { id title } employee { id } progressUpdates { value note } } } }"""

    async def more(count):
        for n in range(count):
            extra = await graphql(
                create,
                {
                    "input": {
                        "title": f"More {n}",
                        "employeeId": people["a"],
                        "parentId": goal["id"],
                        "capabilityIds": [ids["crm"]],
                    }
                },
                keys["m"],
            )
            await graphql(record, {"id": extra["data"]["createGoal"]["id"], "value": n}, keys["m"])

    await more(1)
    with counted_statements() as few:
        listed = await graphql(nested, {"employeeId": people["a"]}, keys["m"])
    first, _ = listed["data"]["goals"]["nodes"]
    assert first["parent"] == {"id": company_id, "title": "Win"}
    assert [u["value"] for u in first["progressUpdates"]] == [1.0, 3.0]
    assert first["capabilities"] == []
    await more(3)
    with counted_statements() as many:
        listed = await graphql(nested, {"employeeId": people["a"]}, keys["m"])
    assert len(listed["data"]["goals"]["nodes"]) == 5
    assert {n["capabilities"][0]["key"] for n in listed["data"]["goals"]["nodes"][1:]} == {"crm"}
    assert {n["parent"]["id"] for n in listed["data"]["goals"]["nodes"][1:]} == {goal["id"]}
    assert len(many) == len(few)

    alignment_query = """query($id: UUID!) { goalAlignment(id: $id) {
        goal { id } ancestors { id level } hidden } }"""
    deepest = listed["data"]["goals"]["nodes"][-1]["id"]
    chain = await graphql(alignment_query, {"id": deepest}, keys["a"])
    assert chain["data"]["goalAlignment"]["ancestors"] == [
        {"id": goal["id"], "level": "PERSON"},
        {"id": company_id, "level": "ORGANISATION"},
    ]
    one = await graphql(
        "query($id: UUID!) { goal(id: $id) { id } }", {"id": goal["id"]}, auth(other)
    )
    assert one["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    kudos = await graphql(
        "query($e: UUID) { recognitions(employeeId: $e) { nodes { message goal { id } } } }",
        {"e": people["a"]},
        keys["m"],
    )
    assert kudos["data"]["recognitions"]["nodes"] == [
        {"message": "Thanks", "goal": {"id": goal["id"]}}
    ]


@st.composite
def goal_forests(draw):
    """Goals at random levels, each aligned (or not) under an earlier goal at its level or
    above, as the rules allow."""
    levels = draw(st.lists(st.sampled_from(list(GoalLevel)), min_size=1, max_size=12))
    rank = {GoalLevel.ORGANISATION: 0, GoalLevel.TEAM: 1, GoalLevel.PERSON: 2}
    parents = []
    for index, level in enumerate(levels):
        allowed = [i for i in range(index) if rank[levels[i]] <= rank[level]]
        parents.append(draw(st.none() | st.sampled_from(allowed)) if allowed else None)
    return levels, parents


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(goal_forests())
async def test_the_alignment_query_follows_the_domain(engine, forest):
    levels, parents = forest
    now = datetime.now(UTC)
    uow = SqlUnitOfWorkFactory(engine)
    created = await create_tenant(uow(), name="Alignment check")
    tenant_id = created.tenant.id
    async with uow() as unit_of_work:
        unit = OrgUnit.create(tenant_id, key="u", name="U", parent_id=None, now=now)
        await unit_of_work.org_units.add(unit)
        person = await _an_employee(unit_of_work, tenant_id, now)
        made: list[Goal] = []
        for level, parent_index in zip(levels, parents, strict=True):
            parent = None
            if parent_index is not None:
                above = made[parent_index]
                parent = Parent(
                    above.id, above.level, tuple(alignment({g.id: g for g in made}, above.id))
                )
            goal = Goal.create(
                tenant_id,
                employee_id=person if level is GoalLevel.PERSON else None,
                org_unit_id=unit.id if level is GoalLevel.TEAM else None,
                parent=parent,
                title=f"G{len(made)}",
                measure=Measure(),
                now=now,
            )
            await unit_of_work.goals.add(goal)
            made.append(goal)
        await unit_of_work.commit()
    by_id = {goal.id: goal for goal in made}
    async with uow() as unit_of_work:
        for goal in made:
            chain = await unit_of_work.goals.ancestors(tenant_id, goal.id)
            assert [g.id for g in chain] == alignment(by_id, goal.id)
            assert [g.level for g in chain] == [by_id[g.id].level for g in chain]


async def _an_employee(unit_of_work, tenant_id, now) -> uuid.UUID:
    employee = Employee.create(
        tenant_id,
        profile=Profile(external_id="p", name="P"),
        manager_id=None,
        current_role_id=None,
        aspired_role_ids=(),
        now=now,
    )
    await unit_of_work.employees.add(employee)
    return employee.id
