"""Nodes of a real 3-node RabbitMQ cluster killed (kill -9) under a steady write load: the
node the workers are connected to, then, once it is back, the node that leads the command
queue under load. One node at a time: a quorum queue needs two of its three members."""

import os
import re
import socket
import subprocess
import time
from collections import Counter
from urllib.parse import unquote, urlsplit

from tests.rabbitmq_cluster.conftest import SCRIPT
from tests.rabbitmq_cluster.faults import QUIET_SECONDS, Timeline, broker_node_port, check_and_report, wait_for_recovery
from tests.rabbitmq_cluster.load import WriteLoad
from tests.support import new_user_body
from usersvc.topology import command_queue_name


def kill_and_restart(cluster, load: WriteLoad, timeline: Timeline, number: int, role: str) -> None:
    fault = timeline.fault(f"node {number} ({role}) killed")
    cluster.kill(number)
    wait_for_recovery(load, fault)
    cluster.restart(number)
    fault.ended = time.monotonic()


def test_the_command_queues_are_quorum_queues_with_leaders_spread_over_the_nodes(stack, rabbitmq_cluster):
    vhost = unquote(urlsplit(stack.env["RABBITMQ_URL"]).path.lstrip("/"))
    leaders = rabbitmq_cluster.leaders(vhost, via=1)
    assert command_queue_name("user.update") in leaders
    print(
        f"quorum queues led by node: {sorted(Counter(map(rabbitmq_cluster.number_of_name, leaders.values())).items())}"
    )
    # queue_leader_locator = balanced (scripts/rabbitmq-cluster): each node leads some.
    assert set(map(rabbitmq_cluster.number_of_name, leaders.values())) == {1, 2, 3}, leaders


def test_killed_nodes_lose_no_acknowledged_write_and_the_service_recovers(stack, admin, rabbitmq_cluster):
    vhost = unquote(urlsplit(stack.env["RABBITMQ_URL"]).path.lstrip("/"))
    me = admin.get("/v1/auth/me").json()["id"]
    user_ids = [admin.post("/v1/users", json=new_user_body()).json()["id"] for _ in range(8)]
    processes = {name: process.pid for name, process in stack.processes.items()}
    timeline = Timeline()
    load = WriteLoad(stack.base_url, admin.token, user_ids)
    with load:
        time.sleep(QUIET_SECONDS)
        # 1. The node the worker is connected to (the edge and the other worker too, as a rule:
        # they all start with the first node listed).
        worker_node = rabbitmq_cluster.number_of(port=broker_node_port(stack.log_text("faults-worker-1")))
        kill_and_restart(rabbitmq_cluster, load, timeline, worker_node, "worker-1's")
        time.sleep(QUIET_SECONDS)
        # 2. The node that leads the queue of the commands under load, once all three run again.
        leader = rabbitmq_cluster.number_of(
            name=rabbitmq_cluster.leaders(vhost, via=worker_node)[command_queue_name("user.update")]
        )
        kill_and_restart(rabbitmq_cluster, load, timeline, leader, f"leader of {command_queue_name('user.update')}")
        time.sleep(QUIET_SECONDS)
    check_and_report(stack, load, timeline, me, "RabbitMQ nodes killed")
    # Recovered without a restart: the same processes, all running.
    assert {name: process.pid for name, process in stack.processes.items()} == processes
    assert all(process.poll() is None for process in stack.processes.values())


def test_a_cluster_that_cannot_start_says_why_and_leaves_nothing_running(tmp_path):
    taken = socket.create_server(("127.0.0.1", 0))  # node 1's AMQP port, in use
    port = taken.getsockname()[1]
    directory = tmp_path / "cluster"
    try:
        started = subprocess.run(
            [SCRIPT, "start", directory],
            env={**os.environ, "RABBITMQ_CLUSTER_PORTS": f"{port} {port + 1} {port + 2}"},
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        taken.close()
    assert started.returncode != 0 and started.stdout == ""
    assert re.search(r"^rabbitmq-cluster: node 1 \(usersvc-c1-\w+@localhost\) did not start$", started.stderr, re.M)
    assert started.stderr.strip().splitlines()[-1].endswith("nothing is left running")
    assert not directory.exists()
    running = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert str(directory) not in running
