"""A broker URL listing several nodes (docs/operations.md, "RabbitMQ cluster"): the edge and
the workers start past a node that does not answer, and move to the next node, without a
restart, when theirs is lost. One local RabbitMQ stands in for the cluster; the lost node is a
TCP forwarder in front of it that is killed mid-run.

The stack's own workers are stopped meanwhile, so every answer comes from the worker under test.
"""

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest

from tests.support import Api, free_port, new_user_body, wait_ready

BROKER = "127.0.0.1:5672"


class LosableNode:
    """Forwards TCP connections to the broker; kill() resets them all and stops listening.
    With `kill_on`, it kills itself when a client sends those bytes (a queue or exchange name);
    `silent` makes that kill a node that stops answering without closing anything."""

    def __init__(self, *, kill_on: bytes | None = None, silent: bool = False) -> None:
        self.port = free_port()
        self.open_connections = 0
        self.kill_on = kill_on
        self.silent = silent
        self.killed_at: float | None = None
        self._loop = asyncio.new_event_loop()
        self._transports: set[asyncio.BaseTransport] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=5)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", self.port)

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = BROKER.split(":")
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        self._transports |= {writer.transport, up_writer.transport}
        self.open_connections += 1
        try:
            await asyncio.gather(
                _pipe(reader, up_writer, watch=self._watch),
                _pipe(up_reader, writer, watch=self._answers),
                return_exceptions=True,
            )
        finally:
            self.open_connections -= 1

    def _watch(self, data: bytes) -> bool | None:
        """In the loop: what to do with the client's `data` (see _pipe). Once the client has
        sent `kill_on`, the node is killed, or, when silent, nothing is passed on any more."""
        if self.kill_on is not None and self.kill_on in data and self.killed_at is None:
            self.killed_at = time.monotonic()
            if not self.silent:
                self._kill_now()
                return False
        return self._answers(data)

    def _answers(self, data: bytes) -> bool | None:
        return None if self.silent and self.killed_at is not None else True

    def _kill_now(self) -> None:
        if self.killed_at is None:
            self.killed_at = time.monotonic()
        self._server.close()
        for transport in self._transports:
            transport.abort()

    def kill(self) -> None:
        """Like a node that dies: connections reset, new ones refused."""
        self._loop.call_soon_threadsafe(self._kill_now)
        time.sleep(0.2)

    def close(self) -> None:
        self.kill()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, watch: Callable[[bytes], bool | None]
) -> None:
    """Copies until the end, or until `watch(data)` says False; its None drops that data."""
    try:
        while (data := await reader.read(65536)) and (verdict := watch(data)) is not False:
            if verdict:
                writer.write(data)
                await writer.drain()
    finally:
        writer.close()


def _listing(url: str, *nodes: str) -> str:
    """The stack's single-node URL, with the broker's address replaced by `nodes`."""
    assert BROKER in url
    return url.replace(BROKER, ",".join(nodes), 1)


@pytest.fixture(scope="module")
def without_stack_workers(stack):
    for name in ("worker-1", "worker-2"):
        stack.stop(name)
    yield
    stack.spawn("worker-1", "worker")
    stack.spawn("worker-2", "worker")
    wait_ready(stack.base_url)


def _start(stack, nodes: tuple[str, ...]) -> str:
    """A worker and an edge whose broker URLs list `nodes`; the edge's base URL."""
    port = free_port()
    stack.spawn("worker-nodes", "worker", RABBITMQ_URL=_listing(stack.broker_urls["worker"], *nodes))
    stack.spawn("edge-nodes", "edge", PORT=str(port), EDGE_RABBITMQ_URL=_listing(stack.broker_urls["edge"], *nodes))
    base_url = f"http://127.0.0.1:{port}"
    wait_ready(base_url)  # needs the broker and a worker: ours is the only one
    return base_url


def _stop(stack) -> None:
    for name in ("edge-nodes", "worker-nodes"):
        if name in stack.processes:
            stack.stop(name)


def _create_user(api: Api) -> None:
    body = new_user_body()
    created = api.post("/v1/users", json=body)
    assert created.status_code == 201, created.text
    assert api.get(f"/v1/users/{created.json()['id']}").json()["username"] == body["username"]


def test_a_node_that_does_not_answer_is_skipped_at_start(stack, admin, without_stack_workers):
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    try:
        base_url = _start(stack, (dead, BROKER))
        _create_user(Api(base_url, admin.token))
        for name in ("worker-nodes", "edge-nodes"):
            log = stack.log_text(name)
            assert f"broker node {dead} did not answer" in log, name
            assert f"connected to broker node {BROKER}" in log, name
    finally:
        _stop(stack)


def test_a_lost_node_is_replaced_by_the_next_one_without_a_restart(stack, admin, without_stack_workers):
    node = LosableNode()
    node.start()
    try:
        base_url = _start(stack, (f"127.0.0.1:{node.port}", BROKER))
        api = Api(base_url, admin.token)
        deadline = time.monotonic() + 10
        while node.open_connections != 2 and time.monotonic() < deadline:  # start-up checks close theirs
            time.sleep(0.1)
        assert node.open_connections == 2  # the edge's and the worker's: both on the first node
        # The node is lost while running, not during the worker's start-up hooks (see the note
        # on start-up in docs/operations.md).
        while "started successfully" not in stack.log_text("worker-nodes") and time.monotonic() < deadline:
            time.sleep(0.1)
        _create_user(api)
        processes = {name: stack.processes[name] for name in ("worker-nodes", "edge-nodes")}

        node.kill()
        deadline = time.monotonic() + 30
        while api.post("/v1/users", json=new_user_body()).status_code != 201 and time.monotonic() < deadline:
            time.sleep(0.3)
        _create_user(api)  # through the edge, answered by the worker: both on the other node now
        assert all(process.poll() is None for process in processes.values())  # never restarted
        assert node.open_connections == 0
        for name in processes:
            assert f"connected to broker node {BROKER}" in stack.log_text(name), name
    finally:
        _stop(stack)
        node.close()


@pytest.mark.parametrize("loss", ["reset", "silent"])
def test_a_worker_that_loses_its_node_while_starting_finishes_starting_or_exits(
    stack, admin, without_stack_workers, loss
):
    # Lost when the worker declares the events exchange: after its queues, before "started".
    # A silent node left that declaration waiting: the worker stayed up, not consuming.
    node = LosableNode(kill_on=b"usersvc.events", silent=loss == "silent")
    node.start()
    start_timeout = 10
    try:
        worker = stack.spawn(
            "worker-nodes",
            "worker",
            RABBITMQ_URL=_listing(stack.broker_urls["worker"], f"127.0.0.1:{node.port}", BROKER),
            WORKER_START_TIMEOUT_SECONDS=str(start_timeout),
        )
        deadline = time.monotonic() + 60
        while node.killed_at is None and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert node.killed_at is not None, stack.log_text("worker-nodes")
        assert "started successfully" not in stack.log_text("worker-nodes")

        deadline = node.killed_at + start_timeout + 15
        while worker.poll() is None and time.monotonic() < deadline:
            if "started successfully" in stack.log_text("worker-nodes"):
                break
            time.sleep(0.2)
        log = stack.log_text("worker-nodes")
        if worker.poll() is not None:  # it gave up: a supervisor starts it afresh
            assert worker.returncode == 1, log
            assert "did not finish starting" in log or "stopped on an error" in log, log
        else:  # it finished starting on the other node, and consumes: it is the only worker
            assert "started successfully" in log, log
            _create_user(admin)
    finally:
        _stop(stack)
        node.close()


@pytest.mark.parametrize("command", ["worker", "edge"])
def test_when_no_node_answers_the_process_stops_with_one_line_naming_each(tmp_path, command):
    first, second = free_port(), free_port()  # nothing listens on either
    url = f"amqp://guest:secret@127.0.0.1:{first},127.0.0.1:{second}/"
    environment = {
        "PATH": "/usr/bin:/bin",
        "ENVIRONMENT": "development",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "RABBITMQ_URL": url,
    }
    result = subprocess.run(
        [sys.executable, "-m", "usersvc.cli", command], cwd=tmp_path, env=environment, capture_output=True, text=True
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        f"usersvc: RABBITMQ_URL: cannot connect to the broker at amqp://guest:***@127.0.0.1:{first},127.0.0.1:{second}/"
        f" (no broker node answered (127.0.0.1:{first}: "
    ), lines[0]
    assert f"; 127.0.0.1:{second}: " in lines[0]
