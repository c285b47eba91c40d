"""The browser fixtures of tests/console (and their rule that browser tests run last), for
the security tests that drive a browser."""

from tests.console.conftest import (  # noqa: F401
    base_url,
    browser_context_args,
    browser_type_launch_args,
    page,
    playwright,
    pytest_collection_modifyitems,
)
