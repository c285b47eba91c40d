"""RabbitMQ users and their least-privilege permissions (docs/api.md, "Bus"), in one table.

RabbitMQ grants three regular expressions per user and vhost: configure (declare, delete),
write (publish to an exchange; bind *to* a queue) and read (consume a queue; bind *from* an
exchange). Binding a queue to `usersvc.commands` needs read on that exchange, which no one
but the workers has, so no calling service can see another publisher's commands. Replies
travel through the default exchange (`amq.default`), where only the workers may write, so
no one can forge a reply either.

Used three ways, so the rules exist once (`usersvc broker-access …` is the same command for
operators; scripts/services calls the module before the virtualenv exists):
    python -m usersvc.broker_access apply --vhost V edge=NAME:PASSWORD worker=… service=…
        creates or updates the users on a local broker with rabbitmqctl (scripts/services,
        tests); `--rabbitmqctl 'scripts/rabbitmq-cluster ctl DIR 1'` does it on a test cluster;
    python -m usersvc.broker_access definitions --vhost V edge=NAME:PASSWORD …
        prints a RabbitMQ definitions file (deploy/rabbitmq/definitions.json for compose);
    python -m usersvc.broker_access apply-env .env
        does `apply` for the users in RABBITMQ_URL (worker) and EDGE_RABBITMQ_URL (edge) of
        a .env file, on the vhost in their path (scripts/services, for `scripts/serve`);
    python -m usersvc.broker_access show KIND NAME
        prints the three regexes, for operators who add a service by hand.

Standard library only: scripts/services runs it before the virtualenv exists.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Permissions:
    configure: str
    write: str
    read: str


# Queues the broker names itself when a client declares one without a name: always the
# declaring connection's own (exclusive), whoever it is.
SERVER_NAMED_QUEUES = r"amq\.gen-.+"
# The edge process's exclusive reply queue (edge/bus.py).
EDGE_REPLY_QUEUES = r"usersvc\.edge\.replies\..+"
# Name spaces of usersvc's own queues and exchanges and of the broker's: a service named so
# that its own space (`<name>.…`) reached into one would be granted them.
RESERVED_PREFIXES = ("usersvc.", "amq.")


def own_queues(kind: str, user: str) -> str:
    """The queues a broker user owns, as a regex: what its permissions let it declare and read,
    and where the workers send its replies (workers/identity.py). `kind` is edge or service."""
    if kind == "edge":
        return EDGE_REPLY_QUEUES
    if kind == "service":
        if f"{user}.".startswith(RESERVED_PREFIXES):
            raise ValueError(f"a service may not be named {user!r}: its queues would be usersvc's or the broker's")
        return rf"({SERVER_NAMED_QUEUES}|{re.escape(user)}\..+)"
    raise ValueError(f"kind {kind!r} owns no reply queues: edge or service")


def permissions(kind: str, user: str) -> Permissions:
    """`kind` is edge, worker or service; `user` the broker user name."""
    if kind == "edge":
        # Its exclusive reply and key-set queues, the presence queue every edge process
        # consumes, the commands exchange (declared, never read), and the key-set exchanges:
        # it binds its key queue to usersvc.key-set (read) and confirms on the acks one (write).
        # usersvc.edge.events.*: a process's queue of user events for GraphQL subscriptions,
        # bound to usersvc.events (binding from an exchange needs read on it).
        own = rf"{own_queues(kind, user)}|usersvc\.edge\.keys\..+|usersvc\.edge\.presence|usersvc\.edge\.events\..+"
        return Permissions(
            configure=rf"^(usersvc\.commands|usersvc\.key-set|usersvc\.key-set\.acks|{own})$",
            write=rf"^(usersvc\.commands|usersvc\.key-set\.acks|{own})$",
            read=rf"^(usersvc\.key-set|usersvc\.events|{own})$",
        )
    if kind == "worker":
        # Everything of usersvc's but the edge's reply queues; replies via the default exchange.
        own = r"usersvc\.(?!edge\.).+"
        return Permissions(configure=rf"^{own}$", write=rf"^({own}|amq\.default)$", read=rf"^{own}$")
    if kind == "service":
        # Its own queues (server-named, or named after the user) for replies and events.
        own = own_queues(kind, user)
        return Permissions(
            configure=rf"^{own}$", write=rf"^(usersvc\.commands|{own})$", read=rf"^(usersvc\.events|{own})$"
        )
    raise ValueError(f"unknown kind {kind!r}: edge, worker or service")


def _account(text: str) -> tuple[str, str, str]:
    kind, _, credentials = text.partition("=")
    name, _, password = credentials.partition(":")
    if not (kind and name and password):
        raise argparse.ArgumentTypeError(f"expected KIND=NAME:PASSWORD, got {text!r}")
    permissions(kind, name)  # validates the kind
    return kind, name, password


LOCAL_RABBITMQCTL = ("rabbitmqctl",)  # from PATH, as the broker's package installs it


def _rabbitmqctl(
    rabbitmqctl: Sequence[str], *args: str, password: str | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    """Arguments are a list, no shell. A password goes on standard input, never on the command
    line: there a generated one that begins with `-` is read as an option, and any one is
    visible to every local user (ps)."""
    return subprocess.run(  # noqa: S603
        [*rabbitmqctl, "-q", *args], input=password, check=check, capture_output=True, text=True, timeout=60
    )


def apply(vhost: str, accounts: list[tuple[str, str, str]], *, rabbitmqctl: Sequence[str] = LOCAL_RABBITMQCTL) -> None:
    """Create (or update) each user on the broker and set its permissions on `vhost`.
    `rabbitmqctl` is the command to run, e.g. one that names another node and its cookie.
    `--` ends the options before every name and rule, so none is read as one."""
    _rabbitmqctl(rabbitmqctl, "add_vhost", "--", vhost, check=False)  # fails harmlessly when it exists
    for kind, name, password in accounts:
        rules = permissions(kind, name)  # a name no user may have is refused before any change
        if _rabbitmqctl(rabbitmqctl, "add_user", "--", name, password=password, check=False).returncode != 0:
            _rabbitmqctl(rabbitmqctl, "change_password", "--", name, password=password)
        _rabbitmqctl(rabbitmqctl, "set_user_tags", "--", name)  # no tags: never `impersonator` or `administrator`
        _rabbitmqctl(rabbitmqctl, "set_permissions", "-p", vhost, "--", name, rules.configure, rules.write, rules.read)


def accounts_in_env_file(path: Path) -> tuple[str, list[tuple[str, str, str]]]:
    """(vhost, accounts) from the broker URLs of a .env file; guest URLs are skipped."""
    values = dict(
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )
    vhost, accounts = "/", []
    for kind, name in (("worker", "RABBITMQ_URL"), ("edge", "EDGE_RABBITMQ_URL")):
        url = urlsplit(values.get(name, "").strip())
        if url.username and url.password and url.username != "guest":
            vhost = unquote(url.path.lstrip("/")) or "/"
            accounts.append((kind, unquote(url.username), unquote(url.password)))
    return vhost, accounts


def password_hash(password: str, *, salt: bytes | None = None) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password))."""
    salt = salt if salt is not None else os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def definitions(vhost: str, accounts: list[tuple[str, str, str]]) -> dict:
    users, grants = [], []
    for kind, name, password in accounts:
        users.append(
            {
                "name": name,
                "password_hash": password_hash(password),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": [],
            }
        )
        rules = permissions(kind, name)
        grants.append(
            {"user": name, "vhost": vhost, "configure": rules.configure, "write": rules.write, "read": rules.read}
        )
    return {"users": users, "vhosts": [{"name": vhost}], "permissions": grants}


def main(argv: list[str] | None = None, *, prog: str = "python -m usersvc.broker_access") -> None:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="action", required=True)
    for action in ("apply", "definitions"):
        command = sub.add_parser(action)
        command.add_argument("--vhost", required=True)
        if action == "apply":
            command.add_argument(
                "--rabbitmqctl",
                type=shlex.split,
                default=LOCAL_RABBITMQCTL,
                help="the rabbitmqctl command to run, e.g. 'scripts/rabbitmq-cluster ctl DIR 1' (default: rabbitmqctl)",
            )
        command.add_argument("accounts", nargs="+", type=_account, metavar="KIND=NAME:PASSWORD")
    from_env = sub.add_parser("apply-env")
    from_env.add_argument("env_file", type=Path)
    show = sub.add_parser("show")
    show.add_argument("kind", choices=("edge", "worker", "service"))
    show.add_argument("name")
    args = parser.parse_args(argv)
    try:
        _run(args)
    except subprocess.CalledProcessError as error:
        said = (error.stderr or "").strip().splitlines()
        sys.exit(
            f"broker_access: rabbitmqctl {error.cmd[2]} failed (exit {error.returncode}: "
            f"{said[-1] if said else 'no message'}); check that RabbitMQ runs and that this user may "
            "run rabbitmqctl (root or rabbitmq), then run this again"
        )
    except subprocess.TimeoutExpired as error:
        sys.exit(f"broker_access: rabbitmqctl {error.cmd[2]} got no answer in time; check that RabbitMQ runs")
    except FileNotFoundError:
        sys.exit("broker_access: rabbitmqctl is not on PATH; install RabbitMQ's package or add its sbin folder")
    except ValueError as error:
        sys.exit(f"broker_access: {error}")


def _run(args: argparse.Namespace) -> None:
    if args.action == "apply":
        apply(args.vhost, args.accounts, rabbitmqctl=args.rabbitmqctl)
    elif args.action == "apply-env":
        vhost, accounts = accounts_in_env_file(args.env_file)
        if accounts:
            apply(vhost, accounts)
            print(f"broker users {', '.join(name for _, name, _ in accounts)} ready on vhost {vhost}")
    elif args.action == "definitions":
        json.dump(definitions(args.vhost, args.accounts), sys.stdout, indent=2)
        print()
    else:
        rules = permissions(args.kind, args.name)
        print(f"configure: {rules.configure}\nwrite:     {rules.write}\nread:      {rules.read}")


if __name__ == "__main__":
    main()
