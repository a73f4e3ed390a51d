"""Workflows through GraphQL: the REST scenario again, on the same services: define, read,
dry-run, pause and resume; errors with their codes and field paths; who may do what."""

import uuid
from datetime import datetime, timedelta

from tests.integration.helpers import auth
from tests.integration.test_assessments_graphql import codes, gql
from tests.integration.test_plans import key_for
from tests.integration.test_workflows_api import broken, cohort_org, monthly

FIELDS = "id key name status definition activeSince version createdAt updatedAt"
DEFINE = f"""mutation($input: DefineWorkflowInput!) {{
  defineWorkflow(input: $input) {{ {FIELDS} }}
}}"""
REDEFINE = f"""mutation($id: UUID!, $input: RedefineWorkflowInput!, $version: Int) {{
  redefineWorkflow(id: $id, input: $input, expectedVersion: $version) {{ {FIELDS} }}
}}"""
PAUSE = """mutation($id: UUID!, $version: Int) {
  pauseWorkflow(id: $id, expectedVersion: $version) { status version }
}"""
RESUME = """mutation($id: UUID!, $version: Int) {
  resumeWorkflow(id: $id, expectedVersion: $version) { status version }
}"""
WORKFLOW = f"query($id: UUID!) {{ workflow(id: $id) {{ {FIELDS} }} }}"
WORKFLOWS = """query($first: Int, $after: String) {
  workflows(first: $first, after: $after) {
    nodes { key } pageInfo { hasNextPage endCursor }
  }
}"""
DRY_RUN = """query($id: UUID!, $at: DateTime, $first: Int, $after: String) {
  workflowDryRun(id: $id, at: $at, first: $first, after: $after) {
    at due { trigger period } upcoming wouldOpen
    people { nodes { employeeId employee { externalId } } pageInfo { hasNextPage endCursor } }
  }
}"""
RUNS = """query($id: UUID!) {
  workflowRuns(workflowId: $id) { nodes { id trigger period opened } pageInfo { hasNextPage } }
}"""
NOTIFICATIONS = """query($status: DeliveryStatus) {
  notifications(first: 10, status: $status) { nodes { id recipient status } }
}"""


def field_errors(result) -> list[str]:
    return [e["field"] for e in result["errors"][0]["extensions"].get("field_errors", [])]


async def test_the_workflow_scenario_through_graphql(client, new_tenant):
    admin = await new_tenant()
    people, cohort_id = await cohort_org(client, admin)
    headers = auth(admin)
    created = await gql(
        client,
        headers,
        DEFINE,
        input={"key": "monthly", "name": "Monthly check-in", "definition": monthly(cohort_id)},
    )
    workflow = created["data"]["defineWorkflow"]
    assert (workflow["key"], workflow["status"], workflow["version"]) == ("monthly", "ACTIVE", 1)
    rest = await client.get(f"/v1/workflows/{workflow['id']}", headers=headers)
    assert workflow["definition"] == rest.json()["definition"]
    assert workflow["definition"]["steps"][2] == {
        "id": "finalised",
        "type": "wait",
        "for": "assess",
    }

    read = await gql(client, headers, WORKFLOW, id=workflow["id"])
    assert read["data"]["workflow"] == workflow
    await gql(
        client,
        headers,
        DEFINE,
        input={"key": "second", "name": "2", "definition": monthly(cohort_id)},
    )
    page = (await gql(client, headers, WORKFLOWS, first=1))["data"]["workflows"]
    assert [n["key"] for n in page["nodes"]] == ["monthly"]
    assert page["pageInfo"]["hasNextPage"] is True
    after = await gql(client, headers, WORKFLOWS, first=1, after=page["pageInfo"]["endCursor"])
    assert [n["key"] for n in after["data"]["workflows"]["nodes"]] == ["second"]

    dry = (await gql(client, headers, DRY_RUN, id=workflow["id"]))["data"]["workflowDryRun"]
    assert (dry["due"], dry["wouldOpen"]) == ([], 2)
    assert {p["employee"]["externalId"] for p in dry["people"]["nodes"]} == {"a", "b"}
    assert sorted(p["employeeId"] for p in dry["people"]["nodes"]) == sorted(
        [people["a"], people["b"]]
    )
    first = datetime.fromisoformat(dry["upcoming"][0])
    when = (first + timedelta(minutes=1)).isoformat()
    later = await gql(client, headers, DRY_RUN, id=workflow["id"], at=when, first=1)
    later = later["data"]["workflowDryRun"]
    assert [(d["trigger"], datetime.fromisoformat(d["period"])) for d in later["due"]] == [
        ("schedule:0", first)
    ]
    assert len(later["people"]["nodes"]) == 1 and later["people"]["pageInfo"]["hasNextPage"]
    naive = await gql(client, headers, DRY_RUN, id=workflow["id"], at="2027-01-01T09:00:00")
    assert (codes(naive), field_errors(naive)) == (["INVALID_INPUT"], ["at"])
    runs = (await gql(client, headers, RUNS, id=workflow["id"]))["data"]["workflowRuns"]
    assert runs == {"nodes": [], "pageInfo": {"hasNextPage": False}}
    notices = await gql(client, headers, NOTIFICATIONS, status="PENDING")
    assert notices["data"]["notifications"]["nodes"] == []

    paused = await gql(client, headers, PAUSE, id=workflow["id"], version=1)
    assert paused["data"]["pauseWorkflow"] == {"status": "PAUSED", "version": 2}
    again = await gql(client, headers, PAUSE, id=workflow["id"])
    assert codes(again) == ["INVALID_TRANSITION"]
    stale = await gql(client, headers, RESUME, id=workflow["id"], version=1)
    assert codes(stale) == ["PRECONDITION_FAILED"]
    resumed = await gql(client, headers, RESUME, id=workflow["id"], version=2)
    assert resumed["data"]["resumeWorkflow"] == {"status": "ACTIVE", "version": 3}

    changed = await gql(
        client,
        headers,
        REDEFINE,
        id=workflow["id"],
        input={"name": "Renamed", "definition": monthly(cohort_id)},
        version=3,
    )
    assert (
        changed["data"]["redefineWorkflow"]["name"],
        changed["data"]["redefineWorkflow"]["version"],
    ) == ("Renamed", 4)


async def test_graphql_reports_invalid_definitions_with_the_domains_paths(client, new_tenant):
    admin = await new_tenant()
    _, cohort_id = await cohort_org(client, admin)
    headers = auth(admin)
    cases = {
        "definition.steps.2.for": broken(cohort_id, ("steps", 2, "for"), "nowhere"),
        "definition.steps.5": broken(cohort_id, ("steps", 5), {"id": "again", "type": "restart"}),
        "definition.triggers.0.cron": broken(cohort_id, ("triggers", 0, "cron"), "* * *"),
        "definition.triggers.0.timezone": broken(
            cohort_id, ("triggers", 0, "timezone"), "Nowhere/Land"
        ),
        "definition.target.ids.0": monthly(str(uuid.uuid4())),
        # No schema in front of the domain here: it names unknown fields itself.
        "definition.steps.2.until": broken(cohort_id, ("steps", 2, "until"), "never"),
    }
    for field, definition in cases.items():
        result = await gql(
            client, headers, DEFINE, input={"key": "k", "name": "N", "definition": definition}
        )
        assert result["data"] is None
        assert (codes(result), field_errors(result)) == (["INVALID_INPUT"], [field]), field

    created = await gql(
        client, headers, DEFINE, input={"key": "k", "name": "N", "definition": monthly(cohort_id)}
    )
    duplicate = await gql(
        client, headers, DEFINE, input={"key": "k", "name": "N", "definition": monthly(cohort_id)}
    )
    assert codes(duplicate) == ["CONFLICT"]
    workflow_id = created["data"]["defineWorkflow"]["id"]
    bad = broken(cohort_id, ("steps", 1, "about"), "plan")
    refused = await gql(
        client, headers, REDEFINE, id=workflow_id, input={"name": "N", "definition": bad}
    )
    assert (codes(refused), field_errors(refused)) == (
        ["INVALID_INPUT"],
        ["definition.steps.1.about"],
    )


async def test_graphql_workflows_are_for_hr_admins_of_the_tenant(client, new_tenant):
    admin, other = await new_tenant(), await new_tenant("Other")
    people, cohort_id = await cohort_org(client, admin)
    created = await gql(
        client,
        auth(admin),
        DEFINE,
        input={"key": "monthly", "name": "Monthly", "definition": monthly(cohort_id)},
    )
    workflow_id = created["data"]["defineWorkflow"]["id"]
    content = {"name": "N", "definition": monthly(cohort_id)}
    own = [
        (WORKFLOW, {"id": workflow_id}),
        (REDEFINE, {"id": workflow_id, "input": content}),
        (PAUSE, {"id": workflow_id}),
        (RESUME, {"id": workflow_id}),
        (DRY_RUN, {"id": workflow_id}),
        (RUNS, {"id": workflow_id}),
    ]
    every = [
        (DEFINE, {"input": {"key": "other", **content}}),
        (WORKFLOWS, {}),
        (NOTIFICATIONS, {}),
        *own,
    ]
    as_manager = await key_for(client, admin, "manager", people["m"])
    as_employee = await key_for(client, admin, "employee", people["a"])
    for query, variables in every:
        for headers in (as_manager, as_employee):
            assert codes(await gql(client, headers, query, **variables)) == ["FORBIDDEN"]
        anonymous = await client.post("/graphql", json={"query": query, "variables": variables})
        assert anonymous.status_code == 401
    for query, variables in own:
        assert codes(await gql(client, auth(other), query, **variables)) == ["NOT_FOUND"]
    unchanged = await gql(client, auth(admin), WORKFLOW, id=workflow_id)
    assert (unchanged["data"]["workflow"]["version"], unchanged["data"]["workflow"]["status"]) == (
        1,
        "ACTIVE",
    )
