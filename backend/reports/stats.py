"""Small statistics of the reports: median, 90th percentile, Wilson interval of a proportion and
Newcombe's interval of the difference of two proportions (docs/reports.md)."""

from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

Z95 = 1.959963984540054  # two-sided 95 %


def median(values: Sequence[float]) -> Optional[float]:
    """Middle value (mean of the two middle values for an even count); None when empty."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    return float(ordered[mid]) if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: Sequence[float], pct: float) -> Optional[float]:
    """Nearest-rank percentile: the smallest value with at least `pct` % of the values at or below it."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return float(ordered[rank - 1])


def rate(k: int, n: int) -> Optional[float]:
    return None if n == 0 else k / n


def wilson(k: int, n: int, z: float = Z95) -> Optional[Tuple[float, float]]:
    """Wilson score interval of the proportion k/n; None when n is 0."""
    if n == 0:
        return None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (0.0 if k == 0 else max(0.0, centre - half)), (1.0 if k == n else min(1.0, centre + half))


def newcombe_difference(
    k1: int, n1: int, k2: int, n2: int, z: float = Z95
) -> Optional[Tuple[float, float, float]]:
    """Difference p1 - p2 with Newcombe's hybrid score interval (method 10, from two Wilson
    intervals); None when either group is empty."""
    w1, w2 = wilson(k1, n1, z), wilson(k2, n2, z)
    if w1 is None or w2 is None:
        return None
    p1, p2 = k1 / n1, k2 / n2
    (l1, u1), (l2, u2) = w1, w2
    diff = p1 - p2
    lower = diff - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = diff + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return diff, lower, upper
