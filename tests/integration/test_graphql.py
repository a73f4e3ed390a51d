"""The same scenarios as the REST tests, through GraphQL: one service layer under both."""

import uuid

from app.graphql.schema import build_schema
from tests.conftest import auth

KEYS = """query Keys($first: Int, $after: String) {
  apiKeys(first: $first, after: $after) {
    edges { cursor node { id name roles } }
    pageInfo { hasNextPage endCursor }
  }
}"""
CREATE = """mutation Create($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { key apiKey { id name roles prefix } }
}"""


async def gql(client, query, headers, **variables):
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    return response


async def test_viewer_and_tenant(client, new_tenant):
    admin = await new_tenant("Viewer Co")
    response = await gql(client, "{ viewer { tenantId roles tenant { name } } }", auth(admin))
    assert response.json() == {
        "data": {
            "viewer": {
                "tenantId": str(admin.tenant.id),
                "roles": ["HR_ADMIN"],
                "tenant": {"name": "Viewer Co"},
            }
        }
    }


async def test_no_credentials_is_401_but_the_ide_page_is_served(client):
    response = await gql(client, "{ viewer { roles } }", {})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def test_create_list_and_paginate_keys(client, new_tenant):
    admin = await new_tenant()
    for number in range(4):
        created = await gql(
            client, CREATE, auth(admin), input={"name": f"k{number}", "roles": ["EMPLOYEE"]}
        )
        payload = created.json()["data"]["createApiKey"]
        assert payload["key"].startswith(f"tdm_{payload['apiKey']['prefix']}_")
    seen, after = [], None
    while True:
        page = (await gql(client, KEYS, auth(admin), first=2, after=after)).json()["data"]
        seen += [edge["node"]["name"] for edge in page["apiKeys"]["edges"]]
        if not page["apiKeys"]["pageInfo"]["hasNextPage"]:
            break
        after = page["apiKeys"]["pageInfo"]["endCursor"]
    assert sorted(seen) == ["Initial admin key", "k0", "k1", "k2", "k3"]


async def test_other_tenants_ids_are_not_found_and_unchanged(client, new_tenant):
    tenant_a, tenant_b = await new_tenant("A"), await new_tenant("B")
    b_key = str(tenant_b.admin_key.key.id)
    read = await gql(
        client, "query($id: UUID!) { apiKey(id: $id) { name } }", auth(tenant_a), id=b_key
    )
    assert read.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    revoke = await gql(
        client,
        "mutation($id: UUID!) { revokeApiKey(id: $id) { revokedAt } }",
        auth(tenant_a),
        id=b_key,
    )
    assert revoke.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    mine = await gql(
        client, "query($id: UUID!) { apiKey(id: $id) { revokedAt } }", auth(tenant_b), id=b_key
    )
    assert mine.json()["data"]["apiKey"]["revokedAt"] is None


async def test_role_and_validation_errors_carry_codes_and_fields(client, new_tenant):
    admin = await new_tenant()
    created = await gql(client, CREATE, auth(admin), input={"name": "e", "roles": ["EMPLOYEE"]})
    employee = {"X-API-Key": created.json()["data"]["createApiKey"]["key"]}
    forbidden = await gql(client, KEYS, employee)
    assert forbidden.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    invalid = await gql(client, CREATE, auth(admin), input={"name": "x", "roles": []})
    error = invalid.json()["errors"][0]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["extensions"]["field_errors"][0]["field"] == "roles"
    bad_page = await gql(client, KEYS, auth(admin), first=501)
    assert bad_page.json()["errors"][0]["extensions"]["field_errors"][0]["field"] == "first"


async def test_alias_and_token_limits_refuse_abusive_queries(client, new_tenant):
    admin = await new_tenant()
    aliases = " ".join(f"a{n}: viewer {{ roles }}" for n in range(20))
    response = await gql(client, f"{{ {aliases} }}", auth(admin))
    assert "aliases" in response.json()["errors"][0]["message"].lower()
    tokens = "{ " + " ".join("viewer { roles }" for _ in range(700)) + " }"
    response = await gql(client, tokens, auth(admin))
    assert "token" in response.json()["errors"][0]["message"].lower()


async def test_unknown_id_is_not_found(client, new_tenant):
    admin = await new_tenant()
    response = await gql(
        client, "query($id: UUID!) { apiKey(id: $id) { name } }", auth(admin), id=str(uuid.uuid4())
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_the_depth_limit_refuses_deeper_queries():
    schema = build_schema(max_depth=1, max_tokens=100, max_aliases=5)
    result = await schema.execute("{ viewer { tenant { name } } }")
    assert "exceeds maximum operation depth" in result.errors[0].message


async def test_malformed_variables_are_the_clients_error(client, new_tenant):
    admin = await new_tenant()
    response = await gql(
        client, "query($id: UUID!) { apiKey(id: $id) { name } }", auth(admin), id="zz"
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_control_characters_are_refused_alike_over_graphql(client, new_tenant):
    admin = await new_tenant()
    response = await gql(
        client, CREATE, auth(admin), input={"name": "a\u0000b", "roles": ["EMPLOYEE"]}
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["extensions"]["field_errors"][0]["field"] == "name"
