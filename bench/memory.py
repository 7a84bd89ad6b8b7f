"""Resident memory of the benchmarked processes, sampled while the load runs."""
from __future__ import annotations

import threading
from typing import Dict, List

import psutil


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its children."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


class PeakSampler:
    """Samples the RSS of named process trees every ``interval`` seconds; keeps the peaks."""

    def __init__(self, pids: Dict[str, List[int]], interval: float = 0.5) -> None:
        self.pids = pids
        self.interval = interval
        self.peak_mb: Dict[str, float] = {name: 0.0 for name in pids}
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

    def __enter__(self) -> "PeakSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
