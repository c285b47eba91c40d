"""The layering stays true: domain imports no framework; the edge nothing from workers; no
route module imports another, nor any command handler module another."""

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
