"""GraphQL at /graphql against the whole stack: the same reads, writes, refusals, cache and
limits as the REST API (docs/graphql.md), a bounded number of bus round trips for a page
of users with their sessions, persisted queries, and userEvents over graphql-transport-ws."""

import asyncio
import base64
import hashlib
import json
import re
import uuid

import httpx
import pytest
import websockets

from tests.integration.oidc import exchange, signed_in_code
from tests.support import USER_PASSWORD, Api, login, new_user_body

USER_FIELDS = (
    "id username email firstName lastName phone role isActive emailVerified mfaEnabled createdAt updatedAt etag"
)


def gql(api: Api, query: str, variables: dict | None = None, **extra) -> httpx.Response:
    return api.post("/graphql", json={"query": query, "variables": variables or {}, **extra})


def data_of(response: httpx.Response) -> dict:
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, response.text
    return body["data"]


def codes_of(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json()["errors"]]


def round_trips(stack, command: str) -> float:
    """Commands of this routing key the edge sent to the workers so far (edge metrics)."""
    text = httpx.get(f"{stack.base_url}/metrics", timeout=10).text
    pattern = rf'^usersvc_rpc_seconds_count\{{command="{re.escape(command)}"\}} (\S+)$'
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_me_and_user_answer_the_rest_resource_with_its_etag(admin, make_user):
    user, api = make_user()
    me = data_of(gql(api, f"{{ me {{ {USER_FIELDS} }} }}"))["me"]
    rest = admin.get(f"/v1/users/{user['id']}")
    assert me["id"] == user["id"] and me["username"] == user["username"] and me["role"] == "USER"
    assert me["etag"] == rest.headers["etag"] and me["firstName"] == rest.json()["first_name"]
    assert me["createdAt"] == rest.json()["created_at"] and me["mfaEnabled"] is False
    found = data_of(gql(admin, "query($id: ID!) { user(id: $id) { id email etag } }", {"id": user["id"]}))["user"]
    assert found == {"id": user["id"], "email": rest.json()["email"], "etag": rest.headers["etag"]}


def test_user_by_id_is_served_from_the_rest_cache_without_a_worker(stack, admin, make_user):
    user, _ = make_user()
    assert admin.get(f"/v1/users/{user['id']}").status_code == 200  # cached (it is after any write anyway)
    before = round_trips(stack, "user.get")
    for _ in range(3):
        assert data_of(gql(admin, f'{{ user(id: "{user["id"]}") {{ id username }} }}'))["user"]["id"] == user["id"]
    assert round_trips(stack, "user.get") == before, "user(id) went to a worker"
    missing = gql(admin, f'{{ user(id: "{uuid.uuid4()}") {{ id }} }}')
    assert missing.status_code == 200 and codes_of(missing) == ["USER_NOT_FOUND"]
    assert missing.json()["data"] == {"user": None}


def test_anonymous_and_bad_tokens_are_refused_as_rest_refuses_them(anonymous):
    response = gql(anonymous, "{ me { id } }")
    assert response.status_code == 401 and codes_of(response) == ["UNAUTHENTICATED"]
    forged = gql(Api(anonymous.http.base_url, "not-a-token"), "{ me { id } }")
    assert forged.status_code == 401 and codes_of(forged) == ["INVALID_TOKEN"]


def test_roles_decide_as_in_rest(admin, make_user):
    plain_user, plain = make_user()
    other, _ = make_user()
    _, moderator = make_user("moderator")
    forbidden = gql(plain, f'{{ user(id: "{other["id"]}") {{ id }} }}')
    assert codes_of(forbidden) == ["FORBIDDEN"] and forbidden.json()["data"] == {"user": None}
    assert codes_of(gql(plain, "{ users { totalCount } }")) == ["FORBIDDEN"]
    assert codes_of(gql(moderator, "{ auditEntries { totalCount } }")) == ["FORBIDDEN"]
    assert data_of(gql(moderator, "{ users(first: 1) { totalCount } }"))["users"]["totalCount"] >= 2
    assert codes_of(gql(moderator, f'{{ user(id: "{other["id"]}") {{ id sessions {{ id }} }} }}')) == ["FORBIDDEN"]
    assert data_of(gql(plain, "{ me { sessions { id } } }"))["me"]["sessions"]
    assert data_of(gql(admin, f'{{ user(id: "{plain_user["id"]}") {{ sessions {{ id }} }} }}'))["user"]["sessions"]
    assert codes_of(gql(plain, f'mutation {{ deleteUser(id: "{other["id"]}") }}')) == ["FORBIDDEN"]
    moderated = gql(moderator, f'mutation {{ updateUser(id: "{other["id"]}", input: {{role: ADMIN}}) {{ id }} }}')
    assert codes_of(moderated) == ["FORBIDDEN"]


def test_users_connection_filters_sorts_and_pages_with_cursors_like_the_rest_list(admin):
    tag = f"t{uuid.uuid4().hex[:10]}"
    for _ in range(5):
        assert admin.post("/v1/users", json=new_user_body(last_name=tag)).status_code == 201
    rest = admin.get("/v1/users", params={"search": tag, "sort": "username", "page_size": 100}).json()["data"]
    query = """query($after: String, $first: Int, $search: String) {
      users(first: $first, after: $after, search: $search, sort: "username", role: USER, isActive: true) {
        totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id username } } } }"""
    seen, after, first = [], None, 2
    while True:
        page = data_of(gql(admin, query, {"after": after, "first": first, "search": tag}))["users"]
        assert page["totalCount"] == 5
        seen += [edge["node"]["username"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after, first = page["pageInfo"]["endCursor"], 3  # a page of another size from a cursor
    assert seen == [user["username"] for user in rest]
    descending = data_of(
        gql(admin, f'{{ users(search: "{tag}", sort: "-username") {{ edges {{ node {{ username }} }} }} }}')
    )
    assert [edge["node"]["username"] for edge in descending["users"]["edges"]] == seen[::-1]
    bad = gql(admin, '{ users(sort: "password_hash") { totalCount } }')
    assert (
        codes_of(bad) == ["VALIDATION_ERROR"] and bad.json()["errors"][0]["extensions"]["details"][0]["field"] == "sort"
    )
    assert codes_of(gql(admin, "{ users(first: 101) { totalCount } }")) == ["VALIDATION_ERROR"]
    assert codes_of(gql(admin, '{ users(after: "nope") { totalCount } }')) == ["VALIDATION_ERROR"]


def test_a_users_page_shares_the_rest_list_cache(stack, admin):
    tag = f"c{uuid.uuid4().hex[:10]}"
    for _ in range(3):
        assert admin.post("/v1/users", json=new_user_body(last_name=tag)).status_code == 201
    rest = admin.get("/v1/users", params={"search": tag, "sort": "username", "page_size": 2, "page": 2}).json()
    before = round_trips(stack, "user.list")
    after = base64.urlsafe_b64encode(b"offset:1").decode()  # page 2 of 2 starts after the 2nd
    query = (
        f'{{ users(first: 2, after: "{after}", search: "{tag}", sort: "username") {{ edges {{ node {{ id }} }} }} }}'
    )
    page = data_of(gql(admin, query))["users"]
    assert [edge["node"]["id"] for edge in page["edges"]] == [user["id"] for user in rest["data"]]
    assert round_trips(stack, "user.list") == before, "the page went to a worker"


def test_a_document_run_before_answers_as_it_did_and_refuses_as_it_did(stack, admin, make_user):
    """The second time, me, user(id) and a users page are answered without the executor
    (edge/graphql/direct.py): the same bodies, the same refusals, and a change is seen."""
    user, plain = make_user()
    _, other = make_user()
    by_id = "query($id: ID!) { found: user(id: $id) { " + USER_FIELDS + " __typename } }"
    me = "{ me { " + USER_FIELDS + " } }"
    tag = f"d{uuid.uuid4().hex[:10]}"
    for _ in range(3):
        assert admin.post("/v1/users", json=new_user_body(last_name=tag)).status_code == 201
    page = 'query($s: String) { users(first: 2, search: $s, sort: "username") '
    page += "{ totalCount edges { cursor node { id etag } } } }"
    for api, query, variables in ((admin, by_id, {"id": user["id"]}), (plain, me, {}), (admin, page, {"s": tag})):
        first, again = gql(api, query, variables), gql(api, query, variables)
        assert first.status_code == again.status_code == 200 and "errors" not in first.json()
        assert again.content == first.content
    before = round_trips(stack, "user.get")
    assert admin.patch(f"/v1/users/{user['id']}", json={"first_name": "Changed"}).status_code == 200
    assert data_of(gql(admin, by_id, {"id": user["id"]}))["found"]["firstName"] == "Changed"
    assert data_of(gql(plain, me))["me"]["firstName"] == "Changed"
    assert round_trips(stack, "user.get") == before
    refused = gql(other, by_id, {"id": user["id"]})  # a plain user reading another: as REST
    assert codes_of(refused) == ["FORBIDDEN"] and refused.json()["data"] == {"found": None}
    assert codes_of(gql(plain, page, {"s": tag})) == ["FORBIDDEN"]
    assert codes_of(gql(admin, by_id, {"id": str(uuid.uuid4())})) == ["USER_NOT_FOUND"]
    assert codes_of(gql(admin, by_id, {"id": "not-a-uuid"})) == ["USER_NOT_FOUND"]
    assert codes_of(gql(admin, by_id, {})) == ["VALIDATION_ERROR"]  # $id missing
    assert admin.delete(f"/v1/users/{user['id']}").status_code == 204
    gone = gql(admin, by_id, {"id": user["id"]})
    assert codes_of(gone) == ["USER_NOT_FOUND"] and gone.json()["data"] == {"found": None}


def test_mutations_send_the_rest_commands_with_the_same_codes_and_audit(stack, admin):
    body = new_user_body()
    created = data_of(
        gql(
            admin,
            "mutation($input: CreateUserInput!) { createUser(input: $input) { id username etag role } }",
            {
                "input": {
                    "username": body["username"],
                    "email": body["email"],
                    "password": body["password"],
                    "firstName": "Gra",
                    "lastName": "Phql",
                }
            },
        )
    )["createUser"]
    user_id = created["id"]
    assert created["role"] == "USER"
    taken = gql(
        admin,
        "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
        {"input": {**{k: body[k] for k in ("username", "email", "password")}, "firstName": "A", "lastName": "B"}},
    )
    assert codes_of(taken)[0] in {"USERNAME_TAKEN", "EMAIL_TAKEN"}
    weak = gql(
        admin,
        "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
        {
            "input": {
                "username": "x_" + uuid.uuid4().hex[:8],
                "email": "w@example.com",
                "password": "short",
                "firstName": "A",
                "lastName": "B",
            }
        },
    )
    assert (
        codes_of(weak) == ["VALIDATION_ERROR"]
        and weak.json()["errors"][0]["extensions"]["details"][0]["field"] == "password"
    )
    update = """mutation($id: ID!, $input: UpdateUserInput!, $ifMatch: String) {
      updateUser(id: $id, input: $input, ifMatch: $ifMatch) { firstName etag } }"""
    stale = gql(admin, update, {"id": user_id, "input": {"firstName": "Stale"}, "ifMatch": '"0000"'})
    assert codes_of(stale) == ["PRECONDITION_FAILED"]
    updated = data_of(gql(admin, update, {"id": user_id, "input": {"firstName": "Fresh"}, "ifMatch": created["etag"]}))
    assert updated["updateUser"]["firstName"] == "Fresh"
    assert updated["updateUser"]["etag"] == admin.get(f"/v1/users/{user_id}").headers["etag"]
    assert codes_of(gql(admin, update, {"id": user_id, "input": {"firstName": None}})) == ["VALIDATION_ERROR"]
    changed = gql(
        admin,
        'mutation($id: ID!) { changePassword(id: $id, newPassword: "N3w!passw0rd") }',
        {"id": user_id},
    )
    assert data_of(changed) == {"changePassword": True}
    login(stack.base_url, "N3w!passw0rd", username=body["username"])
    audit = data_of(
        gql(admin, "query($id: ID!) { user(id: $id) { auditEntries(first: 10) { action actorId } } }", {"id": user_id})
    )["user"]["auditEntries"]
    assert {"user.create", "user.update", "user.change_password"} <= {entry["action"] for entry in audit}
    rest_audit = admin.get("/v1/audit-logs", params={"entity_id": user_id}).json()["data"]
    assert [entry["action"] for entry in rest_audit] == [entry["action"] for entry in audit]
    page = data_of(
        gql(
            admin,
            "query($id: ID!) { auditEntries(entityId: $id, first: 1) { totalCount edges { node { action } } } }",
            {"id": user_id},
        )
    )
    assert page["auditEntries"]["totalCount"] == len(rest_audit)
    assert data_of(gql(admin, "mutation($id: ID!) { deleteUser(id: $id) }", {"id": user_id})) == {"deleteUser": True}
    assert admin.get(f"/v1/users/{user_id}").status_code == 404
    assert codes_of(gql(admin, "mutation($id: ID!) { deleteUser(id: $id) }", {"id": user_id})) == ["USER_NOT_FOUND"]


def test_a_page_of_100_users_with_their_sessions_and_audit_is_a_bounded_number_of_round_trips(stack, admin):
    tag = f"n{uuid.uuid4().hex[:10]}"
    bodies = [new_user_body(last_name=tag) for _ in range(100)]
    ids = []
    for body in bodies:
        created = admin.post("/v1/users", json=body)
        assert created.status_code == 201
        ids.append(created.json()["id"])
    for body in bodies[:3]:
        login(stack.base_url, USER_PASSWORD, username=body["username"])
    for user_id in ids[:2]:
        assert admin.patch(f"/v1/users/{user_id}", json={"first_name": "Audited"}).status_code == 200
    query = (
        f'{{ users(first: 100, search: "{tag}") {{ totalCount edges {{ node {{ id username '
        "sessions { id createdAt user { id } } auditEntries(first: 5) { action actorId entityId } "
        "recent: auditEntries(first: 1) { action } } } } }"
    )
    commands = ("user.list", "session.list_of_users", "user.get", "audit.list_of_entities", "audit.list")
    before = {command: round_trips(stack, command) for command in commands}
    page = data_of(gql(admin, query))["users"]
    after = {command: round_trips(stack, command) for command in before}
    assert page["totalCount"] == 100 and len(page["edges"]) == 100
    assert after["user.list"] - before["user.list"] == 1
    assert after["session.list_of_users"] - before["session.list_of_users"] == 1, "sessions were not batched"
    # one per distinct `first` (5 and 1), not one per user
    assert after["audit.list_of_entities"] - before["audit.list_of_entities"] == 2, "audit entries were not batched"
    assert after["audit.list"] == before["audit.list"] and after["user.get"] == before["user.get"]
    with_sessions = {edge["node"]["username"] for edge in page["edges"] if edge["node"]["sessions"]}
    assert with_sessions == {body["username"] for body in bodies[:3]}
    audit = {edge["node"]["id"]: edge["node"] for edge in page["edges"]}
    for user_id in [*ids[:3], ids[-1]]:  # the same entries as the REST audit trail, newest first
        expected = admin.get("/v1/audit-logs", params={"entity_id": user_id, "page_size": 5}).json()["data"]
        got = audit[user_id]["auditEntries"]
        assert [(e["action"], e["actorId"], e["entityId"]) for e in got] == [
            (e["action"], e["actor"]["id"], e["entity_id"]) for e in expected
        ]
        assert audit[user_id]["recent"] == [{"action": expected[0]["action"]}]
    assert [e["action"] for e in audit[ids[0]]["auditEntries"]] == ["user.update", "auth.login", "user.create"]


def test_depth_and_cost_are_refused_before_anything_runs(stack, admin):
    deep = "{ users { edges { node { sessions { user { sessions { user { sessions { user { sessions { id } } } } } } } } } } }"  # noqa: E501
    before = round_trips(stack, "user.list")
    refused = gql(admin, deep)
    assert refused.status_code == 400 and codes_of(refused) == ["QUERY_TOO_COMPLEX"]
    assert refused.json()["errors"][0]["extensions"]["maxDepth"] == 10
    costly = "{ users(first: 100) { edges { node { sessions { user { sessions { id } } } } } } }"
    refused = gql(admin, costly)
    assert refused.status_code == 400 and codes_of(refused) == ["QUERY_TOO_COMPLEX"]
    assert refused.json()["errors"][0]["extensions"]["cost"] > refused.json()["errors"][0]["extensions"]["maxCost"]
    assert round_trips(stack, "user.list") == before


def test_a_query_counts_its_cost_against_the_read_limit(admin):
    first = gql(admin, "{ me { id } }")
    second = gql(admin, "{ users(first: 20) { edges { node { sessions { id } } } } }")
    used = int(first.headers["x-ratelimit-remaining"]) - int(second.headers["x-ratelimit-remaining"])
    if first.headers["x-ratelimit-reset"] == second.headers["x-ratelimit-reset"]:  # one window
        assert used == 21  # 1 for users, 1 per user for its sessions (first: 20)
    else:
        assert int(second.headers["x-ratelimit-remaining"]) == int(second.headers["x-ratelimit-limit"]) - 21


def test_persisted_queries_by_hash(admin):
    query = "{ me { id username } }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    unknown = admin.post("/graphql", json={"extensions": extensions})
    assert unknown.status_code == 200 and unknown.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert data_of(admin.post("/graphql", json={"query": query, "extensions": extensions}))["me"]["username"] == "root"
    again = admin.get("/graphql", params={"extensions": json.dumps(extensions)})
    assert data_of(again)["me"]["username"] == "root"
    wrong = admin.post("/graphql", json={"query": "{ me { id } }", "extensions": extensions})
    assert wrong.status_code == 400 and codes_of(wrong) == ["VALIDATION_ERROR"]


def test_get_serves_queries_only_and_the_schema_is_published(stack, admin):
    assert data_of(admin.get("/graphql", params={"query": "{ me { id } }"}))["me"]["id"]
    mutation = admin.get("/graphql", params={"query": "mutation { logout }"})
    assert mutation.status_code == 405 and codes_of(mutation) == ["METHOD_NOT_ALLOWED"]
    schema = httpx.get(f"{stack.base_url}/graphql/schema.graphql", timeout=10)
    assert schema.status_code == 200 and "type Query" in schema.text and "userEvents: UserEvent!" in schema.text
    assert data_of(gql(admin, "{ __schema { queryType { name } } }"))["__schema"]["queryType"]["name"] == "Query"


def test_introspection_can_be_switched_off(extra_edge, admin):
    edge = extra_edge(GRAPHQL_INTROSPECTION="false")
    refused = edge.post(
        "/graphql",
        json={"query": "{ __schema { types { name } } }"},
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"


def test_client_tokens_act_within_their_scopes(stack, register_client, make_user):
    client = register_client(first_party=True, scopes=["openid", "users:read", "users:write"])
    user, _ = make_user()
    response, _, _ = signed_in_code(stack, client, user, scope="openid users:read")
    reader = Api(stack.base_url, exchange(stack, client, response["code"]).json()["access_token"])
    assert data_of(gql(reader, "{ me { id } }"))["me"]["id"] == user["id"]
    write = gql(
        reader, 'mutation($id: ID!) { updateUser(id: $id, input: {firstName: "Scoped"}) { id } }', {"id": user["id"]}
    )
    assert write.status_code == 403 and codes_of(write) == ["INSUFFICIENT_SCOPE"]
    assert codes_of(gql(reader, "{ me { sessions { id } } }")) == ["INSUFFICIENT_SCOPE"]


def test_user_events_stream_to_admins_over_graphql_transport_ws(stack, admin, make_user):
    _, plain = make_user()
    url = stack.base_url.replace("http://", "ws://") + "/graphql"

    async def refused_for(token: str | None) -> int | None:
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
            payload = {"Authorization": f"Bearer {token}"} if token else {}
            await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            return ws.close_code

    async def stream() -> list[dict]:
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
            assert ws.subprotocol == "graphql-transport-ws"
            await ws.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {admin.token}"}})
            )
            assert json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"type": "connection_ack"}
            await ws.send(json.dumps({"type": "ping"}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"type": "pong"}
            query = "subscription { userEvents { type userId occurredAt } }"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
            await asyncio.sleep(1)  # the edge's queue is bound
            created = await asyncio.to_thread(admin.post, "/v1/users", json=new_user_body())
            user_id = created.json()["id"]
            await asyncio.to_thread(admin.patch, f"/v1/users/{user_id}", json={"first_name": "Evented"})
            await asyncio.to_thread(admin.delete, f"/v1/users/{user_id}")
            events = []
            while len(events) < 3:
                message = json.loads(await asyncio.wait_for(ws.recv(), 15))
                assert message["type"] == "next" and message["id"] == "1", message
                event = message["payload"]["data"]["userEvents"]
                if event["userId"] == user_id:
                    events.append(event)
            await ws.send(json.dumps({"id": "1", "type": "complete"}))
            return events

    assert asyncio.run(refused_for(plain.token)) == 4403
    assert asyncio.run(refused_for(None)) == 4403
    events = asyncio.run(stream())
    assert [event["type"] for event in events] == ["user.created", "user.updated", "user.deleted"]
    assert all(event["occurredAt"] for event in events)
