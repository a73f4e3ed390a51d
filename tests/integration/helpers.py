"""Building blocks the REST and GraphQL scenarios share."""

import os
import subprocess
import sys

from app.services.tenants import NewTenant

PROBLEM = "application/problem+json"


def tandem(*args, database_url, unset=()):
    """Run the `tandem` command against `database_url`, as an operator would, without the
    environment variables named in `unset`."""
    environment = os.environ | {"TANDEM_DATABASE_URL": database_url, "TANDEM_LOG_LEVEL": "WARNING"}
    for name in unset:
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def auth(created: NewTenant) -> dict[str, str]:
    return {"Authorization": f"Bearer {created.admin_key.plaintext}"}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"] == f"urn:tandem:problem:{code}"
    return body


def fields_of(problem: dict) -> set[str]:
    return {error["field"] for error in problem.get("errors", [])}


THREE_LEVELS = [
    {"code": "developing", "label": "Needs development"},
    {"code": "meets", "label": "Meets expectations"},
    {"code": "exceeds", "label": "Exceeds expectations"},
]


async def published_catalogue(client, admin) -> dict:
    """A 3-level scale and a published framework with two capabilities; returns their ids."""
    headers = auth(admin)
    scale = await client.post(
        "/v1/scales",
        json={"key": "core", "name": "Core scale", "levels": THREE_LEVELS, "proficient_level": 2},
        headers=headers,
    )
    assert scale.status_code == 201, scale.text
    framework = await client.post(
        "/v1/frameworks",
        json={
            "key": "sales",
            "name": "Sales",
            "content": {
                "groups": [{"key": "selling", "name": "Selling"}],
                "capabilities": [
                    {
                        "key": "negotiation",
                        "name": "Negotiates win-win agreements",
                        "type": "skill",
                        "scale_key": "core",
                        "group_key": "selling",
                        "indicators": {"1": ["Prepares with help"], "3": ["Coaches others"]},
                    },
                    {
                        "key": "crm",
                        "name": "Keeps the CRM current",
                        "type": "tool",
                        "scale_key": "core",
                    },
                ],
            },
        },
        headers=headers,
    )
    assert framework.status_code == 201, framework.text
    framework_id = framework.json()["id"]
    published = await client.post(
        f"/v1/frameworks/{framework_id}/versions/1:publish", headers=headers
    )
    assert published.status_code == 200, published.text
    listed = await client.get(
        "/v1/capabilities", params={"framework_id": framework_id}, headers=headers
    )
    capabilities = {c["key"]: c["id"] for c in listed.json()["data"]}
    return {"scale": scale.json()["id"], "framework": framework_id, **capabilities}


async def key_for(client, admin, role, employee_id=None) -> dict[str, str]:
    """Headers carrying a new API key of the admin's tenant with one role, optionally speaking
    for an employee."""
    response = await client.post(
        "/v1/api-keys",
        json={"name": role, "roles": [role], "employee_id": employee_id},
        headers=auth(admin),
    )
    assert response.status_code == 201, response.text
    return {"X-API-Key": response.json()["key"]}
