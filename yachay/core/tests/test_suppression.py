"""Small-cell suppression: no published count below k, no hidden count recoverable.

The property tests check the published result on their own, with a linear program written
here (not the module's): for every hidden number s of a generated table, over all tables of
non-negative numbers that agree with every published number, max(s) − min(s) ≥ k. That is
what "the published numbers leave its value undetermined" means here; the two-way table's
constraint matrix is totally unimodular, so the same bounds hold over whole-number tables.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from yachay.core.suppression import (
    Breakdown,
    Crosstab,
    breakdown_table,
    crosstab_table,
    interval,
    suppress,
    suppress_breakdown,
    suppress_crosstab,
)

# Counts as they come: many small ones (the interesting case), zeros, some large.
counts = st.one_of(st.integers(0, 0), st.integers(1, 12), st.integers(10, 40), st.integers(40, 400))


def _bounds(n_cells: int, facts: list[tuple[list[int], int]], target: list[int]) -> tuple:
    """min and max of sum(x[target]) subject to x ≥ 0 and sum(x[members]) = value for each
    published fact: the attacker's best knowledge of the hidden number."""
    a_eq = np.zeros((len(facts), n_cells))
    b_eq = np.zeros(len(facts))
    for row, (members, value) in enumerate(facts):
        a_eq[row, members] = 1
        b_eq[row] = value
    c = np.zeros(n_cells)
    c[target] = 1
    options = {"A_eq": a_eq, "b_eq": b_eq} if facts else {}
    low = linprog(c, bounds=(0, None), method="highs", **options)
    high = linprog(-c, bounds=(0, None), method="highs", **options)
    assert low.status == 0, "the published numbers must admit the true table"
    return low.fun, (math.inf if high.status == 3 else -high.fun)


def _crosstab_facts(
    published: Crosstab, rows: int, cols: int
) -> tuple[list[tuple[list[int], int]], list[list[int]]]:
    """The published numbers as linear facts, and the hidden numbers as cell sets."""
    facts: list[tuple[list[int], int]] = []
    hidden: list[list[int]] = []

    def note(members: list[int], value: int | None) -> None:
        if value is None:
            hidden.append(members)
        else:
            facts.append((members, value))

    for i in range(rows):
        for j in range(cols):
            note([i * cols + j], published.cells[i][j])
    for i in range(rows):
        note([i * cols + j for j in range(cols)], published.row_totals[i])
    for j in range(cols):
        note([i * cols + j for i in range(rows)], published.col_totals[j])
    note(list(range(rows * cols)), published.total)
    return facts, hidden


def _assert_protected(
    n_cells: int,
    facts: list[tuple[list[int], int]],
    hidden: list[list[int]],
    truth: list[int],
    k: int,
) -> None:
    for members, value in facts:
        assert value == 0 or value >= k, f"published {value} < k={k}"
        assert value == sum(truth[m] for m in members), "a published number is the true one"
    for members in hidden:
        low, high = _bounds(n_cells, facts, members)
        true = sum(truth[m] for m in members)
        assert low - 1e-6 <= true <= high + 1e-6
        assert high - low >= k - 1e-6, f"hidden {members} narrowed to [{low}, {high}]"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    matrix=st.integers(1, 5).flatmap(
        lambda rows: st.integers(1, 4).flatmap(
            lambda cols: st.lists(
                st.lists(counts, min_size=cols, max_size=cols), min_size=rows, max_size=rows
            )
        )
    ),
    k=st.sampled_from([3, 5, 10]),
)
def test_no_hidden_count_of_a_crosstab_can_be_narrowed_below_k(
    matrix: list[list[int]], k: int
) -> None:
    rows, cols = len(matrix), len(matrix[0])
    published = suppress_crosstab(matrix, k=k)
    facts, hidden = _crosstab_facts(published, rows, cols)
    truth = [v for row in matrix for v in row]
    _assert_protected(rows * cols, facts, hidden, truth, k)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(counts, min_size=0, max_size=12),
    k=st.sampled_from([3, 5, 10]),
    keep_total=st.booleans(),
)
def test_no_hidden_count_of_a_breakdown_can_be_narrowed_below_k(
    values: list[int], k: int, keep_total: bool
) -> None:
    published = suppress_breakdown(values, k=k, keep_total=keep_total)
    if keep_total and not 0 < sum(values) < k:
        assert published.total == sum(values)  # a kept total is never a complement
    n = len(values)
    facts: list[tuple[list[int], int]] = []
    hidden: list[list[int]] = []
    for i, shown in enumerate(published.cells):
        (hidden.append([i]) if shown is None else facts.append(([i], shown)))
    if published.total is None:
        hidden.append(list(range(n)))
    else:
        facts.append((list(range(n)), published.total))
    _assert_protected(n, facts, hidden, values, k)


def test_a_known_crosstab_is_suppressed_as_it_always_was() -> None:
    # Department × gender, k = 10: 3 and 2 and 9 are small; the complements close every line.
    published = suppress_crosstab([[3, 20, 15], [12, 2, 30], [40, 50, 60], [0, 11, 9]], k=10)
    assert published == Crosstab(
        cells=[[None, 20, None], [None, None, 30], [40, 50, 60], [0, None, None]],
        row_totals=[38, 44, 150, 20],
        col_totals=[55, 83, 114],
        total=252,
    )
    # Cell (0, 0) is 3; what the published numbers allow is 1..14.
    table = crosstab_table([[3, 20, 15], [12, 2, 30], [40, 50, 60], [0, 11, 9]])
    hidden = suppress(table, k=10)
    assert interval(table, hidden, 0) == pytest.approx((1.0, 14.0))


def test_a_known_breakdown_hides_a_second_cell_large_enough_to_cover_the_first() -> None:
    # 3 and 5 are small; together 8 < 10, so a third cell is hidden: the smallest that lets
    # each hidden one range over at least 10 values (40, not the total or 100).
    assert suppress_breakdown([3, 100, 5, 0, 40]) == Breakdown(
        cells=[None, 100, None, 0, None], total=148
    )


def test_a_kept_total_makes_the_complement_a_cell() -> None:
    assert suppress_breakdown([3, 9], keep_total=True) == Breakdown(cells=[None, None], total=12)
    assert suppress_breakdown([3, 200], keep_total=True) == Breakdown([None, None], 203)


def test_a_breakdown_whose_total_is_small_hides_everything_but_zeros() -> None:
    assert suppress_breakdown([3, 0, 4]) == Breakdown(cells=[None, 0, None], total=None)


def test_nothing_is_hidden_when_every_count_is_zero_or_at_least_k() -> None:
    assert suppress_breakdown([0, 10, 250]) == Breakdown(cells=[0, 10, 250], total=260)
    published = suppress_crosstab([[10, 0], [12, 30]])
    assert published.cells == [[10, 0], [12, 30]] and published.total == 52


def test_k_comes_from_the_caller_and_one_hides_nothing() -> None:
    assert suppress_breakdown([1, 2, 3], k=1).cells == [1, 2, 3]
    assert suppress_breakdown([4, 20, 30], k=5).cells == [None, None, 30]


def test_a_single_small_cell_is_never_left_recoverable_from_its_total() -> None:
    published = suppress_breakdown([2, 500])
    assert published.cells[0] is None
    assert published.cells[1] is None or published.total is None


@pytest.mark.parametrize("bad", [[-1, 3], [1.5, 3], ["3", 4], [True, 3], [None, 3]], ids=str)
def test_counts_must_be_whole_numbers_not_below_zero(bad: list) -> None:
    with pytest.raises(ValueError):
        suppress_breakdown(bad)


@pytest.mark.parametrize("k", [0, -3, 2.5, True])
def test_k_must_be_a_whole_number_of_at_least_one(k: object) -> None:
    with pytest.raises(ValueError):
        suppress_breakdown([1, 2], k=k)  # type: ignore[arg-type]


def test_rows_of_a_crosstab_must_be_the_same_length() -> None:
    with pytest.raises(ValueError):
        suppress_crosstab([[1, 2], [3]])


def test_an_empty_breakdown_publishes_a_zero_total() -> None:
    assert suppress_breakdown([]) == Breakdown(cells=[], total=0)
    assert breakdown_table([]).items == ((),)
