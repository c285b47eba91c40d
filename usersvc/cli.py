"""The `usersvc` console script: migrate, edge, worker, run, create-admin, asyncapi."""

import argparse
import asyncio
import getpass
import json
import logging
import os
import signal
import subprocess
import sys

from pydantic import ValidationError

from usersvc.logs import configure_logging
from usersvc.settings import Settings

log = logging.getLogger("usersvc")


def migrate(settings: Settings, _: argparse.Namespace) -> None:
    from usersvc.workers.bootstrap import bootstrap_admin
    from usersvc.workers.db import apply_migrations, maintenance_url

    async def steps() -> None:
        await apply_migrations(settings.owner_database_url, runtime_url=settings.database_url)
        await bootstrap_admin(settings)

    owner_setting = "MIGRATION_DATABASE_URL" if settings.migration_database_url else "DATABASE_URL"
    require_reachable((owner_setting, "database", maintenance_url(settings.owner_database_url)))
    asyncio.run(steps())


def require_reachable(*targets: tuple[str, str, str]) -> None:
    """Stop with one line naming the setting of the first service that does not answer."""
    from usersvc.reachability import first_unreachable

    problem = asyncio.run(first_unreachable(list(targets)))
    if problem:
        sys.exit(f"usersvc: {problem}")


def edge(settings: Settings, _: argparse.Namespace) -> None:
    from usersvc.edge.app import create_app

    broker_setting = "EDGE_RABBITMQ_URL" if settings.edge_rabbitmq_url else "RABBITMQ_URL"
    require_reachable((broker_setting, "broker", settings.edge_broker_url), ("REDIS_URL", "cache", settings.redis_url))

    create_app(settings).run(host=settings.host, port=settings.port, single_process=True,
                             access_log=False, motd=False)


def worker(settings: Settings, _: argparse.Namespace) -> None:
    import uvloop

    from usersvc.workers.app import create_worker_app

    require_reachable(("DATABASE_URL", "database", settings.database_url),
                      ("RABBITMQ_URL", "broker", settings.rabbitmq_url), ("REDIS_URL", "cache", settings.redis_url))

    async def serve() -> None:
        await create_worker_app(settings).run()
        # The app has shut down gracefully. A stop signal that arrived while the broker was
        # still connecting leaves aio-pika's reconnect task behind; it survives cancellation,
        # so the event loop would never close (seen in tests): exit without waiting for it.
        logging.shutdown()
        os._exit(0)

    uvloop.run(serve())


def run(settings: Settings, args: argparse.Namespace) -> None:
    """Migrate, then the edge and N workers as child processes, stopped together."""
    migrate(settings, args)
    command = [sys.executable, "-m", "usersvc.cli"]
    workers = args.workers or settings.usersvc_workers
    names = [f"worker-{index + 1}" for index in range(workers)] + ["edge"]
    children = [subprocess.Popen([*command, name.split("-")[0]]) for name in names]
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("usersvc running on port %s with %s worker(s)", settings.port, workers)
    while all(child.poll() is None for child in children):
        try:
            children[-1].wait(timeout=1)
        except subprocess.TimeoutExpired:
            pass
    if not stopping:  # one child ended by itself: say which, then stop the rest
        for name, child in zip(names, children, strict=True):
            if child.poll() is not None:
                log.error("%s exited with code %s; stopping usersvc", name, child.returncode)
    stop()
    codes = [child.wait() for child in children]
    sys.exit(max(abs(code) for code in codes) if any(codes) else 0)


def create_admin(settings: Settings, args: argparse.Namespace) -> None:
    from usersvc.domain.errors import DomainError, field_errors_from_pydantic
    from usersvc.workers.bootstrap import create_admin as create

    password = os.environ.get("USERSVC_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    try:
        view = asyncio.run(create(settings, email=args.email, username=args.username, password=password,
                                  only_if_no_admin=False))
    except ValidationError as error:
        problems = "; ".join(f"{d.field}: {d.message}" for d in field_errors_from_pydantic(error.errors()))
        sys.exit(f"usersvc: create-admin refused: {problems}")
    except DomainError as error:
        sys.exit(f"usersvc: create-admin refused: {error.code}: {error.message}")
    print(json.dumps(view, indent=2))


def asyncapi(settings: Settings, _: argparse.Namespace) -> None:
    from faststream.specification import AsyncAPI

    from usersvc.workers.app import create_broker

    schema = AsyncAPI(create_broker(settings), title="usersvc commands", version="1.0.0",
                      description="Commands on usersvc.commands; replies {ok, data|error}; events on usersvc.events")
    print(schema.to_specification().to_json())


def load_settings() -> Settings:
    """Settings, or one clear line naming the bad setting and exit code 2 (docs/configuration.md)."""
    try:
        return Settings()
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            message = problem["msg"].removeprefix("Value error, ")
            field = ".".join(str(part) for part in problem["loc"]).upper()
            problems.append(f"{field}: {message}" if field else message)
        print(f"usersvc: configuration error: {'; '.join(problems)}", file=sys.stderr)
        sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="usersvc", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create the database if missing, apply migrations, bootstrap admin")
    sub.add_parser("edge", help="serve HTTP")
    sub.add_parser("worker", help="consume commands")
    run_parser = sub.add_parser("run", help="migrate, then edge and workers together")
    run_parser.add_argument("--workers", type=int, default=None, help="default: USERSVC_WORKERS (2)")
    admin_parser = sub.add_parser("create-admin", help="create an admin (password from USERSVC_ADMIN_PASSWORD or prompt)")
    admin_parser.add_argument("--email", required=True)
    admin_parser.add_argument("--username", default="admin")
    sub.add_parser("asyncapi", help="print the AsyncAPI document of the commands")
    args = parser.parse_args(argv)
    settings = load_settings()
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    handlers = {"migrate": migrate, "edge": edge, "worker": worker, "run": run,
                "create-admin": create_admin, "asyncapi": asyncapi}
    handlers[args.command](settings, args)


if __name__ == "__main__":
    main()
