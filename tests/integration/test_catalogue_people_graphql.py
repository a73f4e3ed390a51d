"""Issue 3's model through GraphQL: the same services as REST, so the same rules."""

import uuid

from tests.integration.helpers import THREE_LEVELS, auth
from tests.integration.test_people_rest import counted_statements, queries


async def gql(client, headers, query, **variables):
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def codes(result):
    return [error["extensions"]["code"] for error in result.get("errors", [])]


async def catalogue(client, admin):
    headers = auth(admin)
    levels = [{"code": level["code"], "label": level["label"]} for level in THREE_LEVELS]
    scale = await gql(
        client,
        headers,
        'mutation($levels: [LevelInput!]!) { createScale(key: "core", input: {name: "Core", levels: $levels}) { id levels { value code } } }',
        levels=levels,
    )
    assert [level["value"] for level in scale["data"]["createScale"]["levels"]] == [1, 2, 3]
    content = {
        "groups": [{"key": "g", "name": "Group"}],
        "capabilities": [
            {
                "key": "listen",
                "name": "Listens actively",
                "type": "BEHAVIOUR",
                "scaleKey": "core",
                "groupKey": "g",
                "indicators": [{"level": 2, "texts": ["Summarises what was said"]}],
            },
            {"key": "sql", "name": "Writes correct SQL", "type": "SKILL", "scaleKey": "core"},
        ],
    }
    framework = await gql(
        client,
        headers,
        'mutation($content: ContentInput) { createFramework(key: "core", name: "Core", content: $content) { id versions { number status } } }',
        content=content,
    )
    framework_id = framework["data"]["createFramework"]["id"]
    published = await gql(
        client,
        headers,
        "mutation($id: UUID!) { publishVersion(frameworkId: $id, number: 1) { status } }",
        id=framework_id,
    )
    assert published["data"]["publishVersion"]["status"] == "PUBLISHED"
    listed = await gql(
        client,
        headers,
        "{ capabilities(first: 10) { nodes { id key indicators { level texts } } } }",
    )
    return framework_id, {c["key"]: c["id"] for c in listed["data"]["capabilities"]["nodes"]}


async def test_catalogue_and_roles_through_graphql(client, new_tenant):
    admin = await new_tenant()
    headers = auth(admin)
    framework_id, capabilities = await catalogue(client, admin)
    role = await gql(
        client,
        headers,
        """mutation($req: [RequirementInput!]!) {
          createRole(key: "analyst", input: {name: "Analyst", requirements: $req}) {
            id requirements { requiredLevel capability { key name } } } }""",
        req=[{"capabilityId": capabilities["sql"], "requiredLevel": 3, "weight": 2}],
    )
    assert role["data"]["createRole"]["requirements"] == [
        {"requiredLevel": 3, "capability": {"key": "sql", "name": "Writes correct SQL"}}
    ]
    bad = await gql(
        client,
        headers,
        'mutation($req: [RequirementInput!]!) { createRole(key: "x", input: {name: "X", requirements: $req}) { id } }',
        req=[{"capabilityId": capabilities["sql"], "requiredLevel": 9}],
    )
    assert codes(bad) == ["INVALID_INPUT"]
    assert (
        bad["errors"][0]["extensions"]["field_errors"][0]["field"]
        == "requirements.0.required_level"
    )
    frozen = await gql(
        client,
        headers,
        "mutation($id: UUID!) { replaceDraft(frameworkId: $id, number: 1, content: {}) { number } }",
        id=framework_id,
    )
    assert codes(frozen) == ["INVALID_TRANSITION"]
    draft = await gql(
        client,
        headers,
        "mutation($id: UUID!) { startDraft(frameworkId: $id) { number revision capabilities { key } } }",
        id=framework_id,
    )
    assert draft["data"]["startDraft"]["number"] == 2
    stale = await gql(
        client,
        headers,
        "mutation($id: UUID!) { replaceDraft(frameworkId: $id, number: 2, content: {}, expectedRevision: 99) { number } }",
        id=framework_id,
    )
    assert codes(stale) == ["PRECONDITION_FAILED"]
    detail = await gql(
        client,
        headers,
        "query($id: UUID!) { framework(id: $id) { versions { number status } versionContent(number: 1) { groups { key } capabilities { key } } } }",
        id=framework_id,
    )
    assert [v["status"] for v in detail["data"]["framework"]["versions"]] == ["PUBLISHED", "DRAFT"]
    assert len(detail["data"]["framework"]["versionContent"]["capabilities"]) == 2


async def test_people_through_graphql_with_batched_lookups(client, new_tenant):
    admin = await new_tenant()
    headers = auth(admin)
    _, capabilities = await catalogue(client, admin)
    await gql(
        client,
        headers,
        'mutation($req: [RequirementInput!]!) { createRole(key: "ic", input: {name: "IC", requirements: $req}) { id } }',
        req=[{"capabilityId": capabilities["listen"], "requiredLevel": 2}],
    )
    unit = await gql(client, headers, 'mutation { createOrgUnit(key: "hq", name: "HQ") { id } }')
    unit_id = unit["data"]["createOrgUnit"]["id"]
    rows = [{"externalId": "boss", "name": "Boss", "orgUnitKey": "hq"}] + [
        {
            "externalId": f"p{n}",
            "name": f"Person {n}",
            "orgUnitKey": "hq",
            "managerExternalId": "boss",
        }
        for n in range(40)
    ]
    upserted = await gql(
        client,
        headers,
        'mutation($rows: [EmployeeRowInput!]!) { upsertEmployees(rows: $rows, idempotencyKey: "k1") { created failed } }',
        rows=rows,
    )
    assert upserted["data"]["upsertEmployees"] == {"created": 41, "failed": 0}
    mapped = await gql(
        client,
        headers,
        "mutation($rows: [RoleAssignmentInput!]!) { assignRoles(rows: $rows) { applied failed rows { status } } }",
        rows=[{"employeeExternalId": r["externalId"], "roleKey": "ic"} for r in rows]
        + [{"employeeExternalId": "ghost", "roleKey": "ic"}],
    )
    assert (mapped["data"]["assignRoles"]["applied"], mapped["data"]["assignRoles"]["failed"]) == (
        41,
        1,
    )
    nested = """query($first: Int) { employees(first: $first) { nodes {
        externalId manager { externalId } orgUnit { key } currentRole { key requirements { capability { key } } } } } }"""
    with counted_statements() as few:
        await gql(client, headers, nested, first=5)
    with counted_statements() as many:
        large = await gql(client, headers, nested, first=41)
    assert len(large["data"]["employees"]["nodes"]) == 41
    assert all(n["currentRole"]["key"] == "ic" for n in large["data"]["employees"]["nodes"])
    assert {
        n["manager"]["externalId"] for n in large["data"]["employees"]["nodes"] if n["manager"]
    } == {"boss"}
    assert len(queries(many)) == len(queries(few))
    assert len(many) == len(few)
    cohort = await gql(
        client,
        headers,
        'mutation($unit: UUID!) { createCohort(key: "hq", name: "HQ", rule: {orgUnitIds: [$unit]}) { id kind } }',
        unit=unit_id,
    )
    cohort_id = cohort["data"]["createCohort"]["id"]
    members = await gql(
        client,
        headers,
        "query($id: UUID!) { cohort(id: $id) { members(first: 100) { nodes { externalId } } } }",
        id=cohort_id,
    )
    assert len(members["data"]["cohort"]["members"]["nodes"]) == 41
    boss_id = (
        await gql(
            client, headers, '{ employees(filter: {externalId: "boss"}) { nodes { id version } } }'
        )
    )["data"]["employees"]["nodes"][0]
    cycle = await gql(
        client,
        headers,
        "mutation($id: UUID!, $m: UUID) { updateEmployee(id: $id, changes: {managerId: $m}) { id } }",
        id=boss_id["id"],
        m=(
            await gql(client, headers, '{ employees(filter: {externalId: "p1"}) { nodes { id } } }')
        )["data"]["employees"]["nodes"][0]["id"],
    )
    assert codes(cycle) == ["INVALID_INPUT"]
    renamed = await gql(
        client,
        headers,
        'mutation($id: UUID!, $v: Int) { updateEmployee(id: $id, changes: {jobTitle: "CEO", email: null}, expectedVersion: $v) { jobTitle version } }',
        id=boss_id["id"],
        v=boss_id["version"],
    )
    assert renamed["data"]["updateEmployee"]["jobTitle"] == "CEO"


async def test_graphql_hides_other_tenants_and_invisible_people(client, new_tenant):
    owner, other = await new_tenant("Owner"), await new_tenant("Other")
    headers = auth(owner)
    unit = await gql(client, headers, 'mutation { createOrgUnit(key: "hq", name: "HQ") { id } }')
    unit_id = unit["data"]["createOrgUnit"]["id"]
    for query in (
        "query($id: UUID!) { orgUnit(id: $id) { id } }",
        "query($id: UUID!) { employee(id: $id) { id } }",
        "query($id: UUID!) { cohort(id: $id) { id } }",
        "query($id: UUID!) { role(id: $id) { id } }",
        "query($id: UUID!) { framework(id: $id) { id } }",
    ):
        assert codes(
            await gql(
                client, auth(other), query, id=unit_id if "orgUnit" in query else str(uuid.uuid4())
            )
        ) == ["NOT_FOUND"]
    moved = await gql(
        client,
        auth(other),
        'mutation($id: UUID!) { updateOrgUnit(id: $id, name: "Mine") { id } }',
        id=unit_id,
    )
    assert codes(moved) == ["NOT_FOUND"]
    boss = await gql(
        client, headers, 'mutation { createEmployee(input: {externalId: "b", name: "B"}) { id } }'
    )
    boss_id = boss["data"]["createEmployee"]["id"]
    report = await gql(
        client,
        headers,
        'mutation($m: UUID!) { createEmployee(input: {externalId: "r", name: "R", managerId: $m}) { id } }',
        m=boss_id,
    )
    report_id = report["data"]["createEmployee"]["id"]
    key = await client.post(
        "/v1/api-keys",
        json={"name": "r", "roles": ["employee"], "employee_id": report_id},
        headers=headers,
    )
    as_report = {"X-API-Key": key.json()["key"]}
    own = await gql(
        client,
        as_report,
        "query($id: UUID!) { employee(id: $id) { externalId manager { id } } }",
        id=report_id,
    )
    assert own["data"]["employee"] == {"externalId": "r", "manager": None}
    assert codes(
        await gql(client, as_report, "query($id: UUID!) { employee(id: $id) { id } }", id=boss_id)
    ) == ["NOT_FOUND"]
    assert codes(await gql(client, as_report, "{ cohorts { nodes { id } } }")) == ["FORBIDDEN"]


async def test_deletes_through_graphql(client, new_tenant):
    admin = await new_tenant()
    headers = auth(admin)
    unit = await gql(client, headers, 'mutation { createOrgUnit(key: "u", name: "U") { id } }')
    unit_id = unit["data"]["createOrgUnit"]["id"]
    stale = await gql(
        client,
        headers,
        "mutation($id: UUID!) { deleteOrgUnit(id: $id, expectedVersion: 5) }",
        id=unit_id,
    )
    assert codes(stale) == ["PRECONDITION_FAILED"]
    deleted = await gql(
        client, headers, "mutation($id: UUID!) { deleteOrgUnit(id: $id) }", id=unit_id
    )
    assert deleted["data"]["deleteOrgUnit"] == unit_id
    again = await gql(
        client, headers, "mutation($id: UUID!) { deleteOrgUnit(id: $id) }", id=unit_id
    )
    assert codes(again) == ["NOT_FOUND"]


async def test_the_remaining_mutations_work_like_their_rest_twins(client, new_tenant):
    admin = await new_tenant()
    headers = auth(admin)
    framework_id, _ = await catalogue(client, admin)
    scale_id = (await gql(client, headers, "{ scales { nodes { id version } } }"))["data"][
        "scales"
    ]["nodes"][0]
    levels = [{"code": level["code"], "label": level["label"]} for level in THREE_LEVELS]
    updated = await gql(
        client,
        headers,
        'mutation($id: UUID!, $levels: [LevelInput!]!, $v: Int) { updateScale(id: $id, input: {name: "Renamed", levels: $levels}, expectedVersion: $v) { name version } }',
        id=scale_id["id"],
        levels=levels,
        v=scale_id["version"],
    )
    assert updated["data"]["updateScale"] == {"name": "Renamed", "version": 2}
    in_use = await gql(
        client, headers, "mutation($id: UUID!) { deleteScale(id: $id) }", id=scale_id["id"]
    )
    assert codes(in_use) == ["CONFLICT"]
    renamed = await gql(
        client,
        headers,
        'mutation($id: UUID!) { renameFramework(id: $id, description: "About us") { name description } }',
        id=framework_id,
    )
    assert renamed["data"]["renameFramework"] == {"name": "Core", "description": "About us"}
    retired = await gql(
        client,
        headers,
        "mutation($id: UUID!) { retireVersion(frameworkId: $id, number: 1) { status } }",
        id=framework_id,
    )
    assert retired["data"]["retireVersion"]["status"] == "RETIRED"
    role = await gql(
        client, headers, 'mutation { createRole(key: "r", input: {name: "R"}) { id } }'
    )
    role_id = role["data"]["createRole"]["id"]
    changed = await gql(
        client,
        headers,
        'mutation($id: UUID!) { updateRole(id: $id, input: {name: "R2"}, expectedVersion: 1) { name version } }',
        id=role_id,
    )
    assert changed["data"]["updateRole"] == {"name": "R2", "version": 2}
    assert (await gql(client, headers, "mutation($id: UUID!) { deleteRole(id: $id) }", id=role_id))[
        "data"
    ]["deleteRole"] == role_id
    person = await gql(
        client, headers, 'mutation { createEmployee(input: {externalId: "x", name: "X"}) { id } }'
    )
    person_id = person["data"]["createEmployee"]["id"]
    cohort = await gql(
        client, headers, 'mutation { createCohort(key: "c", name: "C") { id kind } }'
    )
    cohort_id = cohort["data"]["createCohort"]["id"]
    assert cohort["data"]["createCohort"]["kind"] == "STATIC"
    members = await gql(
        client,
        headers,
        "mutation($id: UUID!, $p: UUID!) { changeCohortMembers(id: $id, add: [$p]) { members { nodes { id } } } }",
        id=cohort_id,
        p=person_id,
    )
    assert members["data"]["changeCohortMembers"]["members"]["nodes"] == [{"id": person_id}]
    kind_change = await gql(
        client,
        headers,
        'mutation($id: UUID!) { updateCohort(id: $id, name: "C", rule: {jobLevels: ["L1"]}) { id } }',
        id=cohort_id,
    )
    assert kind_change["errors"][0]["extensions"]["field_errors"][0]["field"] == "rule"
    renamed_cohort = await gql(
        client,
        headers,
        'mutation($id: UUID!) { updateCohort(id: $id, name: "Pilot") { name } }',
        id=cohort_id,
    )
    assert renamed_cohort["data"]["updateCohort"]["name"] == "Pilot"
    assert (
        await gql(client, headers, "mutation($id: UUID!) { deleteCohort(id: $id) }", id=cohort_id)
    )["data"]["deleteCohort"] == cohort_id


async def test_diff_and_csv_through_graphql(client, new_tenant):
    admin = await new_tenant()
    headers = auth(admin)
    framework_id, _ = await catalogue(client, admin)
    await gql(
        client,
        headers,
        "mutation($id: UUID!) { startDraft(frameworkId: $id) { number } }",
        id=framework_id,
    )
    diff = await gql(
        client,
        headers,
        "query($id: UUID!) { frameworkDiff(frameworkId: $id, old: 1, new: 2) { addedCapabilities changedCapabilities { key } } }",
        id=framework_id,
    )
    assert diff["data"]["frameworkDiff"] == {"addedCapabilities": [], "changedCapabilities": []}
    exported = await gql(
        client,
        headers,
        "query($id: UUID!) { framework(id: $id) { versionContent(number: 1) { csv } } }",
        id=framework_id,
    )
    csv = exported["data"]["framework"]["versionContent"]["csv"]
    imported = await gql(
        client,
        headers,
        'mutation($csv: String!) { importFrameworkCsv(key: "copy", name: "Copy", csv: $csv) { id } }',
        csv=csv,
    )
    copy_id = imported["data"]["importFrameworkCsv"]["id"]
    copy = await gql(
        client,
        headers,
        "query($id: UUID!) { framework(id: $id) { versionContent(number: 1) { csv } } }",
        id=copy_id,
    )
    assert copy["data"]["framework"]["versionContent"]["csv"] == csv
    repeated = await gql(
        client,
        headers,
        'mutation { createFramework(key: "r", name: "R", content: {capabilities: [{key: "x", name: "X", type: SKILL, scaleKey: "core", indicators: [{level: 1, texts: ["a"]}, {level: 1, texts: ["b"]}]}]}) { id } }',
    )
    assert (
        repeated["errors"][0]["extensions"]["field_errors"][0]["field"]
        == "capabilities.0.indicators"
    )
