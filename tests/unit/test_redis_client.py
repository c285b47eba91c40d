"""REDIS_URL names one Redis or a Redis Cluster (usersvc/redis_client.py); no server is contacted."""

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import SSLConnection

from usersvc.redis_client import connect_redis, is_cluster_url


def test_a_plain_url_is_one_redis_as_before():
    client = connect_redis("redis://:pw@127.0.0.1:6380/2", max_connections=9)
    assert type(client) is Redis
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["password"]) == ("127.0.0.1", 6380, 2, "pw")
    assert client.connection_pool.max_connections == 9
    assert not is_cluster_url("redis://127.0.0.1:6379/0") and not is_cluster_url("rediss://h:1")


def test_a_cluster_url_names_its_startup_nodes_and_shares_credentials_and_options():
    url = "redis+cluster://bob:s%40cret@10.0.0.1:7001,[::1]:7002,node3/0?socket_timeout=2"
    client = connect_redis(url, max_connections=7)
    assert isinstance(client, RedisCluster) and is_cluster_url(url)
    assert sorted(node.name for node in client.startup_nodes) == ["10.0.0.1:7001", "::1:7002", "node3:6379"]
    kwargs = client.connection_kwargs
    assert (kwargs["username"], kwargs["password"], kwargs["socket_timeout"]) == ("bob", "s@cret", 2.0)
    assert kwargs["max_connections"] == 7
    assert "connection_class" not in kwargs or kwargs["connection_class"] is not SSLConnection


def test_rediss_cluster_is_tls():
    client = connect_redis("rediss+cluster://10.0.0.1:7001")
    assert isinstance(client, RedisCluster)
    assert client.connection_kwargs["connection_class"] is SSLConnection


@pytest.mark.parametrize("url", ["redis+cluster://", "redis+cluster://user:pw@", "redis+cluster://h:1,:2"])
def test_a_cluster_url_without_usable_nodes_is_refused(url):
    with pytest.raises(ValueError, match="REDIS_URL"):
        connect_redis(url)
