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

from usersvc.logs import configure_logging
from usersvc.settings import Settings

log = logging.getLogger("usersvc")


def migrate(settings: Settings, _: argparse.Namespace) -> None:
    from workers.bootstrap import bootstrap_admin
    from workers.db import apply_migrations

    async def steps() -> None:
        await apply_migrations(settings.database_url)
        await bootstrap_admin(settings)

    asyncio.run(steps())


def edge(settings: Settings, _: argparse.Namespace) -> None:
    from edge.app import create_app

    create_app(settings).run(host=settings.host, port=settings.port, single_process=True,
                             access_log=False, motd=False)


def worker(settings: Settings, _: argparse.Namespace) -> None:
    import uvloop

    from workers.app import create_worker_app

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
    from workers.bootstrap import create_admin as create

    password = os.environ.get("USERSVC_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    view = asyncio.run(create(settings, email=args.email, username=args.username, password=password,
                              only_if_no_admin=False))
    print(json.dumps(view, indent=2))


def asyncapi(settings: Settings, _: argparse.Namespace) -> None:
    from faststream.specification import AsyncAPI

    from workers.app import create_broker

    schema = AsyncAPI(create_broker(settings), title="usersvc commands", version="1.0.0",
                      description="Commands on usersvc.commands; replies {ok, data|error}; events on usersvc.events")
    print(schema.to_specification().to_json())


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
    settings = Settings()
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    handlers = {"migrate": migrate, "edge": edge, "worker": worker, "run": run,
                "create-admin": create_admin, "asyncapi": asyncapi}
    handlers[args.command](settings, args)


if __name__ == "__main__":
    main()
