"""CASE 1.0 framework exchange over REST: a CFPackage imports into a framework, exports again,
and imports back without changes; re-imports update; errors, tenancy and roles."""

import copy

from tests.integration.helpers import assert_problem, auth, fields_of, published_catalogue
from tests.integration.test_people_rest import key_for

DOC = "c6f0a8de-5d1b-4c3e-9a53-0d3a3f1b2c01"
PARENT, CHILD_A, CHILD_B, LEAF = (
    "9b1d7c2e-0a4f-4e55-8f0e-000000000001",
    "9b1d7c2e-0a4f-4e55-8f0e-000000000002",
    "9b1d7c2e-0a4f-4e55-8f0e-000000000003",
    "9b1d7c2e-0a4f-4e55-8f0e-000000000004",
)
BASE = "https://case.example.org/uri/"
LEVELS = [
    ("Emerging", "Follows a checklist\nAsks for help"),
    ("Proficient", "Works alone"),
    ("Advanced", "Coaches others"),
]


def link(identifier, title=""):
    return {"title": title, "identifier": identifier, "uri": BASE + identifier}


def item(identifier, statement, **fields):
    return {
        "identifier": identifier,
        "uri": BASE + identifier,
        "fullStatement": statement,
        "lastChangeDateTime": "2024-05-01T10:00:00+00:00",
        "CFDocumentURI": link(DOC, "Digital skills"),
        **fields,
    }


def child_of(number, child, parent, sequence):
    return {
        "identifier": f"a0000000-0000-4000-8000-00000000000{number}",
        "uri": f"{BASE}assoc/{number}",
        "associationType": "isChildOf",
        "originNodeURI": link(child),
        "destinationNodeURI": link(parent),
        "sequenceNumber": sequence,
    }


def criterion(number, item_identifier, levels=LEVELS, **fields):
    identifier = f"b0000000-0000-4000-8000-00000000000{number}"
    return {
        "identifier": identifier,
        "uri": f"{BASE}criteria/{number}",
        "CFItemURI": link(item_identifier),
        "CFRubricCriterionLevels": [
            {
                "identifier": f"{identifier[:-2]}{number}{position}",
                "uri": f"{BASE}levels/{number}/{position}",
                "quality": quality,
                "description": description,
                "score": position,
                "position": position,
            }
            for position, (quality, description) in enumerate(levels, start=1)
        ],
        **fields,
    }


def package():
    """A small framework as CASE publishers send it: a domain with two competencies, one with
    a sub-competency, a rubric measuring the leaves, and fields Tandem does not model."""
    return {
        "CFDocument": {
            "identifier": DOC,
            "uri": BASE + DOC,
            "creator": "Example Skills Council",
            "title": "Digital skills",
            "description": "What a digital team needs",
            "lastChangeDateTime": "2024-05-01T10:00:00+00:00",
            "adoptionStatus": "Adopted",
            "language": "en",
            "version": "2.1",
        },
        "CFItems": [
            item(
                LEAF,
                "Writes automated tests for every change",
                humanCodingScheme="DS.1.2",
                CFItemType="Skill",
                educationLevel=["12"],
            ),
            item(PARENT, "Software delivery", CFItemType="Domain", humanCodingScheme="DS"),
            item(
                CHILD_A,
                "Delivers software in small, safe steps every day of the week",
                abbreviatedStatement="Continuous delivery",
                humanCodingScheme="DS.1",
                CFItemType="Competency",
                notes="Core to every role",
            ),
            item(
                CHILD_B,
                "Understands how the product earns money",
                CFItemType="Knowledge",
                humanCodingScheme="DS.2",
            ),
        ],
        "CFAssociations": [
            child_of(1, PARENT, DOC, 1),
            child_of(2, CHILD_B, PARENT, 2),
            child_of(3, CHILD_A, PARENT, 1),
            child_of(4, LEAF, CHILD_A, 1),
            {
                "identifier": "a0000000-0000-4000-8000-000000000009",
                "uri": f"{BASE}assoc/9",
                "associationType": "isRelatedTo",
                "originNodeURI": link(CHILD_B),
                "destinationNodeURI": link("ffffffff-0000-4000-8000-00000000000f", "Elsewhere"),
            },
        ],
        "CFDefinitions": {"CFItemTypes": [{"identifier": "t1", "title": "Competency"}]},
        "CFRubrics": [
            {
                "identifier": "d0000000-0000-4000-8000-000000000001",
                "uri": f"{BASE}rubrics/1",
                "title": "Delivery levels",
                "description": "How far along someone is",
                "CFRubricCriteria": [
                    criterion(1, LEAF, weight=2, category="Practice", position=1),
                    criterion(2, CHILD_B, position=2),
                ],
            }
        ],
    }


async def import_case(client, headers, body, **params):
    return await client.post(
        "/v1/frameworks:import-case", json=body, params=params, headers=headers
    )


async def export_case(client, headers, framework_id, number=1):
    response = await client.get(
        f"/v1/frameworks/{framework_id}/versions/{number}/case", headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_package_round_trips_without_changes(client, new_tenant):
    admin = await new_tenant()
    headers = auth(admin)
    first = await import_case(client, headers, package())
    assert first.status_code == 201, first.text
    imported = first.json()
    assert imported["created"] and imported["changed"]
    assert imported["new_scales"] == ["delivery-levels"]
    assert any("isRelatedTo" in note for note in imported["notes"])
    framework_id = imported["framework"]["id"]
    assert imported["framework"]["key"] == "digital-skills"

    version = await client.get(f"/v1/frameworks/{framework_id}/versions/1", headers=headers)
    content = version.json()["content"]
    assert [(g["key"], g["name"], g["parent_key"]) for g in content["groups"]] == [
        ("DS", "Software delivery", None),
        ("DS.1", "Continuous delivery", "DS"),
    ]
    capabilities = {c["key"]: c for c in content["capabilities"]}
    assert list(capabilities) == ["DS.1.2", "DS.2"]
    assert capabilities["DS.1.2"]["group_key"] == "DS.1"
    assert capabilities["DS.1.2"]["type"] == "skill"
    assert capabilities["DS.2"]["type"] == "knowledge"
    assert capabilities["DS.1.2"]["scale_key"] == "delivery-levels"
    assert capabilities["DS.1.2"]["indicators"] == {
        "1": ["Follows a checklist", "Asks for help"],
        "2": ["Works alone"],
        "3": ["Coaches others"],
    }
    scales = (await client.get("/v1/scales", headers=headers)).json()["data"]
    assert [[level["label"] for level in s["levels"]] for s in scales] == [
        ["Emerging", "Proficient", "Advanced"]
    ]

    exported = await export_case(client, headers, framework_id)
    original = package()
    assert exported["CFDocument"]["identifier"] == DOC
    assert exported["CFDocument"]["adoptionStatus"] == "Adopted"
    assert exported["CFDocument"]["creator"] == "Example Skills Council"
    assert {i["identifier"]: i["uri"] for i in exported["CFItems"]} == {
        i["identifier"]: i["uri"] for i in original["CFItems"]
    }
    by_id = {i["identifier"]: i for i in exported["CFItems"]}
    assert by_id[LEAF]["educationLevel"] == ["12"]
    assert by_id[LEAF]["humanCodingScheme"] == "DS.1.2"
    assert by_id[CHILD_A]["notes"] == "Core to every role"
    assert by_id[PARENT]["CFItemType"] == "Domain"
    assert by_id[CHILD_A]["fullStatement"] == original["CFItems"][2]["fullStatement"]
    assert by_id[CHILD_A]["abbreviatedStatement"] == "Continuous delivery"
    related = [a for a in exported["CFAssociations"] if a["associationType"] == "isRelatedTo"]
    assert related == [original["CFAssociations"][4]]
    parents = {
        a["originNodeURI"]["identifier"]: a["destinationNodeURI"]["identifier"]
        for a in exported["CFAssociations"]
        if a["associationType"] == "isChildOf"
    }
    assert parents == {PARENT: DOC, CHILD_A: PARENT, CHILD_B: PARENT, LEAF: CHILD_A}
    assert exported["CFDefinitions"] == original["CFDefinitions"]
    [rubric] = exported["CFRubrics"]
    assert rubric["identifier"] == original["CFRubrics"][0]["identifier"]
    assert rubric["description"] == "How far along someone is"
    criteria = {c["CFItemURI"]["identifier"]: c for c in rubric["CFRubricCriteria"]}
    assert criteria[LEAF]["weight"] == 2
    assert (
        criteria[LEAF]["identifier"]
        == original["CFRubrics"][0]["CFRubricCriteria"][0]["identifier"]
    )
    assert [level["quality"] for level in criteria[LEAF]["CFRubricCriterionLevels"]] == [
        "Emerging",
        "Proficient",
        "Advanced",
    ]

    again = await import_case(client, headers, exported)
    assert again.status_code == 200, again.text
    assert again.json()["changed"] is False
    assert again.json()["version"] == 1
    assert again.json()["new_scales"] == []
    assert [v["number"] for v in again.json()["framework"]["versions"]] == [1]
    assert await export_case(client, headers, framework_id) == exported
    listed = await client.get("/v1/frameworks", headers=headers)
    assert len(listed.json()["data"]) == 1

    audit = await client.get("/v1/audit-log", params={"channel": "case"}, headers=headers)
    assert [e["action"] for e in audit.json()["data"]] == [
        "framework.created",
        "framework.unchanged",
    ]


async def capability_ids(client, headers, framework_id):
    listed = await client.get(
        "/v1/capabilities", params={"framework_id": framework_id}, headers=headers
    )
    return {c["key"]: c["id"] for c in listed.json()["data"]}


async def test_a_reimport_updates_the_framework_it_made(client, new_tenant):
    admin = await new_tenant()
    headers = auth(admin)
    framework_id = (await import_case(client, headers, package())).json()["framework"]["id"]
    published = await client.post(
        f"/v1/frameworks/{framework_id}/versions/1:publish", headers=headers
    )
    assert published.status_code == 200, published.text
    before = await capability_ids(client, headers, framework_id)

    changed = package()
    changed["CFDocument"]["title"] = "Digital skills 2025"
    changed["CFItems"][3]["fullStatement"] = "Understands how the product makes money"
    # The item's code changes too: its identifier, not its code, names the capability.
    changed["CFItems"][3]["humanCodingScheme"] = "DS.9"
    new_item = "9b1d7c2e-0a4f-4e55-8f0e-000000000005"
    changed["CFItems"].append(item(new_item, "Reviews code kindly", humanCodingScheme="DS.3"))
    changed["CFAssociations"].append(child_of(5, new_item, PARENT, 3))
    changed["CFRubrics"][0]["CFRubricCriteria"].append(criterion(3, new_item))
    response = await import_case(client, headers, changed)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["changed"] and not result["created"]
    assert result["version"] == 2
    assert result["changes"]["added_capabilities"] == ["DS.3"]
    assert result["changes"]["changed_capabilities"] == [{"key": "DS.2", "fields": ["name"]}]
    assert result["framework"]["name"] == "Digital skills 2025"
    assert [(v["number"], v["status"]) for v in result["framework"]["versions"]] == [
        (1, "published"),
        (2, "draft"),
    ]
    # Importing again while the draft is open edits that draft, and one without the new item
    # drops it from the draft only.
    response = await import_case(client, headers, package())
    assert response.json()["version"] == 2
    assert response.json()["changes"]["removed_capabilities"] == ["DS.3"]
    publish = await client.post(
        f"/v1/frameworks/{framework_id}/versions/2:publish", headers=headers
    )
    assert publish.status_code == 200, publish.text
    assert await capability_ids(client, headers, framework_id) == before
    assert len((await client.get("/v1/frameworks", headers=headers)).json()["data"]) == 1
    assert len((await client.get("/v1/scales", headers=headers)).json()["data"]) == 1


async def test_a_tandem_framework_exports_and_imports_back_into_itself(client, new_tenant):
    admin = await new_tenant()
    headers = auth(admin)
    ids = await published_catalogue(client, admin)
    exported = await export_case(client, headers, ids["framework"])
    assert exported["CFDocument"]["identifier"] == ids["framework"]
    [rubric] = exported["CFRubrics"]
    assert rubric["title"] == "Core scale"
    levels = {
        c["CFItemURI"]["title"]: [
            (level["quality"], level.get("description")) for level in c["CFRubricCriterionLevels"]
        ]
        for c in rubric["CFRubricCriteria"]
    }
    assert levels["Negotiates win-win agreements"] == [
        ("Needs development", "Prepares with help"),
        ("Meets expectations", None),
        ("Exceeds expectations", "Coaches others"),
    ]
    by_code = {i["humanCodingScheme"]: i for i in exported["CFItems"]}
    assert by_code["crm"]["CFItemType"] == "Tool"
    assert by_code["selling"]["CFItemType"] == "Group"

    back = await import_case(client, headers, exported)
    assert back.status_code == 200, back.text
    assert back.json()["framework"]["id"] == ids["framework"]
    assert back.json()["changed"] is False
    assert back.json()["new_scales"] == []
    # The record an import keeps does not change what the export says.
    assert await export_case(client, headers, ids["framework"]) == exported

    # Into another tenant the same package makes a framework of its own, on a scale of its own.
    other = await new_tenant("Globex")
    copied = await import_case(client, auth(other), exported)
    assert copied.status_code == 201, copied.text
    assert copied.json()["framework"]["id"] != ids["framework"]
    assert copied.json()["new_scales"] == ["core-scale"]


async def test_a_package_that_cannot_be_imported_says_where_and_writes_nothing(client, new_tenant):
    admin = await new_tenant()
    headers = auth(admin)
    missing = package()
    del missing["CFItems"][0]["fullStatement"]
    problem = assert_problem(await import_case(client, headers, missing), 422, "invalid_input")
    assert "body.CFItems.0.fullStatement" in fields_of(problem)

    broken = package()
    broken["CFRubrics"][0]["CFRubricCriteria"][0]["CFItemURI"] = link("not-in-this-package")
    broken["CFRubrics"][0]["CFRubricCriteria"][1]["CFRubricCriterionLevels"][0]["quality"] = ""
    broken["CFItems"].append(item("extra", "Not measured by any rubric"))
    broken["CFItems"].append(item(LEAF, "The same identifier again"))
    problem = assert_problem(await import_case(client, headers, broken), 422, "invalid_input")
    assert fields_of(problem) == {
        "body.CFItems.5.identifier",  # the same identifier twice
        "body.CFItems.0",  # its criterion points elsewhere, so no rubric measures it
        "body.CFItems.4",  # no rubric measures it
        "body.CFRubrics.0.CFRubricCriteria.0.CFItemURI",
        "body.CFRubrics.0.CFRubricCriteria.1.CFRubricCriterionLevels.0.quality",
    }

    group_measured = package()
    group_measured["CFRubrics"][0]["CFRubricCriteria"].append(criterion(3, CHILD_A))
    problem = assert_problem(
        await import_case(client, headers, group_measured), 422, "invalid_input"
    )
    assert fields_of(problem) == {"body.CFRubrics.0.CFRubricCriteria.2.CFItemURI"}

    long = package()
    long["CFDocument"]["title"] = "x" * 201
    problem = assert_problem(await import_case(client, headers, long), 422, "invalid_input")
    assert fields_of(problem) == {"body.CFDocument.title"}

    assert (await client.get("/v1/frameworks", headers=headers)).json()["data"] == []
    assert (await client.get("/v1/scales", headers=headers)).json()["data"] == []

    # An unmeasured item imports with the scale named for such items.
    await published_catalogue(client, admin)
    unmeasured = package()
    unmeasured["CFRubrics"] = []
    response = await import_case(
        client, headers, unmeasured, default_scale_key="core", default_type="behaviour"
    )
    assert response.status_code == 201, response.text
    version = await client.get(
        f"/v1/frameworks/{response.json()['framework']['id']}/versions/1", headers=headers
    )
    assert {(c["scale_key"], c["type"]) for c in version.json()["content"]["capabilities"]} == {
        ("core", "skill"),
        ("core", "knowledge"),
    }
    taken = copy.deepcopy(unmeasured)
    taken["CFDocument"]["identifier"] = "another-document"
    response = await import_case(client, headers, taken, default_scale_key="core")
    assert_problem(response, 409, "conflict")


async def test_imports_need_hr_admin_or_integration_and_stay_in_their_tenant(client, new_tenant):
    admin = await new_tenant()
    headers = auth(admin)
    for role in ("employee", "manager"):
        refused = await import_case(client, await key_for(client, admin, role), package())
        assert_problem(refused, 403, "forbidden")
    integration = await key_for(client, admin, "integration")
    made = await import_case(client, integration, package())
    assert made.status_code == 201, made.text
    framework_id = made.json()["framework"]["id"]
    employee = await key_for(client, admin, "employee")
    assert (await export_case(client, employee, framework_id))["CFDocument"]["identifier"] == DOC

    other = await new_tenant("Globex")
    response = await client.get(
        f"/v1/frameworks/{framework_id}/versions/1/case", headers=auth(other)
    )
    assert_problem(response, 404, "not_found")
    assert_problem(
        await client.get(f"/v1/frameworks/{framework_id}/versions/9/case", headers=headers),
        404,
        "not_found",
    )
    theirs = await import_case(client, auth(other), package())
    assert theirs.status_code == 201
    assert theirs.json()["framework"]["id"] != framework_id
    assert_problem(await import_case(client, {}, package()), 401, "unauthenticated")


async def test_what_a_package_says_beyond_tandems_model_comes_back(client, new_tenant):
    admin = await new_tenant()
    headers = auth(admin)
    sent = package()
    second = copy.deepcopy(sent["CFRubrics"][0])
    second |= {"identifier": "d0000000-0000-4000-8000-000000000002", "title": "Other rubric"}
    second["CFRubricCriteria"] = [sent["CFRubrics"][0]["CFRubricCriteria"].pop()]
    sent["CFRubrics"].append(second)
    sent["CFRubrics"].append({"identifier": "empty", "uri": BASE + "empty", "title": "Unused"})
    # A field of the item's own that happens to share a name with Tandem's bookkeeping.
    sent["CFItems"][3]["CFRubricCriterion"] = "the item's own value"
    response = await import_case(client, headers, sent)
    assert response.status_code == 201, response.text
    assert any("no criteria" in note for note in response.json()["notes"])
    exported = await export_case(client, headers, response.json()["framework"]["id"])

    # Both rubrics keep their identity, though their levels make one scale.
    assert [r["identifier"] for r in exported["CFRubrics"]] == [
        "d0000000-0000-4000-8000-000000000001",
        "d0000000-0000-4000-8000-000000000002",
    ]
    assert len((await client.get("/v1/scales", headers=headers)).json()["data"]) == 1
    levels = exported["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"]
    assert [level["identifier"] for level in levels] == [
        level["identifier"]
        for level in sent["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"]
    ]
    # The associations that placed the items keep their identities; the types stay.
    tree = {a["identifier"] for a in exported["CFAssociations"]}
    assert {a["identifier"] for a in sent["CFAssociations"]} <= tree
    by_id = {i["identifier"]: i for i in exported["CFItems"]}
    assert by_id[CHILD_B]["CFRubricCriterion"] == "the item's own value"
    assert by_id[CHILD_A]["CFItemType"] == "Competency"


async def test_awkward_identifiers_and_levels_get_422_or_import(client, new_tenant):
    admin = await new_tenant()
    headers = auth(admin)
    clash = package()
    clash["CFItems"][0]["identifier"] = DOC
    problem = assert_problem(await import_case(client, headers, clash), 422, "invalid_input")
    assert "body.CFItems.0.identifier" in fields_of(problem)

    nul = package()
    nul["CFItems"][1]["identifier"] = "bad\u0000id"
    problem = assert_problem(await import_case(client, headers, nul), 422, "invalid_input")
    assert fields_of(problem) == {"body.CFItems.1.identifier"}

    unmeasured = package()
    unmeasured["CFRubrics"] = []
    problem = assert_problem(
        await import_case(client, headers, unmeasured, default_scale_key="nope"),
        422,
        "invalid_input",
    )
    assert fields_of(problem) == {"query.default_scale_key"}

    odd = package()
    odd["CFDocument"]["title"] = "!!!"
    criteria = odd["CFRubrics"][0]["CFRubricCriteria"]
    for entry in criteria:
        for level, quality in zip(
            entry["CFRubricCriterionLevels"], ["Level 2", "Ω", "x" * 5], strict=True
        ):
            level["quality"] = quality
    response = await import_case(client, headers, odd)
    assert response.status_code == 201, response.text
    assert response.json()["framework"]["key"] == DOC
    [scale] = (await client.get("/v1/scales", headers=headers)).json()["data"]
    assert [level["code"] for level in scale["levels"]] == ["level-2", "level-11", "xxxxx"]
