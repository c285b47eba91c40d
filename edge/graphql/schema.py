"""The GraphQL schema: written as SDL (the contract's section 10 is SDL), bound to resolvers
with Ariadne. Field and argument names are camelCase in the schema and snake_case in Python
(convert_names_case), so a resolver reads the same dicts the REST API answers with.

`usersvc graphql-schema` prints it; `usersvc/schema.graphql` is that print, shipped and
served at GET /graphql/schema.graphql (a test regenerates and compares it)."""

import functools
from importlib.resources import files

from ariadne import EnumType, make_executable_schema
from graphql import GraphQLSchema, print_schema

from usersvc.domain.rbac import Role

SCHEMA_FILE = files("usersvc").joinpath("schema.graphql")

TYPE_DEFS = """
\"\"\"Reads. Anonymous requests are refused with UNAUTHENTICATED.\"\"\"
type Query {
  \"\"\"The caller's own user.\"\"\"
  me: User!
  \"\"\"One user (admin, moderator, or the user itself), from the same cache as GET /v1/users/{id}.\"\"\"
  user(id: ID!): User
  \"\"\"A page of users (admin, moderator): the filters and sorts of GET /v1/users; first ≤ 100 (default 20).\"\"\"
  users(first: Int, after: String, role: Role, isActive: Boolean, search: String, sort: String): UserConnection!
  \"\"\"The audit trail, newest first (admin).\"\"\"
  auditEntries(first: Int, after: String, entityId: ID, actorId: ID, action: String): AuditConnection!
}

\"\"\"Writes: the same bus commands as the REST API.\"\"\"
type Mutation {
  \"\"\"POST /v1/users (admin).\"\"\"
  createUser(input: CreateUserInput!): User!
  \"\"\"PATCH /v1/users/{id}; ifMatch is If-Match (an etag).\"\"\"
  updateUser(id: ID!, input: UpdateUserInput!, ifMatch: String): User!
  \"\"\"DELETE /v1/users/{id} (admin).\"\"\"
  deleteUser(id: ID!, ifMatch: String): Boolean!
  \"\"\"POST /v1/users/{id}/password: the user's other sessions end.\"\"\"
  changePassword(id: ID!, currentPassword: String, newPassword: String!): Boolean!
  \"\"\"POST /v1/auth/logout: this session ends.\"\"\"
  logout: Boolean!
}

\"\"\"Over WebSocket (graphql-transport-ws) on /graphql, admins only.\"\"\"
type Subscription {
  \"\"\"user.created, user.updated and user.deleted as they are published on usersvc.events.\"\"\"
  userEvents: UserEvent!
}

enum Role {
  USER
  MODERATOR
  ADMIN
}

type User {
  id: ID!
  username: String!
  email: String!
  firstName: String!
  lastName: String!
  phone: String
  role: Role!
  isActive: Boolean!
  emailVerified: Boolean!
  mfaEnabled: Boolean!
  lastLoginAt: String
  createdAt: String!
  updatedAt: String!
  \"\"\"The REST ETag value (for ifMatch).\"\"\"
  etag: String!
  \"\"\"Active sessions, newest first (admin, or the user itself).\"\"\"
  sessions: [Session!]!
  \"\"\"The newest audit entries about this user (admin); first ≤ 100 (default 20).\"\"\"
  auditEntries(first: Int): [AuditEntry!]!
}

type UserConnection {
  edges: [UserEdge!]!
  pageInfo: PageInfo!
  totalCount: Int!
}

type UserEdge {
  node: User!
  cursor: String!
}

type PageInfo {
  hasNextPage: Boolean!
  endCursor: String
}

type Session {
  id: ID!
  createdAt: String!
  lastUsedAt: String
  user: User!
}

type AuditEntry {
  id: ID!
  action: String!
  actorId: ID
  entityId: ID
  createdAt: String!
}

type AuditConnection {
  edges: [AuditEdge!]!
  pageInfo: PageInfo!
  totalCount: Int!
}

type AuditEdge {
  node: AuditEntry!
  cursor: String!
}

type UserEvent {
  \"\"\"user.created, user.updated or user.deleted\"\"\"
  type: String!
  userId: ID!
  occurredAt: String!
}

\"\"\"The body of POST /v1/users.\"\"\"
input CreateUserInput {
  username: String!
  email: String!
  password: String!
  firstName: String!
  lastName: String!
  phone: String
  role: Role
  isActive: Boolean
}

\"\"\"The body of PATCH /v1/users/{id}: only the fields given change.\"\"\"
input UpdateUserInput {
  username: String
  email: String
  firstName: String
  lastName: String
  phone: String
  role: Role
  isActive: Boolean
  \"\"\"Required when the user changes their own email.\"\"\"
  currentPassword: String
}
"""

ROLE = EnumType("Role", {role.name: role.value for role in Role})


@functools.cache
def executable_schema() -> GraphQLSchema:
    from usersvc.edge.graphql.resolvers import BINDABLES  # the resolvers import this module's names

    return make_executable_schema(TYPE_DEFS, ROLE, *BINDABLES, convert_names_case=True)


def printed_schema() -> str:
    return print_schema(executable_schema()) + "\n"


@functools.cache
def shipped_schema() -> bytes:
    return SCHEMA_FILE.read_bytes()
