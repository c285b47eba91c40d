#!/usr/bin/env bash
# Validate docker-compose.yml offline with Debian's docker-compose (v1.29).
# Installs it via apt-get when missing and running as root; otherwise warns and skips.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v docker-compose >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "compose-check: installing docker-compose via apt-get" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
    else
        echo "compose-check: WARNING: docker-compose not installed and not root; skipping" >&2
        exit 0
    fi
fi

docker-compose -f docker-compose.yml config -q
echo "compose-check: docker-compose.yml OK"
# The 3-node RabbitMQ cluster (docs/operations.md, "RabbitMQ cluster"), usersvc pointed at all nodes.
RABBITMQ_NODES=rabbitmq:5672,rabbitmq-2:5672,rabbitmq-3:5672 \
    docker-compose -f docker-compose.yml --profile rabbitmq-cluster config -q
nodes=$(docker-compose -f docker-compose.yml --profile rabbitmq-cluster config --services | grep -c '^rabbitmq')
[ "$nodes" -eq 3 ] || { echo "compose-check: profile rabbitmq-cluster has $nodes RabbitMQ nodes, not 3" >&2; exit 1; }
[ -f deploy/rabbitmq/cluster.conf ] || { echo "compose-check: deploy/rabbitmq/cluster.conf is missing" >&2; exit 1; }
echo "compose-check: docker-compose.yml --profile rabbitmq-cluster OK"
