"""The layering stays true: domain imports no framework; the edge nothing from workers; no
route module imports another, nor any command handler module another; only the repositories,
the unit of work and the database set-up speak to the database."""

import ast
import re
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


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def test_no_route_module_imports_another():
    """Routes share their steps through edge/route_steps.py and the modules it names."""
    for path in (ROOT / "edge" / "routes").glob("*.py"):
        routes = {module for module in _imported_modules(path) if module.startswith("usersvc.edge.routes.")}
        assert routes == set(), f"{path.name} imports {routes}"


def test_routes_admit_and_send_only_through_route_steps():
    """One way to admit a request and one to send its command: no route calls the gate's
    admission or the RPC client itself."""
    for path in (ROOT / "edge" / "routes").glob("*.py"):
        text = path.read_text()
        for call in ("gate.admit(", "gate.admit_page(", "gate.limit_anonymous(", "rpc.call(", "rpc.send("):
            if path.name == "ops.py" and call == "rpc.call(":
                continue  # the readiness probe pings the workers with its own short timeout
            assert call not in text, f"{path.name} calls {call}"


def test_no_command_handler_imports_another():
    """What handlers share lives in workers/repositories/ (or the domain), so each handler
    module reads on its own."""
    for path in (ROOT / "workers" / "handlers").glob("*.py"):
        handlers = {module for module in _imported_modules(path) if module.startswith("usersvc.workers.handlers")}
        assert handlers == set(), f"{path.name} imports {handlers}"


# Where the database is spoken to: the repositories (workers/repositories/), the unit of work
# that holds the transaction, the models, and setting up the database (pool, roles, start-up
# checks, migrations). Everything else (handlers, their shared steps, the relays) goes through them.
DATABASE_MODULES = {
    "workers/unit_of_work.py",
    "workers/models.py",
    "workers/db.py",
    "workers/db_roles.py",
    "workers/db_role_guard.py",
    "usersvc/reachability.py",  # at start: does each backing service answer at all
}
DATABASE_LIBRARIES = {"tortoise", "asyncpg"}


def _may_speak_to_the_database(path: Path) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return relative in DATABASE_MODULES or relative.startswith(("workers/repositories/", "migrations/"))


def _python_files() -> list[Path]:
    return [path for folder in ("workers", "usersvc", "edge", "domain") for path in (ROOT / folder).rglob("*.py")]


def test_only_repositories_and_the_database_set_up_import_the_database_libraries():
    for path in _python_files():
        if _may_speak_to_the_database(path):
            continue
        roots = {module.split(".")[0] for module in _imported_modules(path)}
        assert roots & DATABASE_LIBRARIES == set(), f"{path.relative_to(ROOT)} imports {roots & DATABASE_LIBRARIES}"


def test_no_query_is_built_outside_the_repositories():
    """The ORM's query methods and raw SQL calls, by name: a handler holding a model class
    could still build a query without importing Tortoise."""
    calls = (".filter(", ".using_db(", ".select_for_update(", "execute_query", ".bulk_create(", "in_transaction(")
    for path in _python_files():
        if _may_speak_to_the_database(path):
            continue
        text = path.read_text()
        for call in calls:
            assert call not in text, f"{path.relative_to(ROOT)} calls {call}"


def test_handlers_write_through_the_unit_of_work_only():
    """One way to write: through the unit of work's repositories (`uow.users.save(…)`) and its
    commit; no handler keeps the callback runner or saves, creates or deletes a model itself."""
    model_write = re.compile(r"(?<![\w.])\w+\.(save|create|delete|update|bulk_create)\(")
    for path in (ROOT / "workers" / "handlers").glob("*.py"):
        text = path.read_text()
        assert "execute_write" not in text and "execute_query" not in text, path.name
        assert model_write.search(text) is None, f"{path.name}: {model_write.search(text)}"
