"""An identity provider's address that urllib cannot use (control characters, a host IDNA
refuses, a broken IPv6 literal) is the provider's fault, told as such: never a 500. Found by
the API conformance run, which registers providers with generated URLs."""

import pytest

from usersvc.workers.upstream_providers import UpstreamError, _request


@pytest.mark.parametrize(
    "url",
    [
        "http://exa\x16mple.com/x",
        "http://\x8fnlJ\x92 >/y",
        "https://ex\u00e4mple\u3002com:99999/",
        "http://[::1/x",
        "ftp://example.com/",
    ],
)
def test_an_unusable_provider_address_is_an_upstream_error(url):
    with pytest.raises(UpstreamError):
        _request(url)
