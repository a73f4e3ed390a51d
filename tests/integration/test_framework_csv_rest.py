"""Framework import and export as CSV over REST."""

import csv
import io

from tests.integration.helpers import (
    THREE_LEVELS,
    assert_problem,
    auth,
    fields_of,
    published_catalogue,
)

COLUMNS = [
    "group_key",
    "group_name",
    "group_description",
    "group_parent_key",
    "capability_key",
    "capability_name",
    "capability_type",
    "capability_description",
    "scale_key",
    "level",
    "indicator",
]
CSV = {"Content-Type": "text/csv"}


def csv_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


async def import_csv(client, admin, text: str | bytes, **params):
    return await client.post(
        "/v1/frameworks:import",
        params={"key": "imported", "name": "Imported"} | params,
        content=text.encode() if isinstance(text, str) else text,
        headers=auth(admin) | CSV,
    )


async def framework_keys(client, admin) -> list[str]:
    listed = await client.get("/v1/frameworks", headers=auth(admin))
    return [f["key"] for f in listed.json()["data"]]


async def test_an_export_imports_back_to_the_same_content(client, new_tenant):
    admin = await new_tenant()
    await published_catalogue(client, admin)
    awkward = {
        "key": "awkward",
        "name": 'Ops, "the hard parts"',
        "content": {
            "groups": [
                {"key": "root", "name": "Root, top", "description": "Line one\nline two"},
                {"key": "leaf", "name": "Blätter 🌿", "parent_key": "root"},
                {"key": "empty", "name": "Not used yet"},
            ],
            "capabilities": [
                {
                    "key": "on-call",
                    "name": 'Handles "pages" calmly',
                    "type": "behaviour",
                    "scale_key": "core",
                    "group_key": "leaf",
                    "description": "Nights, weekends; holidays",
                    "indicators": {
                        "1": ["Acknowledges, then escalates", "Asks\nfor help"],
                        "3": ["Écrit le post-mortem"],
                    },
                },
                {
                    "key": "runbooks",
                    "name": "Writes runbooks",
                    "type": "process",
                    "scale_key": "core",
                },
            ],
        },
    }
    created = await client.post("/v1/frameworks", json=awkward, headers=auth(admin))
    assert created.status_code == 201, created.text
    original = f"/v1/frameworks/{created.json()['id']}/versions/1"

    exported = await client.get(f"{original}/export", headers=auth(admin))
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"] == 'attachment; filename="awkward-v1.csv"'
    assert exported.headers["etag"] == '"1"'
    rows = list(csv.DictReader(io.StringIO(exported.text, newline="")))
    # A row per indicator, one for the capability without any, one per group without capabilities.
    assert [(r["group_key"], r["capability_key"], r["level"]) for r in rows] == [
        ("root", "", ""),
        ("leaf", "on-call", "1"),
        ("leaf", "on-call", "1"),
        ("leaf", "on-call", "3"),
        ("", "runbooks", ""),
        ("empty", "", ""),
    ]

    imported = await import_csv(client, admin, exported.text, key="awkward-copy")
    assert imported.status_code == 201, imported.text
    copy = imported.json()
    assert (copy["key"], copy["name"], copy["versions"][0]["status"]) == (
        "awkward-copy",
        "Imported",
        "draft",
    )
    assert imported.headers["location"] == f"/v1/frameworks/{copy['id']}"
    before = (await client.get(original, headers=auth(admin))).json()["content"]
    after = await client.get(f"/v1/frameworks/{copy['id']}/versions/1", headers=auth(admin))
    assert after.json()["content"] == before


async def test_a_large_library_imports_from_csv_in_one_call(client, new_tenant):
    admin = await new_tenant()
    await published_catalogue(client, admin)
    rows = []
    for n in range(600):
        capability = {
            "group_key": f"group-{n % 12}",
            "group_name": f"Group {n % 12}",
            "capability_key": f"cap-{n}",
            "capability_name": f"Capability {n}, stated as an outcome",
            "capability_type": "knowledge",
            "scale_key": "core",
        }
        levels = [level for level in (1, 2, 3) if (n + level) % 9]
        rows += [capability | {"level": str(lv), "indicator": f"Shows {n}.{lv}"} for lv in levels]
    assert len(rows) >= 1600
    response = await import_csv(client, admin, csv_text(rows), key="library")
    assert response.status_code == 201, response.text
    version = await client.get(
        f"/v1/frameworks/{response.json()['id']}/versions/1", headers=auth(admin)
    )
    content = version.json()["content"]
    assert len(content["groups"]) == 12
    assert len(content["capabilities"]) == 600
    assert sum(len(t) for c in content["capabilities"] for t in c["indicators"].values()) == len(
        rows
    )


async def test_malformed_csv_is_refused_by_row_and_creates_nothing(client, new_tenant):
    admin = await new_tenant()
    await published_catalogue(client, admin)
    good = {"capability_key": "a", "capability_name": "A", "capability_type": "skill"}
    good |= {"scale_key": "core", "level": "1", "indicator": "x"}
    text = csv_text(
        [
            good,
            good | {"level": "one"},
            good | {"capability_type": "talent"},
            good | {"capability_name": "A, renamed"},
        ]
    )
    problem = assert_problem(await import_csv(client, admin, text), 422, "invalid_input")
    assert fields_of(problem) == {
        "body.csv.row.3.level",
        "body.csv.row.4.capability_type",
        "body.csv.row.5.capability_name",
    }
    no_level = assert_problem(
        await import_csv(client, admin, "group_key,capability_key\n"), 422, "invalid_input"
    )
    assert "body.csv.row.1.level" in fields_of(no_level)
    off_scale = csv_text([good | {"level": "7"}])
    problem = assert_problem(await import_csv(client, admin, off_scale), 422, "invalid_input")
    assert fields_of(problem) == {"body.capabilities.0.indicators.7"}
    assert await framework_keys(client, admin) == ["sales"]


async def test_only_utf8_text_csv_is_accepted(client, new_tenant):
    admin = await new_tenant()
    text = csv_text([])
    as_json = await client.post(
        "/v1/frameworks:import",
        params={"key": "k", "name": "K"},
        content=text,
        headers=auth(admin) | {"Content-Type": "application/json"},
    )
    assert_problem(as_json, 415, "unsupported_media_type")
    latin = await client.post(
        "/v1/frameworks:import",
        params={"key": "k", "name": "K"},
        content=text,
        headers=auth(admin) | {"Content-Type": "text/csv; charset=latin-1"},
    )
    assert_problem(latin, 415, "unsupported_media_type")
    not_utf8 = await import_csv(client, admin, text.encode() + "Größe".encode("latin-1"))
    assert fields_of(assert_problem(not_utf8, 422, "invalid_input")) == {"body"}
    no_key = await client.post("/v1/frameworks:import", content=text, headers=auth(admin) | CSV)
    assert {"query.key", "query.name"} <= fields_of(assert_problem(no_key, 422, "invalid_input"))
    bad_key = await import_csv(client, admin, text, key="no spaces")
    assert fields_of(assert_problem(bad_key, 422, "invalid_input")) == {"query.key"}
    assert await framework_keys(client, admin) == []
    with_charset = await client.post(
        "/v1/frameworks:import",
        params={"key": "empty", "name": "Empty"},
        content=text,
        headers=auth(admin) | {"Content-Type": 'Text/CSV; charset="UTF-8"'},
    )
    assert with_charset.status_code == 201, with_charset.text


async def test_other_tenants_and_employees_are_kept_out(client, new_tenant):
    tenant_a = await new_tenant("A")
    tenant_b = await new_tenant("B")
    ids = await published_catalogue(client, tenant_a)
    export = f"/v1/frameworks/{ids['framework']}/versions/1/export"
    assert (await client.get(export, headers=auth(tenant_a))).status_code == 200
    assert_problem(await client.get(export, headers=auth(tenant_b)), 404, "not_found")
    missing = f"/v1/frameworks/{ids['framework']}/versions/9/export"
    assert_problem(await client.get(missing, headers=auth(tenant_a)), 404, "not_found")

    created = await client.post(
        "/v1/api-keys", json={"name": "e", "roles": ["employee"]}, headers=auth(tenant_a)
    )
    employee = {"X-API-Key": created.json()["key"]}
    assert (await client.get(export, headers=employee)).status_code == 200
    scale = await client.post(
        "/v1/scales",
        json={"key": "core", "name": "Core", "levels": THREE_LEVELS},
        headers=auth(tenant_b),
    )
    assert scale.status_code == 201
    text = (await client.get(export, headers=auth(tenant_a))).text
    refused = await client.post(
        "/v1/frameworks:import",
        params={"key": "mine", "name": "Mine"},
        content=text,
        headers=employee | CSV,
    )
    assert_problem(refused, 403, "forbidden")
    assert_problem(
        await client.post("/v1/frameworks:import", params={"key": "x", "name": "X"}, content=text),
        401,
        "unauthenticated",
    )
    # The same file is fine for tenant B's own admin: the import names scales by key.
    assert (await import_csv(client, tenant_b, text, key="mine")).status_code == 201
    assert await framework_keys(client, tenant_a) == ["sales"]
