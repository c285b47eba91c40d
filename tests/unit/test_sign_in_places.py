"""What counts as the same device and network for the new-sign-in mail (domain/sign_in_places.py),
and the security notices' templates."""

import pytest

from usersvc.domain.sign_in_places import device_of, network_of
from usersvc.workers.mail_render import SAMPLE_VALUES, load_templates


@pytest.mark.parametrize(
    "user_agent, device",
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome on Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/18.1 Safari/605.1.15",
            "Safari on macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        ("python-httpx/0.28.1", "python-httpx"),
        ("curl/8.5.0", "curl"),
        ("", "unknown"),
        (None, "unknown"),
        ("   ", "unknown"),
    ],
)
def test_a_device_is_the_browser_and_system_without_versions(user_agent, device):
    assert device_of(user_agent) == device


def test_a_browser_update_is_the_same_device():
    before = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"
    assert device_of(before) == device_of(before.replace("132.0", "133.0"))


@pytest.mark.parametrize(
    "ip, network",
    [
        ("198.51.100.7", "198.51.100.0/24"),
        ("198.51.100.201", "198.51.100.0/24"),
        ("2001:db8:1:2::1", "2001:db8:1::/48"),
        ("2001:db8:1:ffff::2", "2001:db8:1::/48"),
        ("::ffff:203.0.113.9", "203.0.113.0/24"),
        ("not an address", "unknown"),
        (None, "unknown"),
    ],
)
def test_a_network_is_the_ipv4_24_or_the_ipv6_48(ip, network):
    assert network_of(ip) == network


@pytest.mark.parametrize("name", ["password_changed", "mfa_added", "mfa_removed", "new_sign_in", "email_changed"])
def test_every_security_notice_has_text_and_html_naming_where_it_came_from(name):
    notice = load_templates("")[name].compose(sender="usersvc@localhost", to="jane@example.com", values=SAMPLE_VALUES)
    for part in ("plain", "html"):
        content = notice.get_body((part,)).get_content()
        assert SAMPLE_VALUES["username"] in content
        assert SAMPLE_VALUES["device"] in content and SAMPLE_VALUES["ip_address"] in content
        assert "$" not in content
