"""Where a sign-in came from, coarse enough that an ordinary day does not look new: the device
is the user agent's family (browser and operating system, no versions: an update is the same
device), the network the client address's IPv4 /24 or IPv6 /48 (a home router's new lease is
the same network). A sign-in whose (device, network) pair the account has not used for
NEW_PLACE_AFTER is mailed to its owner (workers/sign_in_notice.py)."""

import ipaddress
import re
from datetime import timedelta

NEW_PLACE_AFTER = timedelta(days=30)
UNKNOWN = "unknown"
MAX_LENGTH = 64

# The first match names the browser; order matters (Edge and Opera also say Chrome, Chrome
# also says Safari).
BROWSERS = (
    ("Edge", re.compile(r"\bEdg(e|A|iOS)?/")),
    ("Opera", re.compile(r"\b(OPR|Opera)/")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Firefox", re.compile(r"\b(Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(Chrome|CriOS|HeadlessChrome|Chromium)/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*\bSafari/")),
)
SYSTEMS = (
    ("iOS", re.compile(r"\b(iPhone|iPad|iPod)\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("macOS", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("Linux", re.compile(r"\bLinux\b|\bX11\b")),
)
PRODUCT = re.compile(r"^([A-Za-z][A-Za-z0-9._+-]*)")


def device_of(user_agent: str | None) -> str:
    """'Chrome on Windows', 'Safari on iOS'; for anything else its first product name
    ('curl', 'python-httpx'), or 'unknown'."""
    if not user_agent or not user_agent.strip():
        return UNKNOWN
    browser = next((name for name, pattern in BROWSERS if pattern.search(user_agent)), None)
    system = next((name for name, pattern in SYSTEMS if pattern.search(user_agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or system or UNKNOWN
    product = PRODUCT.match(user_agent.strip())
    return product.group(1)[:MAX_LENGTH].lower() if product else UNKNOWN


def network_of(ip: str | None) -> str:
    """'203.0.113.0/24', '2001:db8:1::/48' (an IPv4-mapped IPv6 address is its IPv4), or 'unknown'."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return UNKNOWN
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
