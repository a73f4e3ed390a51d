"""Mass assignment: every JSON write body refuses the fields it does not declare, so a client
cannot set tenant_id, id, roles or any other server-owned field. Both tests walk the OpenAPI
document the code produces, so a route added later is covered without touching this file."""

import json
import re
import uuid
from collections.abc import Iterator

from app.main import openapi_document
from tests.conftest import auth

SERVER_OWNED = ("tenant_id", "id", "roles", "version", "created_at", "updated_at")
# 1EdTech CASE packages are imported as their publisher wrote them: the standard lets them
# carry extension fields, and the importer reads only the ones it knows.
OPEN_BY_STANDARD = {
    "CFPackage",
    "CFDocument",
    "CFItem",
    "CFAssociation",
    "CFRubric",
    "CFRubricCriterion",
    "CFRubricCriterionLevel",
    "LinkURI",
}


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"].rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _json_writes(document: dict) -> Iterator[tuple[str, str, str]]:
    """(method, path, body schema name) of every operation taking a JSON object body."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body and "$ref" in body["schema"]:
                yield method.upper(), path, body["schema"]["$ref"].rsplit("/", 1)[-1]


def _document(app) -> dict:
    return json.loads(openapi_document(app))


def test_every_json_write_body_refuses_undeclared_fields(app):
    document = _document(app)
    schemas = document["components"]["schemas"]
    pending = {name for _, _, name in _json_writes(document)}
    reachable: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in reachable:
            reachable.add(name)
            pending |= set(_refs(schemas[name]))
    open_objects = sorted(
        name
        for name in reachable - OPEN_BY_STANDARD
        if schemas[name].get("type") == "object"
        and schemas[name].get("additionalProperties") is not False
    )
    assert len(reachable) > 40  # the walk found the bodies, nested ones included
    assert open_objects == [], "give these request models extra='forbid'"


async def test_server_owned_fields_are_refused_on_every_json_write(app, client, new_tenant):
    admin = await new_tenant()
    document = _document(app)
    schemas = document["components"]["schemas"]
    checked = 0
    for method, path, name in _json_writes(document):
        if name in OPEN_BY_STANDARD:
            continue
        declared = set(schemas[name].get("properties", {}))
        smuggled = [field for field in SERVER_OWNED if field not in declared]
        url = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)
        response = await client.request(
            method, url, json=dict.fromkeys(smuggled, "x"), headers=auth(admin)
        )
        assert response.status_code == 422, (method, path, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        fields = {error["field"] for error in response.json()["errors"]}
        assert {f"body.{field}" for field in smuggled} <= fields, (method, path, fields)
        checked += 1
    assert checked > 30
