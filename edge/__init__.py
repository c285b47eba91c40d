"""The Sanic edge: HTTP in, command out, reply back. Never opens a database connection."""
