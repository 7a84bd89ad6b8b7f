"""The host's TCP sockets as the kernel lists them (/proc/net/tcp and tcp6, Linux): who listens on
a port, and how many bytes wait unread in the sockets of a port (a stopped process's requests)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Tuple

LOOPBACK_V4 = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it
LISTEN, ESTABLISHED = "0A", "01"


def _sockets() -> Iterator[Tuple[str, int, str, int]]:
    """(local address in hex, local port, state, bytes received and not yet read) per socket."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if Path(table).exists():
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                address, port = fields[1].rsplit(":", 1)
                rx_queue = fields[4].split(":")[1]
                yield address, int(port, 16), fields[3], int(rx_queue, 16)


def listening_addresses(port: int) -> set:
    """Local addresses (hex, as in /proc/net/tcp and tcp6) listening on ``port``."""
    return {address for address, local, state, _ in _sockets() if local == port and state == LISTEN}


def unread_bytes(port: int) -> int:
    """Bytes that connections to ``port`` received and its process has not read yet."""
    return sum(unread for _, local, state, unread in _sockets() if local == port and state == ESTABLISHED)
