"""Quota-aware allocation of seats: an exact integer program, pure and free of Django.

The problem
===========

A call has ``S`` seats and ``n`` eligible candidates. Each candidate has a priority (a score,
or nothing at all under the lottery policy) and four attributes, given as plain codes:
``gender`` ("female"), ``department_group`` ("lima_callao" / "rest"), ``department`` ("08")
and ``segment`` ("sme_owner"). Targets say *at least* (``min``) or *at most* (``max``) so many
people (``count``) or so many percent of the admitted (``share``) in one group, the group
being one value of one dimension. Targets overlap freely: a woman from Huancavelica who owns
a micro-enterprise counts for the women, the regions, department 09 and her segment at once.

:func:`allocate` admits exactly ``N = min(S, n)`` candidates and, among the selections that
meet every target, returns the one with the largest total priority; ties are settled by a
seeded lottery (below). In *closest* mode (``mode="closest"``) it first minimises the total
shortfall and only then maximises priority; *strict* mode (the default) treats targets as
hard and reports infeasibility instead.

Share targets become whole numbers of people before solving, relative to ``N`` (not ``S``):
a minimum share rounds **up** and a maximum share rounds **down**, so that meeting the bound
always means meeting the percentage (``min 50%`` of 9 seats is 5 people, ``max 50%`` is 4).
The arithmetic is exact (``Decimal``/``Fraction``), never floating point.

Priorities are compared after rounding to :data:`PRIORITY_DECIMALS` decimal places (half to
even, from the shortest decimal representation of the float). Two candidates whose priorities
agree to that precision are tied, and the lottery orders them. Working in integers is what
lets the solver's answers be checked exactly.

Where each part lives
=====================

The package's modules, one concern each; import from the package itself
(``from yachay.selection.allocation import allocate``), which re-exports every public name.

* ``problem``: the inputs (:class:`Candidate`, :class:`Target`, :class:`SelectionProblem`),
  their validation and errors, bounds in people, priorities in integers, canonical JSON;
* ``lottery``: the seeded lottery that orders candidates of equal priority;
* ``model``: the integer program over blocks and its exact solves (stages A and B);
* ``infeasibility``: why no selection can meet the targets, and by how much;
* ``result``: the :class:`Result`, its target table and its hashes;
* ``ties``: the lottery walk, the lexicographically first optimal selection;
* ``solve``: :func:`allocate`, which puts them together;
* ``greedy``: the baseline the benchmarks and tests measure the solver against;
* ``promotion``: who gets a freed seat.

A module imports only modules listed before it. Names starting with ``_`` are shared between
these modules and nowhere else.
"""

from __future__ import annotations

from yachay.selection.allocation.greedy import greedy_allocate
from yachay.selection.allocation.infeasibility import Shortfall, check_feasibility
from yachay.selection.allocation.lottery import lottery_order, lottery_priorities
from yachay.selection.allocation.problem import (
    DIMENSIONS,
    FORMAT,
    PRIORITY_DECIMALS,
    Candidate,
    CandidateId,
    InputIssue,
    InvalidInput,
    InvalidTargets,
    SelectionError,
    SelectionProblem,
    SolverFailed,
    Target,
    quantize_priority,
    resolve_bounds,
    validate,
)
from yachay.selection.allocation.problem import Mode as Mode
from yachay.selection.allocation.problem import Policy as Policy
from yachay.selection.allocation.problem import Status as Status
from yachay.selection.allocation.promotion import Promotion, choose_promotion
from yachay.selection.allocation.result import (
    DecisionDiff,
    GroupCount,
    Result,
    SolverInfo,
    TargetRow,
    decisions_hash,
    diff_decisions,
)
from yachay.selection.allocation.solve import allocate

__all__ = [
    "DIMENSIONS",
    "FORMAT",
    "PRIORITY_DECIMALS",
    "Candidate",
    "CandidateId",
    "DecisionDiff",
    "GroupCount",
    "InputIssue",
    "InvalidInput",
    "InvalidTargets",
    "Promotion",
    "Result",
    "SelectionError",
    "SelectionProblem",
    "Shortfall",
    "SolverFailed",
    "SolverInfo",
    "Target",
    "TargetRow",
    "allocate",
    "check_feasibility",
    "choose_promotion",
    "decisions_hash",
    "diff_decisions",
    "greedy_allocate",
    "lottery_order",
    "lottery_priorities",
    "quantize_priority",
    "resolve_bounds",
    "validate",
]
