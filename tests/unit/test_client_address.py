"""Who the client is (TRUSTED_PROXIES, X-Forwarded-For, IPv6 per /64), without Sanic."""

import ipaddress

import pytest

from usersvc.edge.client_address import parse_ip, rate_limit_subject, resolve_client_ip

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8:ffff::/48"))


def resolve(peer: str, *forwarded_for: str, trusted=PROXIES) -> str:
    return resolve_client_ip(peer=peer, forwarded_for=list(forwarded_for), trusted=trusted)


def test_an_untrusted_peer_is_the_client_whatever_it_forwards():
    assert resolve("198.51.100.7", "203.0.113.1") == "198.51.100.7"
    assert resolve("198.51.100.7", "203.0.113.1", trusted=()) == "198.51.100.7"


def test_a_trusted_peer_without_the_header_is_the_client():
    assert resolve("10.0.0.1") == "10.0.0.1"


def test_the_right_most_untrusted_hop_is_the_client():
    # The client forged 192.0.2.66; our proxies 10.0.0.2 and 10.0.0.1 appended the rest.
    assert resolve("10.0.0.1", "192.0.2.66, 203.0.113.5, 10.0.0.2") == "203.0.113.5"


def test_several_headers_are_one_list_in_order():
    assert resolve("10.0.0.1", "192.0.2.66", "203.0.113.5,10.0.0.2") == "203.0.113.5"


def test_when_every_hop_is_trusted_the_left_most_is_the_client():
    assert resolve("10.0.0.1", "10.1.1.1, 10.0.0.2") == "10.1.1.1"


@pytest.mark.parametrize("garbage", ["unknown", "", "not-an-ip", "999.1.1.1", "_hidden", "1.2.3.4.5"])
def test_a_malformed_hop_ends_the_walk_at_the_last_trusted_hop(garbage):
    # Nothing left of an entry no trusted proxy would write can be vouched for.
    assert resolve("10.0.0.1", f"192.0.2.66, {garbage}, 10.0.0.2") == "10.0.0.2"
    assert resolve("10.0.0.1", f"192.0.2.66, {garbage}") == "10.0.0.1"
    assert resolve("10.0.0.1", f"{garbage}, 203.0.113.5") == "203.0.113.5"


def test_ports_brackets_zones_and_mapped_ipv4_are_normalised():
    assert parse_ip("203.0.113.5:4711") == ipaddress.ip_address("203.0.113.5")
    assert parse_ip("[2001:db8::1]:443") == ipaddress.ip_address("2001:db8::1")
    assert parse_ip(" [2001:DB8::1] ") == ipaddress.ip_address("2001:db8::1")
    assert parse_ip("fe80::1%eth0") == ipaddress.ip_address("fe80::1")
    assert parse_ip("::ffff:10.0.0.1") == ipaddress.ip_address("10.0.0.1")
    assert resolve("::ffff:10.0.0.1", "203.0.113.5") == "203.0.113.5"  # dual-stack socket, trusted


def test_ipv6_hops_and_proxies():
    assert resolve("2001:db8:ffff:1::1", "2001:db8:1:2::abcd, 2001:db8:ffff:2::1") == "2001:db8:1:2::abcd"


def test_an_unparseable_peer_is_kept_as_given_and_never_trusted():
    assert resolve("", "203.0.113.5") == ""
    assert resolve("/run/usersvc.sock", "203.0.113.5") == "/run/usersvc.sock"


def test_rate_limit_subject_is_the_ipv4_address_or_the_ipv6_slash_64():
    assert rate_limit_subject("203.0.113.5") == "203.0.113.5"
    assert rate_limit_subject("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"
    assert rate_limit_subject("2001:db8:1:2::1") == rate_limit_subject("2001:db8:1:2:ffff::9")
    assert rate_limit_subject("2001:db8:1:3::1") != rate_limit_subject("2001:db8:1:2::1")
    assert rate_limit_subject("") == "unknown"
