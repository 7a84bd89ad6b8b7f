"""Resident memory and CPU time of the benchmarked processes while the load runs."""

from __future__ import annotations

import threading
from typing import Callable, Dict, List

import psutil


def _tree(pid: int) -> List[psutil.Process]:
    """A process and all its children (empty when it is gone)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _tree_sum(pid: int, measure: Callable[[psutil.Process], float]) -> float:
    total = 0.0
    for process in _tree(pid):
        try:
            total += measure(process)
        except psutil.NoSuchProcess:
            pass
    return total


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its children."""
    return int(_tree_sum(pid, lambda p: p.memory_info().rss))


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children so far."""
    return _tree_sum(pid, lambda p: sum(p.cpu_times()[:2]))


class PeakSampler:
    """Samples the RSS of named process trees every ``interval`` seconds; keeps the peaks.
    Also the CPU seconds each tree used between ``__enter__`` and ``__exit__``."""

    def __init__(self, pids: Dict[str, List[int]], interval: float = 0.5) -> None:
        self.pids = pids
        self.interval = interval
        self.peak_mb: Dict[str, float] = {name: 0.0 for name in pids}
        self.cpu_s: Dict[str, float] = {}
        self._cpu_start: Dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        for name, pids in self.pids.items():
            mb = sum(tree_rss(pid) for pid in pids) / 2**20
            self.peak_mb[name] = max(self.peak_mb[name], round(mb, 1))

    def _cpu(self) -> Dict[str, float]:
        return {name: sum(tree_cpu_seconds(pid) for pid in pids) for name, pids in self.pids.items()}

    def __enter__(self) -> "PeakSampler":
        self._cpu_start = self._cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
        end = self._cpu()
        self.cpu_s = {name: round(end[name] - self._cpu_start[name], 2) for name in end}
