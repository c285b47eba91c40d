"""GraphQL at /graphql (docs/graphql.md): the same users, sessions and audit trail as the REST
API, through the same admission, roles, cache and bus commands.

`schema.py` the schema (SDL, schema-first with Ariadne) and its printed form; `limits.py`
depth, cost and what a document reads from the cache; `loaders.py` batching of per-user
reads; `resolvers.py` what each field does (the REST routes' steps); `plans.py` what a
document's requests share, and objects completed by plan; `direct.py` `me`, `user(id)` and
`users` answered without the executor; `view.py` the HTTP routes; `subscriptions.py`
`userEvents` over graphql-transport-ws.
"""
