"""Command handlers, one module per area; each lists its own in HANDLERS (workers/routing.py)."""
