"""The API documents: complete, valid, generated from the code, served by the edge."""

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
import jsonschema
import pytest
from openapi_spec_validator import validate
from sanic import Sanic

from usersvc.edge.app import create_app
from usersvc.edge.routes.docs import openapi_document
from usersvc.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ASYNCAPI_SCHEMA = Path(__file__).with_name("asyncapi-3.0.0.schema.json")
DOTTED_ID = re.compile(r"^[a-z_]+\.[a-z_]+$")


@pytest.fixture(scope="module")
def app() -> Sanic:
    Sanic.test_mode = True
    return create_app(Settings(environment="development", _env_file=None), name="usersvc-documents")


@pytest.fixture(scope="module")
def document(app) -> dict:
    return json.loads(openapi_document(app))


def test_the_openapi_document_is_valid(document):
    validate(document)


def test_every_route_is_an_operation_with_a_dotted_unique_id(app, document):
    undocumented = sorted({route.uri for route in app.router.routes if not hasattr(route.handler, "__openapi__")})
    assert undocumented == []
    ids = [operation["operationId"] for path in document["paths"].values() for operation in path.values()]
    assert len(ids) == len(set(ids)) and all(DOTTED_ID.match(identifier) for identifier in ids), ids


def test_every_error_answer_is_the_shared_error_schema(document):
    """Section 1's shape everywhere, except OAuth's endpoints, which answer RFC 6749's."""
    for path, operations in document["paths"].items():
        shape = "OAuthErrorResponse" if path.startswith("/oauth/") else "ErrorResponse"
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": f"#/components/schemas/{shape}"}, (path, method, status)


def test_bodies_and_answers_have_component_schemas(document):
    schemas = document["components"]["schemas"]
    for operations in document["paths"].values():
        for operation in operations.values():
            for reference in re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(operation)):
                assert reference in schemas
    assert {"UserCreateBody", "UserPatchBody", "UserView", "UserPage", "ErrorResponse"} <= set(schemas)
    list_parameters = {p["name"] for p in document["paths"]["/v1/users"]["get"]["parameters"]}
    assert {"page", "page_size", "role", "is_active", "search", "sort"} <= list_parameters
    patch_parameters = {p["name"] for p in document["paths"]["/v1/users/{user_id}"]["patch"]["parameters"]}
    assert {"If-Match", "X-Request-ID", "user_id"} <= patch_parameters
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def _generated(command: str) -> subprocess.CompletedProcess:
    """`usersvc COMMAND`'s output, with nothing of this machine's environment."""
    generated = subprocess.run(
        [sys.executable, "-m", "usersvc.cli", command],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "ENVIRONMENT": "development"},
        cwd=ROOT,
    )
    assert generated.returncode == 0, generated.stderr
    return generated


def test_the_asyncapi_document_is_generated_from_the_workers_and_valid():
    generated = _generated("asyncapi")
    shipped = json.loads((ROOT / "usersvc" / "asyncapi.json").read_text())
    assert json.loads(generated.stdout) == shipped, "regenerate: usersvc asyncapi > usersvc/asyncapi.json"
    jsonschema.Draft7Validator(json.loads(ASYNCAPI_SCHEMA.read_text())).validate(shipped)
    assert "user.update" in json.dumps(shipped)


def test_the_graphql_schema_is_generated_from_the_code():
    generated = _generated("graphql-schema")
    shipped = (ROOT / "usersvc" / "schema.graphql").read_text()
    assert generated.stdout == shipped, "regenerate: usersvc graphql-schema > usersvc/schema.graphql"
    for contract in (
        "me: User!",
        "user(id: ID!): User",
        "users(first: Int, after: String, role: Role, isActive: Boolean, search: String, sort: String): "
        "UserConnection!",
        "auditEntries(first: Int, after: String, entityId: ID, actorId: ID, action: String): AuditConnection!",
        "createUser(input: CreateUserInput!): User!",
        "updateUser(id: ID!, input: UpdateUserInput!, ifMatch: String): User!",
        "changePassword(id: ID!, currentPassword: String, newPassword: String!): Boolean!",
        "userEvents: UserEvent!",
        "auditEntries(first: Int): [AuditEntry!]!",
    ):
        assert contract in shipped, contract


def test_the_edge_serves_both_documents(stack):
    openapi = httpx.get(f"{stack.base_url}/docs/openapi.json", timeout=10)
    asyncapi = httpx.get(f"{stack.base_url}/docs/asyncapi.json", timeout=10)
    assert openapi.status_code == asyncapi.status_code == 200
    assert openapi.json()["openapi"].startswith("3.1") and asyncapi.json()["asyncapi"].startswith("3.")
    assert "swagger-ui" in httpx.get(f"{stack.base_url}/docs", timeout=10, follow_redirects=True).text
