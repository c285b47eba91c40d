"""What every bench step shares: its paths, the log, free ports and a small HTTP client."""

import http.client
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

BENCH = Path(__file__).resolve().parent
LUA = BENCH / "lua"
BASELINES = BENCH / "baselines"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port")


class Http:
    """Stdlib HTTP for setup: one keep-alive connection per thread, JSON in and out."""

    def __init__(self, base_url: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self._local = threading.local()

    def request(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        token: str | None = None,
        timeout: float = 30,
        form: dict | None = None,
    ) -> tuple[int, object]:
        """`body` goes as JSON; `form` (instead) as an HTML form (urlencoded)."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        payload = json.dumps(body) if body is not None else None
        if form is not None:
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            payload = urllib.parse.urlencode(form)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for attempt in (1, 2):
            connection = getattr(self._local, "connection", None)
            if connection is None:
                connection = self._local.connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                connection.request(method, path, body=payload, headers=headers)
                response = connection.getresponse()
                raw = response.read()
                break
            except (OSError, http.client.HTTPException):
                connection.close()
                self._local.connection = None
                if attempt == 2:
                    raise
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, raw.decode(errors="replace")

    def text(self, path: str, token: str | None = None) -> str:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
            return connection.getresponse().read().decode()
        finally:
            connection.close()


def wait_http(url: str, path: str, *, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Until GET url+path answers 200 (or `process` exits, or the timeout passes)."""
    http_ = Http(url)
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url}{path} answered")
        try:
            status, body = http_.request("GET", path, timeout=5)
            if status == 200:
                return
            last = (status, body)
        except OSError as error:
            last = error
        time.sleep(0.5)
    raise RuntimeError(f"{url}{path} not ready after {timeout}s: {last}")
