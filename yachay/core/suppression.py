"""Small-cell suppression for published tables of counts of people.

The rule (stated on the transparency page, docs/transparency.md):

1. **Primary suppression**: no published number (a cell, a row or column total, the grand
   total) counts between 1 and k − 1 people (k = ``YACHAY_SMALL_CELL_K``, 10 by default).
   Such a number is hidden.
2. **Complementary suppression**: no hidden number can be worked out, or narrowed to fewer
   than k + 1 possible values, from the numbers that are published. Other numbers are hidden
   until that holds.
3. **Zeros are published.** A zero describes no one; hiding it would hide that a group was
   not reached at all, which is what a transparency page is for. A published zero is a
   fact the check in (2) takes into account, like any other published number.

What is proved, precisely (by this module when it chooses, and again, independently, by
``core/tests/test_suppression.py`` on generated tables): for every hidden number s, let
L(s) and U(s) be the least and the greatest value s takes over all tables of non-negative
numbers that agree with every published number (cells and totals). Then U(s) − L(s) ≥ k
(U may be infinite). L and U are computed as linear programs (SciPy's HiGHS). For a two-way
table with totals, and a breakdown with its total, the constraint matrix is totally
unimodular, so L and U are attained by tables of whole numbers: knowing that counts are
integers teaches nothing more. The true table is one of those tables, so the true value of s
lies in [L(s), U(s)] and nothing published narrows it further.

Not covered (said on the page too): differences *between* tables. The funnel's stages are
nested (every admitted person applied), so a department's applicants minus its admitted is
a number of people that is no table's cell; such a difference can be small. The page
publishes each stage's tables whole, and readers may subtract.

How numbers are chosen to hide (a heuristic; the check in (2) is exact): after the primary
hiding, every line (a row with its total, a column with its total, the totals with the
grand total) that holds exactly one hidden number gets a second one, the smallest count
that is at least what the line still lacks to reach k, else the largest; then each hidden
number's interval is computed, and while one is narrower than k, the published number of
its lines whose hiding widens it enough at the least cost (the smallest count hidden) is
hidden, the lines are closed again, and the check runs again. Hiding everything always
passes, so the loop ends.

All functions are pure: plain integers in, plain results out; no Django, no database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

DEFAULT_K = 10


@dataclass(frozen=True)
class Table:
    """Counts to publish: ``cells`` (the interior, each one a count), and ``items``: every
    number published about them, each the sum of some cells (a cell is the item
    ``(i,)``; a total is the tuple of the cells it adds). ``lines`` group items that are
    tied by one sum (``[total, part, part, ...]``), for the heuristic only."""

    cells: tuple[int, ...]
    items: tuple[tuple[int, ...], ...]
    lines: tuple[tuple[int, ...], ...]

    def value(self, item: int) -> int:
        return sum(self.cells[i] for i in self.items[item])


@dataclass(frozen=True)
class Breakdown:
    """A one-way table with its total, as published: ``None`` where a number is hidden."""

    cells: list[int | None]
    total: int | None

    @property
    def hidden(self) -> int:
        return sum(v is None for v in self.cells) + (self.total is None)


@dataclass(frozen=True)
class Crosstab:
    """A two-way table with row totals, column totals and the grand total, as published."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    col_totals: list[int | None]
    total: int | None


def _check_counts(values: Sequence[int]) -> None:
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise ValueError(f"A count is a whole number ≥ 0, not {value!r}.")


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k is a whole number ≥ 1, not {k!r}.")


def breakdown_table(counts: Sequence[int]) -> Table:
    """A one-way breakdown and its total: items 0..n−1 are the cells, item n the total."""
    _check_counts(counts)
    n = len(counts)
    items = (*((i,) for i in range(n)), tuple(range(n)))
    return Table(cells=tuple(int(c) for c in counts), items=items, lines=(tuple(range(n + 1)),))


def crosstab_table(matrix: Sequence[Sequence[int]]) -> Table:
    """A two-way table with its margins. Items: the r×c cells row by row (item i·c + j),
    then the r row totals, the c column totals and the grand total."""
    rows = len(matrix)
    cols = len(matrix[0]) if rows else 0
    if any(len(row) != cols for row in matrix):
        raise ValueError("Every row of a table has the same number of cells.")
    flat = [value for row in matrix for value in row]
    _check_counts(flat)
    cells = tuple(int(v) for v in flat)
    items: list[tuple[int, ...]] = [(i,) for i in range(rows * cols)]
    row_item = [len(items) + i for i in range(rows)]
    items += [tuple(i * cols + j for j in range(cols)) for i in range(rows)]
    col_item = [len(items) + j for j in range(cols)]
    items += [tuple(i * cols + j for i in range(rows)) for j in range(cols)]
    total_item = len(items)
    items.append(tuple(range(rows * cols)))
    lines = [(row_item[i], *(i * cols + j for j in range(cols))) for i in range(rows)]
    lines += [(col_item[j], *(i * cols + j for i in range(rows))) for j in range(cols)]
    lines += [(total_item, *row_item), (total_item, *col_item)]
    return Table(cells=cells, items=tuple(items), lines=tuple(lines))


def interval(table: Table, hidden: frozenset[int], item: int) -> tuple[float, float]:
    """The least and greatest value ``item`` takes over all non-negative tables that agree
    with every number not in ``hidden`` (``math.inf`` when nothing bounds it above)."""
    n = len(table.cells)
    lower = [0.0] * n
    upper: list[float | None] = [None] * n
    rows: list[list[float]] = []
    rhs: list[float] = []
    for index, members in enumerate(table.items):
        if index in hidden:
            continue
        if len(members) == 1:  # a published cell: fixed by its bounds, cheaper than a row
            lower[members[0]] = upper[members[0]] = float(table.cells[members[0]])
        else:
            row = [0.0] * n
            for m in members:
                row[m] = 1.0
            rows.append(row)
            rhs.append(float(table.value(index)))
    objective = np.zeros(n)
    objective[list(table.items[item])] = 1.0
    bounds = list(zip(lower, upper, strict=True))
    kwargs = {"A_eq": np.array(rows), "b_eq": np.array(rhs)} if rows else {}
    low = linprog(objective, bounds=bounds, method="highs", **kwargs)
    high = linprog(-objective, bounds=bounds, method="highs", **kwargs)
    if low.status != 0:
        raise ValueError(f"The published numbers admit no table ({low.message}).")
    top = math.inf if high.status == 3 else -float(high.fun)
    return float(low.fun), top


def width(table: Table, hidden: frozenset[int], item: int) -> float:
    low, high = interval(table, hidden, item)
    return high - low


def _close_lines(table: Table, hidden: set[int], k: int, keep: frozenset[int]) -> None:
    """Give every line with exactly one hidden number a second one (in place), never one
    of ``keep``."""
    changed = True
    while changed:
        changed = False
        for line in table.lines:
            inside = [item for item in line if item in hidden]
            if len(inside) != 1:
                continue
            candidates = [item for item in line if item not in hidden and item not in keep]
            if not candidates:
                continue
            lacking = k - table.value(inside[0])

            def cost(item: int, lacking: int = lacking) -> tuple[int, int]:
                value = table.value(item)
                return (0, value) if value >= lacking else (1, -value)

            hidden.add(min(candidates, key=cost))
            changed = True


def _lines_of(table: Table, item: int) -> list[int]:
    seen: dict[int, None] = {}
    for line in table.lines:
        if item in line:
            for other in line:
                seen.setdefault(other, None)
    return list(seen)


def suppress(
    table: Table, *, k: int = DEFAULT_K, keep: frozenset[int] = frozenset()
) -> frozenset[int]:
    """The items of ``table`` to hide so that none published is in 1..k−1 and every hidden
    one's interval (:func:`interval`) is at least ``k`` wide. Deterministic.

    ``keep``: items not to hide as complements (a total published in another table too,
    which must read the same everywhere); a small one is hidden all the same, and so is a
    kept one in the rare table that cannot be protected otherwise."""
    _check_k(k)
    hidden = {i for i in range(len(table.items)) if 0 < table.value(i) < k}
    if not hidden:
        return frozenset()
    _close_lines(table, hidden, k, keep)
    while True:
        weak = next(
            (item for item in sorted(hidden) if width(table, frozenset(hidden), item) < k), None
        )
        if weak is None:
            return frozenset(hidden)
        more = _widen(table, hidden, weak, k, keep)
        if not more:  # everything but ``keep`` is hidden already: give up keeping
            more, keep = _widen(table, hidden, weak, k, frozenset()), frozenset()
        hidden |= more
        _close_lines(table, hidden, k, keep)


def _widen(table: Table, hidden: set[int], weak: int, k: int, keep: frozenset[int]) -> set[int]:
    """The published numbers to hide next so that ``weak`` widens: the cheapest single one
    of its lines that makes it wide enough (with its lines closed), else the one that widens
    it most, else all of its lines, else everything (never one of ``keep``)."""
    best: tuple[tuple[int, float, int], set[int]] | None = None
    for candidate in _lines_of(table, weak):
        if candidate in hidden or candidate in keep:
            continue
        trial = set(hidden) | {candidate}
        _close_lines(table, trial, k, keep)
        added = trial - hidden
        span = width(table, frozenset(trial), weak)
        cost = sum(table.value(item) for item in added)
        key = (0 if span >= k else 1, cost if span >= k else -span, candidate)
        if best is None or key < best[0]:
            best = (key, added)
    before = width(table, frozenset(hidden), weak)
    if best is not None and (best[0][0] == 0 or -best[0][1] > before):
        return best[1]
    rest = set(_lines_of(table, weak)) - hidden - keep
    return rest or set(range(len(table.items))) - hidden - keep


def suppress_breakdown(
    counts: Sequence[int], *, k: int = DEFAULT_K, keep_total: bool = False
) -> Breakdown:
    """A one-way breakdown (e.g. learners by gender) and its total, as it may be published.
    ``keep_total``: the total is published elsewhere too (the funnel's stage total, the same
    in every breakdown of that stage), so complements are found among the cells only."""
    table = breakdown_table(counts)
    keep = frozenset({len(counts)}) if keep_total else frozenset()
    hidden = suppress(table, k=k, keep=keep)
    shown = [None if i in hidden else table.value(i) for i in range(len(table.items))]
    return Breakdown(cells=shown[:-1], total=shown[-1])


def suppress_crosstab(matrix: Sequence[Sequence[int]], *, k: int = DEFAULT_K) -> Crosstab:
    """A two-way table (e.g. department × gender) with its margins, as it may be published."""
    table = crosstab_table(matrix)
    hidden = suppress(table, k=k)
    rows = len(matrix)
    cols = len(matrix[0]) if rows else 0
    shown = [None if i in hidden else table.value(i) for i in range(len(table.items))]
    cells = [shown[i * cols : (i + 1) * cols] for i in range(rows)]
    base = rows * cols
    return Crosstab(
        cells=cells,
        row_totals=shown[base : base + rows],
        col_totals=shown[base + rows : base + rows + cols],
        total=shown[-1],
    )


__all__ = [
    "DEFAULT_K",
    "Breakdown",
    "Crosstab",
    "Table",
    "breakdown_table",
    "crosstab_table",
    "interval",
    "suppress",
    "suppress_breakdown",
    "suppress_crosstab",
]
