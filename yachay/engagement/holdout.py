"""The built-in experiment, as pure functions: who is held out, and whether a nudge works.

The draw: a person is held out of a rule when ``sha256(seed:rule:person)``, read as a
number in [0, 1), is below the rule's share. It is random (as good as a coin for this use),
seeded (the same seed draws the same group: reruns and audits agree) and the same for every
occurrence of the rule, so a held-out person gets none of its nudges.

The comparison: the share of nudged and of held-out people who came back within 7 days,
their difference and its 95 % confidence interval by **Newcombe's hybrid score method**
(method 10 of Newcombe 1998, from two Wilson score intervals): unlike the Wald interval it
stays inside [-1, 1] and keeps its coverage with small groups and shares near 0 or 1.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

Z95 = 1.959963984540054
SMALL_CELL = 10  # groups (or counts) smaller than this are not shown


def held_out(*, seed: str, rule: str, person: int, share: float) -> bool:
    if share <= 0:
        return False
    digest = hashlib.sha256(f"{seed}:{rule}:{person}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def newcombe(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """p1 − p2 and its confidence interval (Newcombe's hybrid score, method 10)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return difference, low, high


@dataclass(frozen=True)
class Comparison:
    nudged: int
    nudged_back: int
    held: int
    held_back: int

    @property
    def shown(self) -> bool:
        """Small cells are not shown: each group and each count of returns at least 10
        (fewer could point at a person, and say nothing anyway)."""
        return (
            min(self.nudged, self.held) >= SMALL_CELL
            and min(
                self.nudged_back,
                self.held_back,
                self.nudged - self.nudged_back,
                self.held - self.held_back,
            )
            >= SMALL_CELL
        )

    def result(self) -> tuple[float, float, float, float, float] | None:
        """(nudged share, held-out share, difference, low, high), or None if not shown."""
        if not self.shown:
            return None
        difference, low, high = newcombe(self.nudged_back, self.nudged, self.held_back, self.held)
        return (
            self.nudged_back / self.nudged,
            self.held_back / self.held,
            difference,
            low,
            high,
        )
