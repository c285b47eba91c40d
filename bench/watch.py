"""CPU per process group and peak RSS of the processes the bench watches."""

import threading
import time
from pathlib import Path


class ProcessWatch:
    """Tracks our processes (edge, workers, baselines) and the shared servers for CPU and RSS."""

    def __init__(self) -> None:
        import psutil

        self.psutil = psutil
        self.roles: dict[int, str] = {}  # pid -> group name for processes we started
        self.peak_rss: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def add(self, pid: int, role: str) -> None:
        self.roles[pid] = role

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            for pid in list(self.roles):
                try:
                    rss = self.psutil.Process(pid).memory_info().rss
                except self.psutil.Error:
                    continue
                self.peak_rss[pid] = max(self.peak_rss.get(pid, 0), rss)

    def hwm(self, pid: int) -> int:
        """The kernel's peak resident set (VmHWM), or the sampled peak if /proc has none."""
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return max(int(line.split()[1]) * 1024, self.peak_rss.get(pid, 0))
        except OSError:
            pass
        return self.peak_rss.get(pid, 0)

    def group_of(self, process) -> str | None:
        if process.pid in self.roles:
            return self.roles[process.pid]
        try:  # a child of one of ours (Sanic's or uvicorn's serving processes) counts as its parent
            for parent in process.parents():
                if parent.pid in self.roles:
                    return self.roles[parent.pid]
        except self.psutil.Error:
            pass
        name = process.info["name"] or ""
        if name.startswith("beam") or name == "erl_child_setup":
            return "rabbitmq"
        if name.startswith("postgres"):
            return "postgres"
        if name.startswith("redis"):
            return "redis"
        if name == "wrk":
            return "wrk"
        return None

    def cpu_snapshot(self) -> dict:
        groups: dict[str, float] = {}
        for process in self.psutil.process_iter(["name", "cpu_times"]):
            group = self.group_of(process)
            times = process.info["cpu_times"]
            if group is None or times is None:
                continue
            groups[group] = groups.get(group, 0.0) + times.user + times.system
        total = self.psutil.cpu_times()
        busy = sum(total) - total.idle - getattr(total, "iowait", 0.0)
        return {"t": time.monotonic(), "groups": groups, "busy": busy}

    @staticmethod
    def cpu_share(before: dict, after: dict) -> dict[str, float]:
        """CPU per group over the interval, in % of one core; `other` is everything else."""
        elapsed = after["t"] - before["t"]
        if elapsed <= 0:
            return {}
        shares = {
            group: max(0.0, value - before["groups"].get(group, 0.0)) / elapsed * 100
            for group, value in after["groups"].items()
        }
        shares = {group: share for group, share in shares.items() if share >= 0.5}
        busy = (after["busy"] - before["busy"]) / elapsed * 100
        shares["other"] = max(0.0, busy - sum(shares.values()))
        shares["total"] = busy
        return shares

    def stop(self) -> None:
        self._stop.set()
