"""The `usersvc` console script: migrate, edge, worker, run, create-admin, asyncapi, graphql-schema, import,
keys, clients."""

import argparse
import asyncio
import atexit
import contextlib
import getpass
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from functools import partial
from typing import TypedDict, cast

from pydantic import ValidationError

from usersvc.logs import configure_logging
from usersvc.settings import Settings

log = logging.getLogger("usersvc")


def migrate(settings: Settings, _: argparse.Namespace) -> None:
    from usersvc.workers.bootstrap import bootstrap_admin
    from usersvc.workers.db import apply_migrations, maintenance_url
    from usersvc.workers.key_admin import ensure_signing_key

    async def steps() -> None:
        await apply_migrations(settings.owner_database_url, runtime_url=settings.database_url)
        first_keys = await ensure_signing_key(settings)
        for key in first_keys.created:
            log.info("created signing key %s (%s)", key.kid, key.algorithm)
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


class ServeOptions(TypedDict):
    """What `usersvc edge` passes to Sanic's run/prepare, in either process model."""

    host: str
    port: int
    access_log: bool
    motd: bool


def edge(settings: Settings, _: argparse.Namespace) -> None:
    """`EDGE_PROCESSES` Sanic processes on one port: each builds its own app (its own broker
    connection and reply queue); rate limits and caches are shared through Redis."""
    broker_setting = "EDGE_RABBITMQ_URL" if settings.edge_rabbitmq_url else "RABBITMQ_URL"
    require_reachable((broker_setting, "broker", settings.edge_broker_url), ("REDIS_URL", "cache", settings.redis_url))
    processes = settings.edge_process_count
    if processes > 1:
        share_metrics_between_processes()  # before anything imports prometheus_client
    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    from usersvc.edge.app import create_app

    options: ServeOptions = {"host": settings.host, "port": settings.port, "access_log": False, "motd": False}
    if processes == 1:
        create_app(settings).run(single_process=True, **options)
        return
    loader = AppLoader(factory=partial(create_app, settings))
    primary = loader.load()
    primary.prepare(workers=processes, **options)
    Sanic.serve(primary=primary, app_loader=loader)


def share_metrics_between_processes() -> None:
    """prometheus-client's multiprocess mode: each process writes its samples to files in
    one fresh directory, and /metrics adds them up (edge/routes/ops.py)."""
    directory = tempfile.mkdtemp(prefix="usersvc-edge-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    atexit.register(shutil.rmtree, directory, ignore_errors=True)


def worker(settings: Settings, _: argparse.Namespace) -> None:
    import uvloop

    from usersvc.workers.app import create_worker_app
    from usersvc.workers.mail_render import MailTemplateError

    require_reachable(
        ("DATABASE_URL", "database", settings.database_url),
        ("RABBITMQ_URL", "broker", settings.rabbitmq_url),
        ("REDIS_URL", "cache", settings.redis_url),
    )

    async def serve() -> None:
        try:
            app = create_worker_app(settings)  # loads the mail templates; connects to nothing yet
        except MailTemplateError as error:  # a broken template: one line, before connecting
            sys.exit(f"usersvc: MAIL_TEMPLATES_DIR: {error}")
        try:
            await app.run()
        except Exception:
            # A start-up step that failed (a broker node lost meanwhile): the same reconnect
            # task as below would keep the process up without consuming, so say why and exit.
            log.exception("the worker stopped on an error")
            logging.shutdown()
            os._exit(1)
        # The app has shut down gracefully. A stop signal that arrived while the broker was
        # still connecting leaves aio-pika's reconnect task behind; it survives cancellation,
        # so the event loop would never close (seen in tests): exit without waiting for it.
        logging.shutdown()
        os._exit(0)

    uvloop.run(serve())


def _child_environment(settings: Settings, index: int) -> dict[str, str]:
    """Each worker of `usersvc run` serves its metrics on a port of its own."""
    if not settings.worker_metrics_port:
        return dict(os.environ)
    return {**os.environ, "WORKER_METRICS_PORT": str(settings.worker_metrics_port + index)}


def run(settings: Settings, args: argparse.Namespace) -> None:
    """Migrate, then the edge and N workers as child processes, stopped together."""
    migrate(settings, args)
    command = [sys.executable, "-m", "usersvc.cli"]
    workers = args.workers or settings.usersvc_workers
    names = [f"worker-{index + 1}" for index in range(workers)] + ["edge"]
    children = [
        subprocess.Popen([*command, name.split("-")[0]], env=_child_environment(settings, index))  # noqa: S603 (ourselves)
        for index, name in enumerate(names)
    ]
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
        with contextlib.suppress(subprocess.TimeoutExpired):
            children[-1].wait(timeout=1)
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
        view = asyncio.run(
            create(settings, email=args.email, username=args.username, password=password, only_if_no_admin=False)
        )
    except ValidationError as error:
        problems = "; ".join(f"{d.field}: {d.message}" for d in field_errors_from_pydantic(error.errors()))
        sys.exit(f"usersvc: create-admin refused: {problems}")
    except DomainError as error:
        sys.exit(f"usersvc: create-admin refused: {error.code}: {error.message}")
    print(json.dumps(view, indent=2))


def import_users(settings: Settings, args: argparse.Namespace) -> None:
    """Users from a JSON-lines file (one user per line, with `password_hash`); a progress bar on
    stderr, then the summary and one line per skipped or rejected input line on stdout.
    Exit code 1 when a line was rejected (skipped ones are what a re-run is for)."""
    from pathlib import Path

    from tqdm import tqdm

    from usersvc.workers.import_file import import_file, numbered_lines

    path = Path(args.file)
    if not path.is_file():
        sys.exit(f"usersvc: import: {path}: no such file")
    require_reachable(("DATABASE_URL", "database", settings.database_url), ("REDIS_URL", "cache", settings.redis_url))
    total = sum(1 for _ in numbered_lines(path))
    with tqdm(total=total, unit="line", desc="import", file=sys.stderr) as bar:
        summary = asyncio.run(import_file(settings, path, batch_size=args.batch_size, progress=bar.update))
    print(
        f"created {summary.created}, skipped {len(summary.skipped)} (existing email), rejected {len(summary.rejected)}"
    )
    outcomes = [(number, "skipped", reason) for number, reason in summary.skipped]
    outcomes += [(number, "rejected", reason) for number, reason in summary.rejected]
    for number, status, reason in sorted(outcomes):
        print(f"line {number}: {status}: {reason}")
    sys.exit(1 if summary.rejected else 0)


def keys(settings: Settings, args: argparse.Namespace) -> None:
    """Signing keys, changed as the schema owner (workers/key_admin.py)."""
    from usersvc.workers import key_admin
    from usersvc.workers.db import maintenance_url

    owner_setting = "MIGRATION_DATABASE_URL" if settings.migration_database_url else "DATABASE_URL"
    require_reachable((owner_setting, "database", maintenance_url(settings.owner_database_url)))
    if args.action == "list":
        print("\n".join(key_admin.key_table(asyncio.run(key_admin.list_keys(settings)))))
        return
    try:
        outcome = asyncio.run(
            key_admin.rotate(settings, algorithm=args.algorithm)
            if args.action == "rotate"
            else key_admin.revoke(settings, args.kid)
        )
    except key_admin.UnknownKey:
        sys.exit(f"usersvc: keys revoke: there is no signing key {args.kid}")
    except key_admin.NoSuchSigningKey as error:
        sys.exit(f"usersvc: keys rotate: {error}")
    if args.action == "revoke" and outcome.revoked is None:
        print(f"{args.kid} was revoked before; announced again")
    revoked = (outcome.revoked,) if outcome.revoked else ()
    for label, changes in (("revoked", revoked), ("retired", outcome.retired), ("signing", outcome.created)):
        for key in changes:
            print(f"{label}: {key.kid} ({key.algorithm})")
    confirmation = outcome.confirmation
    if confirmation is None:
        sys.exit(
            "usersvc: the change is committed, but RABBITMQ_URL did not answer, so no edge process was told: "
            "run the same command again once the broker is back"
        )
    print(f"confirmed by {confirmation.confirmed} of {confirmation.edges} edge process(es)")
    if not confirmation.complete:
        sys.exit(
            f"usersvc: the change is committed, but only {confirmation.confirmed} of {confirmation.edges} edge "
            "processes confirmed it within 5 s: run the same command again, and restart any edge that stays silent"
        )


def analytics(settings: Settings, args: argparse.Namespace) -> None:
    """`analytics rebuild`: the rollups recomputed from the audit trail (workers/repositories/analytics.py)."""
    from usersvc.workers.db import connected
    from usersvc.workers.repositories.analytics import rebuild

    require_reachable(("DATABASE_URL", "database", settings.database_url))

    async def run_rebuild() -> int:
        async with connected(settings.database_url):
            return await rebuild()

    print(f"analytics rebuilt from {asyncio.run(run_rebuild())} audit rows")


PROVIDER_OPTIONS = (
    ("--name", "name"),
    ("--issuer", "issuer"),
    ("--authorization-endpoint", "authorization_endpoint"),
    ("--token-endpoint", "token_endpoint"),
    ("--userinfo-endpoint", "userinfo_endpoint"),
    ("--client-id", "client_id"),
)


def _provider_fields(args: argparse.Namespace) -> dict:
    fields: dict = {name: getattr(args, name) for _, name in PROVIDER_OPTIONS if getattr(args, name) is not None}
    if args.scopes is not None:
        fields["scopes"] = args.scopes.split()
    if args.claim:
        fields["claims"] = {name: value or None for name, _, value in (item.partition("=") for item in args.claim)}
    for name in ("creates_accounts", "trusts_email_verified", "trusts_amr_second_factor", "enabled"):
        if getattr(args, name) is not None:
            fields[name] = getattr(args, name) == "yes"
    if args.client_secret_from_env:
        secret = os.environ.get("USERSVC_PROVIDER_CLIENT_SECRET")
        fields["client_secret"] = secret if secret else getpass.getpass("Client secret: ")
    return fields


def providers(settings: Settings, args: argparse.Namespace) -> None:
    """Identity providers (workers/provider_admin.py): list, show, add, update, remove."""
    from usersvc.domain.errors import DomainError, field_errors_from_pydantic
    from usersvc.domain.identity_providers import (
        CreateIdentityProvider,
        DeleteIdentityProvider,
        GetIdentityProvider,
        ListIdentityProviders,
        UpdateIdentityProvider,
    )
    from usersvc.workers import provider_admin

    require_reachable(("DATABASE_URL", "database", settings.database_url))
    try:
        if args.action == "list":
            command: provider_admin.Command = ListIdentityProviders()
        elif args.action == "show":
            command = GetIdentityProvider(slug=args.slug)
        elif args.action == "remove":
            command = DeleteIdentityProvider(slug=args.slug)
        elif args.action == "add":
            command = CreateIdentityProvider(slug=args.slug, kind=args.kind, **_provider_fields(args))
        else:
            command = UpdateIdentityProvider(slug=args.slug, **_provider_fields(args))
        outcome = asyncio.run(provider_admin.run(settings, command))
    except ValidationError as error:
        problems = "; ".join(f"{d.field}: {d.message}" for d in field_errors_from_pydantic(error.errors()))
        sys.exit(f"usersvc: providers {args.action} refused: {problems}")
    except DomainError as error:
        fields = "".join(f"; {detail.field}: {detail.message}" for detail in error.details)
        sys.exit(f"usersvc: providers {args.action} refused: {error.code}: {error.message}{fields}")
    if args.action == "list":
        for provider in outcome["data"]:
            print(f"{provider['slug']}\t{provider['kind']}\t{provider['name']}\t{provider['callback_url']}")
    elif args.action != "remove":
        print(json.dumps(outcome, indent=2))


def _provider_parsers(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("providers", help="identity providers to sign in with: list, show, add, update, remove")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="every provider, with the callback URL to register there")
    for name, help_text in (("show", "one provider"), ("remove", "remove a provider and its linked identities")):
        actions.add_parser(name, help=help_text).add_argument("slug")
    for name in ("add", "update"):
        action = actions.add_parser(name, help=f"{name} a provider (the client secret: --client-secret-from-env)")
        action.add_argument("slug")
        if name == "add":
            action.add_argument("--kind", choices=("oidc", "oauth2"), required=True)
        for option, _ in PROVIDER_OPTIONS:
            action.add_argument(option)
        action.add_argument("--scopes", help="space-separated")
        action.add_argument("--claim", action="append", help="FIELD=CLAIM, e.g. subject=id (repeat); FIELD= for none")
        for option in ("--creates-accounts", "--trusts-email-verified", "--enabled"):
            action.add_argument(option, choices=("yes", "no"))
        action.add_argument(
            "--trusts-amr-second-factor",
            choices=("yes", "no"),
            help="oidc: a second factor in the ID token's amr stands for the TOTP step of an account with MFA",
        )
        action.add_argument(
            "--client-secret-from-env",
            action="store_true",
            help="the client secret from USERSVC_PROVIDER_CLIENT_SECRET (else a prompt)",
        )


def clients(settings: Settings, args: argparse.Namespace) -> None:
    """OAuth clients, changed through the oauth_client.* commands' own work (workers/client_admin.py)."""
    from usersvc.domain.commands import CreateOAuthClient
    from usersvc.domain.errors import DomainError, field_errors_from_pydantic
    from usersvc.workers import client_admin

    require_reachable(("DATABASE_URL", "database", settings.database_url), ("REDIS_URL", "cache", settings.redis_url))
    try:
        if args.action == "create":
            given = {
                "name": args.name,
                "type": args.type,
                "first_party": args.first_party,
                "redirect_uris": args.redirect_uri,
                "post_logout_redirect_uris": args.post_logout_redirect_uri,
                "grant_types": args.grant_type,
                "scopes": args.scope,
            }
            command = CreateOAuthClient(**{name: value for name, value in given.items() if value is not None})
            print(json.dumps(asyncio.run(client_admin.create_client(settings, command)), indent=2))
        elif args.action == "list":
            print(json.dumps(asyncio.run(client_admin.list_clients(settings)), indent=2))
        elif args.action == "rotate-secret":
            print(json.dumps(asyncio.run(client_admin.rotate_secret(settings, args.client_id)), indent=2))
        else:
            asyncio.run(client_admin.delete(settings, args.client_id))
            print(f"deleted {args.client_id}")
    except ValidationError as error:
        problems = "; ".join(f"{d.field}: {d.message}" for d in field_errors_from_pydantic(error.errors()))
        sys.exit(f"usersvc: clients {args.action} refused: {problems}")
    except DomainError as error:
        problems = "; ".join(f"{d.field}: {d.message}" for d in error.details)
        sys.exit(f"usersvc: clients {args.action} refused: {error.code}: {problems or error.message}")


def _clients_parser(sub: argparse._SubParsersAction) -> None:
    clients_parser = sub.add_parser("clients", help="OpenID Connect clients: create, list, delete, rotate-secret")
    actions = clients_parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="register a client; prints it as JSON, with its secret (shown once)")
    create.add_argument("--name", required=True)
    create.add_argument("--type", choices=("confidential", "public"), default="confidential")
    create.add_argument("--first-party", action="store_true", default=None, help="no consent page")
    repeatable = {
        "--redirect-uri": "a redirect URI (repeat for more)",
        "--post-logout-redirect-uri": "a post-logout redirect URI (repeat for more)",
        "--grant-type": "authorization_code, refresh_token or client_credentials (repeat; default the first two)",
        "--scope": "a scope the client may ask for (repeat; default openid profile email offline_access)",
    }
    for option, help_text in repeatable.items():
        create.add_argument(option, action="append", default=None, help=help_text)
    actions.add_parser("list", help="every live client as JSON, newest first")
    # A client id is base64url and may start with "-": put -- before it then.
    for action, help_text in (
        ("delete", "delete a client: its grants end at once"),
        ("rotate-secret", "a new secret (printed once); the old one stops working"),
    ):
        target = actions.add_parser(action, help=help_text)
        target.add_argument("client_id", help="the client's id (put -- before one that starts with -)")


def asyncapi(settings: Settings, _: argparse.Namespace) -> None:
    from faststream.rabbit import RabbitBroker
    from faststream.specification import AsyncAPI

    from usersvc.workers.app import create_worker_app

    schema = AsyncAPI(
        cast(RabbitBroker, create_worker_app(settings).broker),  # FastStream(broker) keeps it
        title="usersvc commands",
        version="1.0.0",
        description="Commands on usersvc.commands; replies {ok, data|error}; events on usersvc.events",
    )
    print(schema.to_specification().to_json())


def graphql_schema(settings: Settings, _: argparse.Namespace) -> None:
    from usersvc.edge.graphql.schema import printed_schema

    print(printed_schema(), end="")


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
    admin_parser = sub.add_parser(
        "create-admin", help="create an admin (password from USERSVC_ADMIN_PASSWORD or prompt)"
    )
    admin_parser.add_argument("--email", required=True)
    admin_parser.add_argument("--username", default="admin")
    sub.add_parser("asyncapi", help="print the AsyncAPI document of the commands")
    sub.add_parser("graphql-schema", help="print the GraphQL schema (usersvc/schema.graphql)")
    import_parser = sub.add_parser("import", help="create users from a JSON-lines file with their password hashes")
    import_parser.add_argument("file", help="one JSON object per line (see the README, Import)")
    import_parser.add_argument("--batch-size", type=int, default=200, help="users per transaction (1-1000)")
    keys_parser = sub.add_parser("keys", help="signing keys of access and ID tokens: rotate, revoke KID, list")
    key_actions = keys_parser.add_subparsers(dest="action", required=True)
    rotate_parser = key_actions.add_parser(
        "rotate", help="new keys sign from now on; the old ones verify until their tokens expire"
    )
    rotate_parser.add_argument(
        "--algorithm",
        choices=("EdDSA", "ES256", "RS256"),
        help="rotate only the current key of this algorithm (RS256: the ID tokens' key); default: every current key",
    )
    revoke_parser = key_actions.add_parser("revoke", help="refuse every token of this key at once")
    # A kid is base64url and may start with "-": `usersvc keys revoke -- KID` then.
    revoke_parser.add_argument("kid", help="the key's id (put -- before one that starts with -)")
    key_actions.add_parser("list", help="every key and its state")
    _provider_parsers(sub)
    _clients_parser(sub)
    analytics_parser = sub.add_parser("analytics", help="usage figures: rebuild them from the audit trail")
    analytics_parser.add_subparsers(dest="action", required=True).add_parser(
        "rebuild", help="recompute the daily figures from the whole audit trail (safe while the service runs)"
    )
    sub.add_parser("broker-access", help="broker users and permissions: apply, apply-env, definitions, show")
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["broker-access"]:
        # Its own parser, and no settings: run where the broker is, before usersvc is configured.
        from usersvc import broker_access

        broker_access.main(arguments[1:], prog="usersvc broker-access")
        return
    args = parser.parse_args(argv)
    settings = load_settings()
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    handlers = {
        "migrate": migrate,
        "edge": edge,
        "worker": worker,
        "run": run,
        "create-admin": create_admin,
        "asyncapi": asyncapi,
        "graphql-schema": graphql_schema,
        "import": import_users,
        "keys": keys,
        "providers": providers,
        "clients": clients,
        "analytics": analytics,
    }
    handlers[args.command](settings, args)


if __name__ == "__main__":
    main()
