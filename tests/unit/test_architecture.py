"""The layering stays true: domain imports no framework; the edge nothing from workers."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = {"sanic", "faststream", "tortoise", "redis", "aio_pika", "asyncpg", "aerich", "jwt"}


def imported_roots(package: str) -> set[str]:
    """Top-level packages a folder imports; `usersvc.X` counts as X (its layers live there)."""
    roots = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots.update(_root(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                roots.add(_root(node.module))
    return roots


def _root(module: str) -> str:
    parts = module.split(".")
    return parts[1] if parts[0] == "usersvc" and len(parts) > 1 else parts[0]


def test_domain_imports_no_framework():
    assert imported_roots("domain") & FRAMEWORKS == set()


def test_edge_imports_nothing_from_workers():
    assert "workers" not in imported_roots("edge")


def test_edge_never_touches_the_database_libraries():
    assert imported_roots("edge") & {"tortoise", "asyncpg", "aerich"} == set()


def _commands(base: type) -> set[type]:
    found = set()
    for sub in base.__subclasses__():
        found |= {sub} | _commands(sub)
    return found


def test_every_command_has_exactly_one_handler_of_the_one_shape():
    import inspect

    from usersvc.domain.commands import Command
    from usersvc.workers.app import HANDLERS
    from usersvc.workers.deps import WorkerDeps

    commands = {command for command in _commands(Command) if "ROUTING_KEY" in vars(command)}
    assert set(HANDLERS) == commands
    for command, handler in HANDLERS.items():
        parameters = list(inspect.signature(handler, eval_str=True).parameters.values())
        assert [parameter.name for parameter in parameters] == ["deps", "envelope"], handler
        assert parameters[0].annotation is WorkerDeps, handler
        assert parameters[1].annotation.model_fields["data"].annotation is command, handler
