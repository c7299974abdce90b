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

The integer program, and why it is solved over blocks
=====================================================

Only the dimensions that some target mentions matter to the constraints. Candidates with the
same values on those dimensions form a *group*; a group split by (rounded) priority forms a
*block*. Every member of a block has the same constraint column and the same objective
coefficient, so the members are interchangeable and a solution is fully described by how many
members each block admits, ``y_b`` (an integer between 0 and the block's size); *which* ones is
decided by the lottery (the best lottery numbers first). The model is therefore::

    maximise    sum_b P_b * y_b                         (total priority)
    subject to  sum_b y_b = N                           (exactly N admitted)
                sum_{b in G_t} y_b + s_t >= bound_t     (each min target t)
                sum_{b in G_t} y_b - s_t <= bound_t     (each max target t)
                0 <= y_b <= size_b, y_b integer;  s_t >= 0

with the shortfalls ``s_t`` fixed at zero in strict mode. This is exactly the candidate-level
0/1 program (one ``x_i`` per candidate) with identical columns merged: from any 0/1 solution
take ``y_b`` = the number admitted from block ``b``; from any ``y`` take the first ``y_b``
members of each block. Both have the same constraint values and objective. Merging by group
alone would also be exact (within a group a better-priority member is always at least as
good, by exchange), but the objective per group would then be concave piecewise linear;
blocks keep it linear. For 100,000 candidates scored on a few criteria this is a few
thousand integer variables and a dozen rows instead of 100,000 binaries.

Solving it, with proofs in integers
===================================

Each stage is solved by HiGHS through :func:`scipy.optimize.milp` with a relative gap of
zero (proven optimality), with HiGHS's presolve off (on these models -- a dozen rows, many
near-parallel columns -- it costs minutes where the solve costs milliseconds).

Stage B (most priority) is solved on a *core*. The LP relaxation gives multipliers ``pi``;
rounded to multiples of 2**-20 and clipped to the right sign they give, in exact integer
arithmetic, reduced costs ``rc_b`` and a bound ``U`` such that every selection meeting the
rows has ``P.y <= U - sum_b |rc_b| * (distance of y_b from the bound rc_b pushes it to)``
(weak duality: true for *any* multipliers of the right signs, so floating-point error in the
LP can weaken the bound but never make it wrong). Blocks with small ``|rc_b|`` form the core;
the others are fixed at their bound. If the core's optimum ``P_c`` leaves ``U - P_c`` below
every fixed block's ``|rc_b|``, no selection as good as ``P_c`` can move a fixed block, so
``P_c`` is the optimum of the whole problem; otherwise the core grows and is solved again.
The same inequality with ``P*`` gives bounds ``low_b <= y_b <= high_b`` that hold in *every*
optimal selection (reduced-cost fixing); typically all but a few hundred blocks -- those at
the margin, tied in priority -- are fixed, and the tie-breaking below works on those alone.

Every selection HiGHS returns is checked in exact integer arithmetic (seats, targets,
shortfall, priority) before it is used; a failed check raises :class:`SolverFailed` rather
than return a wrong answer. What is trusted from HiGHS is its proofs: of optimality, in
stages A and B, and of infeasibility, in the questions of the walk below.

Lexicographic objectives, exactly
=================================

Closest mode is lexicographic: least total shortfall first, then most priority. It is solved
as *separate* solves, each in integers: stage A minimises ``sum_t s_t`` (giving ``S*``); stage
B maximises priority with ``sum_t s_t <= S*`` added. A single weighted solve would also be
lexicographic if the shortfall weight ``M`` exceeded the whole priority range (``M > N *
(max P - min P)``), since one person of shortfall then outweighs any priority gain; but
``M * S*`` quickly reaches the size where a floating-point solver's tolerances blur single
units, so two solves are both simpler and safer. Strict mode is stage B alone.

Ties: the seeded lottery, and why the optimum is unique
=======================================================

Every candidate gets a lottery number from :func:`lottery_order`: the rank of
``SHA-256(f"{seed}:{id}")``, the same on every machine and Python version. The candidates are
then totally ordered by (priority, highest first; lottery number, lowest first) -- the
*priority order*.

Many selections can share the optimal total priority. We return the **lexicographically first
optimal selection in priority order**: walk the candidates in priority order and admit each
one if and only if *some* optimal selection admits them together with everyone admitted so far
and without anyone passed over so far. Each step is a yes/no fact about the set of optimal
selections, so the result is unique by construction: it does not depend on the solver, its
version, the order of the input, or which optimal solution the solver happens to find. (It is
the optimum of the objective ``priority + sum_i 2^-position(i)`` with the second term a
tie-break smaller than any priority difference; such weights cannot be written down for a
floating-point solver, a linear tie-break term like ``-lottery_rank`` can still tie -- ranks
``{1, 4}`` and ``{2, 3}`` sum alike -- hence the walk.)

The walk is cheap because it runs over blocks, with the solver as an oracle:

* blocks fixed by the reduced costs need no question: what every optimal selection does is
  what the walk does;
* the walk keeps lower bounds ``L_b`` (admitted so far) and closes a block once one of its
  members is passed over -- every later member of that block has the same column and
  priority and a worse lottery number, so it would be passed over too (exchange argument);
* it holds an *incumbent*, an optimal selection that respects all decisions so far, first
  chosen as close as possible to the walk's unconstrained continuation; while the incumbent
  admits the next candidate, the answer is yes at no cost;
* otherwise one exchange is tried: the incumbent gives up the not-yet-decided member with
  the worst lottery number, among same-priority blocks, whose departure keeps the targets
  (and the shortfall); that is an optimal selection too, so the answer is yes;
* otherwise HiGHS is asked for an optimal selection (``sum s <= S*``, ``sum P y >= P*``) with
  ``L_b`` one higher. A yes comes with such a selection, checked exactly, which becomes the
  incumbent; a no (a proof of infeasibility) closes the block;
* closing is monotone (bounds only tighten), so the blocks of that priority that the
  incumbent does not cover are closed in bulk when HiGHS proves that none of them can take
  one more member; and once ``N`` are admitted everything left is closed.

On the benchmark (100,000 candidates, 20,000 seats, 10 targets) the whole run takes about
twenty HiGHS solves; under the pure lottery policy, where every candidate is tied, about
seventy.

Infeasibility is never silent
=============================

:func:`check_feasibility` finds, before any solve, the reasons a selection cannot exist and
says by how much, as :class:`Shortfall` records: a floor larger than its group, a floor larger
than the seats, a floor above a ceiling on the same group, floors of one dimension adding up
past the seats, ceilings that leave fewer places than seats. When the targets conflict only
through their overlaps, the solver finds it; strict mode then reports the closest feasible
selection's per-target shortfalls (``reason="overlap"``). Invalid input raises
:class:`InvalidTargets` or :class:`InvalidInput`, each carrying one :class:`InputIssue` per
problem, with a stable code and parameters for translation.

Reproducibility
===============

:meth:`SelectionProblem.to_json` writes the inputs canonically (``inputs_hash`` is its
SHA-256); :meth:`SelectionProblem.from_json` reads them back; ``allocate`` on the result gives
the same ``decisions_hash`` (SHA-256 of the ordered decisions, see :func:`decisions_hash`).

Promotion
=========

:func:`choose_promotion` gives a freed seat to the first waitlisted candidate (in waitlist
order) whose admission keeps every target met, or, when targets already fall short, leaves
the least total shortfall. It works on group counts: every candidate of one group has the
same effect, so it evaluates each group once, at its first member, never a solver.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction
from operator import itemgetter
from typing import Any, Literal, cast

import numpy as np
import scipy
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix, hstack, vstack

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

#: The attribute names a target may refer to (the codes used by the programs app).
DIMENSIONS: tuple[str, ...] = ("gender", "department_group", "department", "segment")
#: Priorities are compared after rounding to this many decimal places.
PRIORITY_DECIMALS = 4
#: Written into every stored problem; bump when the meaning of a stored field changes.
FORMAT = "yachay.selection/1"
#: Largest total (scaled) priority handled; beyond it double precision cannot tell units apart.
_MAX_SCALED_TOTAL = 2**50

CandidateId = int | str
Mode = Literal["strict", "closest"]
Policy = Literal["score", "lottery"]
Status = Literal["optimal", "infeasible", "closest_feasible", "heuristic"]

_KINDS = ("min", "max")
_MEASURES = ("count", "share")
_MODES = ("strict", "closest")
_POLICIES = ("score", "lottery")


# --------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Candidate:
    """One eligible applicant: an id (int or str, unique by ``str(id)``), a priority, codes."""

    id: CandidateId
    priority: float
    attributes: Mapping[str, str]


@dataclass(frozen=True)
class Target:
    """A floor (``kind="min"``) or a ceiling (``"max"``) on one group.

    ``measure="count"`` counts people; ``measure="share"`` is a percentage (0-100) of the
    number admitted, ``N = min(seats, candidates)``. ``amount`` may be an int, a float, a
    ``Decimal`` or a decimal string; it is read exactly (floats by their shortest repr).
    """

    id: str
    kind: str
    measure: str
    dimension: str
    value: str
    amount: Decimal | int | float | str
    label: str = ""

    def describe(self) -> str:
        """A short English description, e.g. ``min 50% female``."""
        unit = "%" if self.measure == "share" else ""
        group = self.label or f"{self.dimension}={self.value}"
        return f"{self.kind} {_amount(self.amount).normalize():f}{unit} {group}"


@dataclass(frozen=True)
class SelectionProblem:
    """Everything :func:`allocate` needs, and nothing else: store it to re-solve later."""

    candidates: tuple[Candidate, ...]
    seats: int
    targets: tuple[Target, ...] = ()
    seed: str = ""
    mode: Mode = "strict"
    policy: Policy = "score"

    def __post_init__(self) -> None:
        # Accept lists for convenience; keep the dataclass hashable and immutable.
        object.__setattr__(self, "candidates", tuple(self.candidates))
        object.__setattr__(self, "targets", tuple(self.targets))
        object.__setattr__(self, "seed", str(self.seed))

    @property
    def admit_count(self) -> int:
        """``N = min(seats, number of candidates)``: how many are admitted."""
        return max(0, min(self.seats, len(self.candidates)))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, canonical: candidates in ``str(id)`` order, as rows.

        ``attributes`` lists the attribute names (sorted); each candidate is a row
        ``[id, priority, value, value, ...]`` in that order, ``null`` where absent. Rows keep
        100,000 candidates at a few megabytes and quick to write.
        """
        names = sorted({name for c in self.candidates for name in c.attributes})
        return {
            "format": FORMAT,
            "seats": self.seats,
            "seed": self.seed,
            "mode": self.mode,
            "policy": self.policy,
            "priority_decimals": PRIORITY_DECIMALS,
            "targets": [
                {
                    "id": t.id,
                    "kind": t.kind,
                    "measure": t.measure,
                    "dimension": t.dimension,
                    "value": t.value,
                    "amount": _amount_text(t.amount),
                    "label": t.label,
                }
                for t in self.targets
            ],
            "attributes": names,
            "candidates": [
                [c.id, c.priority, *(c.attributes.get(name) for name in names)]
                for c in sorted(self.candidates, key=lambda c: str(c.id))
            ],
        }

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no spaces, ASCII): equal problems give equal text."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)

    @property
    def inputs_hash(self) -> str:
        """SHA-256 of :meth:`to_json`: changes whenever any input that matters changes."""
        return hashlib.sha256(self.to_json().encode("ascii")).hexdigest()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SelectionProblem:
        """Inverse of :meth:`to_dict`; refuses another format or precision."""
        if data.get("format") != FORMAT:
            raise InvalidInput(
                [InputIssue("unknown_format", f"Unknown problem format {data.get('format')!r}.")]
            )
        if data.get("priority_decimals", PRIORITY_DECIMALS) != PRIORITY_DECIMALS:
            raise InvalidInput(
                [InputIssue("precision_changed", "Stored with another priority precision.")]
            )
        names = list(data["attributes"])
        return cls(
            candidates=tuple(
                Candidate(
                    row[0],
                    row[1],
                    {k: v for k, v in zip(names, row[2:], strict=True) if v is not None},
                )
                for row in data["candidates"]
            ),
            seats=data["seats"],
            targets=tuple(
                Target(
                    id=t["id"],
                    kind=t["kind"],
                    measure=t["measure"],
                    dimension=t["dimension"],
                    value=t["value"],
                    amount=t["amount"],
                    label=t.get("label", ""),
                )
                for t in data["targets"]
            ),
            seed=data["seed"],
            mode=data["mode"],
            policy=data["policy"],
        )

    @classmethod
    def from_json(cls, text: str) -> SelectionProblem:
        """Read a problem written by :meth:`to_json`."""
        return cls.from_dict(json.loads(text))


# --------------------------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class InputIssue:
    """One thing wrong with the input: a stable ``code``, English text, and its numbers.

    ``params`` holds the values the message quotes, so a translation can be built from
    ``code`` and ``params`` alone.
    """

    code: str
    message: str
    target_id: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


class SelectionError(ValueError):
    """Base of the input errors: carries one :class:`InputIssue` per problem found."""

    def __init__(self, issues: Iterable[InputIssue]) -> None:
        self.issues: tuple[InputIssue, ...] = tuple(issues)
        super().__init__("; ".join(i.message for i in self.issues))


class InvalidInput(SelectionError):
    """Seats, candidates, seed, mode or policy that cannot be used (nothing was solved)."""


class InvalidTargets(InvalidInput):
    """Targets that make no sense on their own: share over 100%, negative, unknown fields."""


class SolverFailed(RuntimeError):
    """The solver stopped without an answer we can trust (time limit, numerical trouble)."""


# --------------------------------------------------------------------------------------------
# Outputs


@dataclass(frozen=True)
class Shortfall:
    """A target (or set of targets) that cannot be met, and by how much.

    ``required`` people are needed where only ``available`` can be had; ``missing`` is the
    difference, always the shortfall in people. By ``reason``:

    * ``not_enough_candidates``: a floor (required) above its eligible group (available);
    * ``above_seats``: a floor above the number admitted, ``N``;
    * ``min_above_max``: a floor (required) above a ceiling on the same group (available);
    * ``floors_exceed_seats``: the floors of one dimension (sum) above ``N``;
    * ``ceilings_below_seats``: ``N`` required, the room the ceilings of one dimension leave;
    * ``overlap``: targets that only conflict through their overlaps (strict mode, found by
      the solver): for a floor, its bound and what the closest selection reaches; for a
      ceiling, its bound and the bound less the closest selection's excess.
    """

    target_ids: tuple[str, ...]
    reason: str
    required: int
    available: int
    message: str

    @property
    def missing(self) -> int:
        return self.required - self.available


@dataclass(frozen=True)
class TargetRow:
    """One line of the target table: the bound in people against what the selection has."""

    target_id: str
    description: str
    kind: str
    measure: str
    dimension: str
    value: str
    amount: str
    bound: int
    eligible: int
    admitted: int
    met: bool
    shortfall: int


@dataclass(frozen=True)
class GroupCount:
    """Eligible and admitted candidates of one group (e.g. one department)."""

    eligible: int
    admitted: int


@dataclass(frozen=True)
class SolverInfo:
    """Which solver produced a result, its versions, and how much work it took."""

    name: str
    scipy: str
    numpy: str
    highs: str
    python: str
    solves: int
    variables: int
    blocks: int


@dataclass(frozen=True)
class Result:
    """The outcome of a selection run.

    ``admitted`` and ``waitlist`` are candidate ids in priority order (priority highest
    first, then lottery number); a waitlist position is the index in ``waitlist`` plus one.
    ``status`` is ``optimal`` (every target met, priority maximal), ``closest_feasible``
    (targets cannot all be met; the least total shortfall, then maximal priority),
    ``infeasible`` (strict mode; nobody admitted, ``shortfalls`` says why) or ``heuristic``
    (the greedy baseline).
    """

    status: Status
    admitted: tuple[CandidateId, ...]
    waitlist: tuple[CandidateId, ...]
    objective: float
    total_shortfall: int
    targets: tuple[TargetRow, ...]
    departments: Mapping[str, GroupCount]
    shortfalls: tuple[Shortfall, ...]
    seats: int
    admit_count: int
    seed: str
    mode: str
    policy: str
    solver: SolverInfo
    solve_seconds: float
    decisions_hash: str
    inputs_hash: str

    @property
    def targets_met(self) -> int:
        return sum(1 for row in self.targets if row.met)


@dataclass(frozen=True)
class Promotion:
    """The waitlisted candidate who gets a freed seat, and what it does to the targets."""

    candidate_id: CandidateId
    waitlist_index: int
    shortfall_before: int
    shortfall_after: int

    @property
    def targets_met(self) -> bool:
        return self.shortfall_after == 0


@dataclass(frozen=True)
class DecisionDiff:
    """What changed between two sets of ordered decisions (for ``selection_verify``)."""

    same: bool
    newly_admitted: tuple[CandidateId, ...]
    no_longer_admitted: tuple[CandidateId, ...]
    admitted_order_changed: bool
    waitlist_order_changed: bool


# --------------------------------------------------------------------------------------------
# Small pure helpers


def lottery_order(ids: Iterable[CandidateId], seed: str | int) -> dict[CandidateId, int]:
    """Lottery numbers: rank 1, 2, ... by ``SHA-256(f"{seed}:{id}")``, smallest digest first.

    Reproducible on every machine and Python version: it depends only on the UTF-8 text of
    the seed and of ``str(id)`` (so the id ``7`` and the id ``"7"`` draw the same number).
    Ids must be unique by ``str(id)``.
    """
    ids = list(ids)
    prefix = hashlib.sha256(f"{seed}:".encode())
    digests = []
    for i in ids:
        h = prefix.copy()
        h.update(str(i).encode())
        digests.append(h.digest())
    order = sorted(range(len(ids)), key=digests.__getitem__)
    return {ids[k]: rank for rank, k in enumerate(order, start=1)}


def _lottery_ranks(ids: Sequence[CandidateId], seed: str | int) -> np.ndarray:
    """:func:`lottery_order` as an array aligned with ``ids``."""
    ranks = lottery_order(ids, seed)
    return np.fromiter((ranks[i] for i in ids), dtype=np.int64, count=len(ids))


def lottery_priorities(ids: Iterable[CandidateId], seed: str | int) -> dict[CandidateId, float]:
    """A pure lottery as priorities: ``n + 1 - lottery number`` (number 1 is the highest).

    Selecting with these priorities and with ``policy="lottery"`` (all priorities equal, the
    lottery alone ordering) gives the same order of candidates; the policy is the cleaner
    way, since the objective then says nothing but "meet the targets".
    """
    ranks = lottery_order(ids, seed)
    n = len(ranks)
    return {i: float(n + 1 - r) for i, r in ranks.items()}


def quantize_priority(priority: float | int | Decimal) -> int:
    """A priority as an integer number of ``10**-PRIORITY_DECIMALS`` units (half to even)."""
    d = priority if isinstance(priority, Decimal) else Decimal(repr(priority))
    if not d.is_finite():
        raise ValueError("priority is not finite")
    return int((d.scaleb(PRIORITY_DECIMALS)).to_integral_value(rounding=ROUND_HALF_EVEN))


def resolve_bounds(targets: Sequence[Target], admit_count: int) -> dict[str, int]:
    """Each target's bound in people for ``N = admit_count`` admitted.

    ``count``: the amount. ``share``: ``amount * N / 100``, rounded up for a minimum and down
    for a maximum, in exact arithmetic. Targets must be valid (see :func:`validate`).
    """
    bounds: dict[str, int] = {}
    for t in targets:
        amount = Fraction(_amount(t.amount))
        if t.measure == "share":
            exact = amount * admit_count / 100
            bounds[t.id] = math.ceil(exact) if t.kind == "min" else math.floor(exact)
        else:
            bounds[t.id] = int(amount)
    return bounds


def decisions_hash(admitted: Sequence[CandidateId], waitlist: Sequence[CandidateId]) -> str:
    """SHA-256 of the ordered decisions.

    The hashed text is ``json.dumps({"admitted": [...], "waitlist": [...]}, sort_keys=True,
    separators=(",", ":"))`` with every id written as ``str(id)``, in order.
    """
    text = json.dumps(
        {"admitted": [str(i) for i in admitted], "waitlist": [str(i) for i in waitlist]},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def diff_decisions(
    admitted: Sequence[CandidateId], waitlist: Sequence[CandidateId], result: Result
) -> DecisionDiff:
    """Compare stored decisions with a re-solve, by ``str(id)``."""
    old_a = [str(i) for i in admitted]
    new_a = [str(i) for i in result.admitted]
    old_set, new_set = set(old_a), set(new_a)
    by_text = {str(i): i for i in [*admitted, *result.admitted]}
    newly = tuple(by_text[i] for i in new_a if i not in old_set)
    gone = tuple(by_text[i] for i in old_a if i not in new_set)
    a_order = old_a != new_a
    w_order = [str(i) for i in waitlist] != [str(i) for i in result.waitlist]
    return DecisionDiff(
        same=not (newly or gone or a_order or w_order),
        newly_admitted=newly,
        no_longer_admitted=gone,
        admitted_order_changed=a_order,
        waitlist_order_changed=w_order,
    )


def _amount(value: Decimal | int | float | str) -> Decimal:
    if isinstance(value, bool):
        raise InvalidOperation
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _amount_text(value: Decimal | int | float | str) -> str:
    try:
        return f"{_amount(value).normalize():f}"
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


def _solver_versions() -> tuple[str, str]:
    try:
        from scipy.optimize._highspy import _core  # private, hence guarded

        highs = (
            f"{_core.HIGHS_VERSION_MAJOR}.{_core.HIGHS_VERSION_MINOR}.{_core.HIGHS_VERSION_PATCH}"
        )
    except (ImportError, AttributeError):
        highs = "unknown"
    return scipy.__version__, highs


# --------------------------------------------------------------------------------------------
# Validation and the pre-solve feasibility check


def validate(problem: SelectionProblem) -> None:
    """Raise :class:`InvalidTargets` or :class:`InvalidInput` listing every problem found.

    See :func:`_validate` for the list.
    """
    _validate(problem)


def _validate(problem: SelectionProblem) -> np.ndarray:
    """Validate, and return the priorities as integers (zeros under the lottery policy).

    Target problems (one issue per target): unknown kind, measure or dimension; an amount
    that is not a number, negative, a share over 100, or a count that is not whole; two
    targets with one id. Input problems: seats not a whole number >= 1 (``no_seats`` for
    zero), no candidates, duplicate or empty ids, non-finite priorities, an unknown mode or
    policy, a total priority too large to be handled exactly.
    """
    issues: list[InputIssue] = []
    seen: set[str] = set()
    for t in problem.targets:
        tid = t.id
        if not isinstance(tid, str) or not tid:
            issues.append(InputIssue("target_id", "A target needs a non-empty text id.", None))
            continue
        if tid in seen:
            issues.append(
                InputIssue("duplicate_target", f"Target {tid!r} appears twice.", tid, {"id": tid})
            )
        seen.add(tid)
        if t.kind not in _KINDS:
            issues.append(
                InputIssue(
                    "unknown_kind",
                    f"Target {tid!r}: kind must be 'min' or 'max', not {t.kind!r}.",
                    tid,
                    {"kind": t.kind},
                )
            )
        if t.measure not in _MEASURES:
            issues.append(
                InputIssue(
                    "unknown_measure",
                    f"Target {tid!r}: measure must be 'count' or 'share', not {t.measure!r}.",
                    tid,
                    {"measure": t.measure},
                )
            )
        if t.dimension not in DIMENSIONS:
            issues.append(
                InputIssue(
                    "unknown_dimension",
                    f"Target {tid!r}: dimension must be one of {', '.join(DIMENSIONS)}, "
                    f"not {t.dimension!r}.",
                    tid,
                    {"dimension": t.dimension},
                )
            )
        if not isinstance(t.value, str) or not t.value:
            issues.append(
                InputIssue("empty_value", f"Target {tid!r}: the group value is empty.", tid)
            )
        try:
            amount = _amount(t.amount)
            if not amount.is_finite():
                raise InvalidOperation
        except (InvalidOperation, TypeError, ValueError):
            issues.append(
                InputIssue(
                    "not_a_number",
                    f"Target {tid!r}: the amount {t.amount!r} is not a number.",
                    tid,
                    {"amount": str(t.amount)},
                )
            )
            continue
        text = f"{amount.normalize():f}"
        if amount < 0:
            issues.append(
                InputIssue(
                    "negative_amount",
                    f"Target {tid!r}: the amount cannot be negative ({text}).",
                    tid,
                    {"amount": text},
                )
            )
        elif t.measure == "share" and amount > 100:
            issues.append(
                InputIssue(
                    "share_above_100",
                    f"Target {tid!r}: a share cannot be above 100% ({text}%).",
                    tid,
                    {"amount": text},
                )
            )
        elif t.measure == "count" and amount != amount.to_integral_value():
            issues.append(
                InputIssue(
                    "count_not_whole",
                    f"Target {tid!r}: a number of people is a whole number, not {text}.",
                    tid,
                    {"amount": text},
                )
            )
    if issues:
        raise InvalidTargets(issues)

    problems: list[InputIssue] = []
    seats = problem.seats
    if isinstance(seats, bool) or not isinstance(seats, int):
        problems.append(
            InputIssue("seats_not_whole", f"Seats must be a whole number, not {seats!r}.")
        )
    elif seats < 0:
        problems.append(
            InputIssue(
                "negative_seats", f"Seats cannot be negative ({seats}).", None, {"seats": seats}
            )
        )
    elif seats == 0:
        problems.append(InputIssue("no_seats", "There are no seats to allocate.", None))
    if not problem.candidates:
        problems.append(InputIssue("no_candidates", "There is no eligible candidate.", None))
    if problem.mode not in _MODES:
        problems.append(
            InputIssue("unknown_mode", f"Mode must be 'strict' or 'closest', not {problem.mode!r}.")
        )
    if problem.policy not in _POLICIES:
        problems.append(
            InputIssue(
                "unknown_policy", f"Policy must be 'score' or 'lottery', not {problem.policy!r}."
            )
        )
    cands = problem.candidates
    keys = [str(c.id) for c in cands]
    duplicates: list[str] = []
    if len(set(keys)) < len(keys):
        duplicates = sorted(k for k, times in Counter(keys).items() if times > 1)
    # Type checks per distinct type, not per candidate: a handful of types, 100,000 values.
    bad_ids = [c.id for c in cands if not _usable_id(c.id)] if _odd_ids(cands) else []
    for bad in bad_ids[:5]:
        problems.append(
            InputIssue(
                "bad_id", f"Candidate id {bad!r} is not a usable id.", None, {"id": str(bad)}
            )
        )
    bad_priority: list[str] = []
    if any(t is bool or not issubclass(t, int | float) for t in {type(c.priority) for c in cands}):
        bad_priority = [
            str(c.id)
            for c in cands
            if isinstance(c.priority, bool) or not isinstance(c.priority, int | float)
        ]
    elif cands:
        finite = np.isfinite(np.asarray([c.priority for c in cands], dtype=float))
        bad_priority = [keys[k] for k in np.flatnonzero(~finite)]
    if duplicates:
        problems.append(
            InputIssue(
                "duplicate_candidates",
                f"Candidate ids appear twice: {', '.join(duplicates[:5])}"
                + (" ..." if len(duplicates) > 5 else "")
                + ".",
                None,
                {"ids": duplicates},
            )
        )
    scaled = np.zeros(len(problem.candidates), dtype=np.int64)
    if bad_priority and problem.policy == "score":
        problems.append(
            InputIssue(
                "bad_priority",
                f"Priorities that are not finite numbers: {', '.join(bad_priority[:5])}.",
                None,
                {"ids": bad_priority},
            )
        )
    elif problem.policy == "score" and problem.candidates:
        scaled = _quantize_many([c.priority for c in problem.candidates])
        spread = int(scaled.max()) - int(scaled.min())
        if spread * max(problem.admit_count, 1) > _MAX_SCALED_TOTAL:
            problems.append(
                InputIssue(
                    "priority_range",
                    "Priorities span too wide a range to be optimised exactly; rescale them.",
                )
            )
    if problems:
        raise InvalidInput(problems)
    return scaled


def _odd_ids(cands: Sequence[Candidate]) -> bool:
    return any(
        t is bool or not issubclass(t, int | str) for t in {type(c.id) for c in cands}
    ) or any(c.id == "" for c in cands)


def _usable_id(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | str) and str(value) != ""


def _quantize_many(values: Sequence[float | int]) -> np.ndarray:
    """:func:`quantize_priority` for many finite values at once, exactly.

    ``x = p * 10**d`` in floating point is within 1.5 units in the last place of the exact
    decimal value; below 2**40 that is under 0.001, so rounding ``x`` is exact unless ``x``
    lies within 0.001 of a half, and those few (and any huge value) take the exact path.
    """
    arr = np.asarray(values, dtype=float)
    x = arr * float(10**PRIORITY_DECIMALS)
    out = np.rint(np.where(np.abs(x) < 2.0**40, x, 0.0)).astype(np.int64)
    slow = (np.abs(np.abs(x - np.floor(x)) - 0.5) < 1e-3) | ~(np.abs(x) < 2.0**40)
    for k in np.flatnonzero(slow):
        out[k] = quantize_priority(values[int(k)])
    return out


def _in_group(attributes: Mapping[str, str], target: Target) -> bool:
    return attributes.get(target.dimension) == target.value


def check_feasibility(problem: SelectionProblem) -> list[Shortfall]:
    """Reasons, found by counting, that no selection can meet every target.

    Validates first (raising like :func:`validate`). Returns an empty list when counting
    finds no conflict; the solver may still find one through overlaps of different
    dimensions (a department floor against a ceiling on its region, say).
    """
    validate(problem)
    return _check_feasibility(problem, _value_counts(problem.candidates))


def _value_counts(
    candidates: Sequence[Candidate], indices: Iterable[int] | None = None
) -> Counter[tuple[str, str]]:
    """How many of the candidates (or of those at ``indices``) have each (dimension, value)."""
    chosen = candidates if indices is None else [candidates[i] for i in indices]
    attributes = [c.attributes for c in chosen]
    counts: Counter[tuple[str, str]] = Counter()
    for d in DIMENSIONS:
        for value, k in Counter([a.get(d) for a in attributes]).items():
            if value is not None:
                counts[(d, value)] = k
    return counts


def _check_feasibility(
    problem: SelectionProblem, eligible: Counter[tuple[str, str]]
) -> list[Shortfall]:
    n_admit = problem.admit_count
    bounds = resolve_bounds(problem.targets, n_admit)
    found: list[Shortfall] = []
    mins: dict[tuple[str, str], Target] = {}
    maxs: dict[tuple[str, str], Target] = {}
    for t in problem.targets:
        key = (t.dimension, t.value)
        bound = bounds[t.id]
        if t.kind == "min":
            # A tighter floor on the same group wins; keep the largest.
            if key not in mins or bound > bounds[mins[key].id]:
                mins[key] = t
            if bound > n_admit:
                found.append(
                    Shortfall(
                        (t.id,),
                        "above_seats",
                        bound,
                        n_admit,
                        f"{t.describe()}: needs {bound} people but only {n_admit} are admitted.",
                    )
                )
            elif bound > eligible[key]:
                found.append(
                    Shortfall(
                        (t.id,),
                        "not_enough_candidates",
                        bound,
                        eligible[key],
                        f"{t.describe()}: needs {bound} people; only {eligible[key]} eligible.",
                    )
                )
        elif key not in maxs or bound < bounds[maxs[key].id]:
            maxs[key] = t
    for key, low in mins.items():
        high = maxs.get(key)
        if high is not None and bounds[low.id] > bounds[high.id]:
            found.append(
                Shortfall(
                    (low.id, high.id),
                    "min_above_max",
                    bounds[low.id],
                    bounds[high.id],
                    f"{low.describe()} is above {high.describe()}: "
                    f"at least {bounds[low.id]} but at most {bounds[high.id]}.",
                )
            )
    for dim in DIMENSIONS:
        floors = [t for (d, _v), t in mins.items() if d == dim]
        total = sum(bounds[t.id] for t in floors)
        if len(floors) > 1 and total > n_admit:
            found.append(
                Shortfall(
                    tuple(t.id for t in floors),
                    "floors_exceed_seats",
                    total,
                    n_admit,
                    f"The floors on {dim} add up to {total} people; only {n_admit} are admitted.",
                )
            )
        ceilings = {v: bounds[t.id] for (d, v), t in maxs.items() if d == dim}
        if ceilings:
            room = sum(
                min(count, ceilings.get(v, count)) for (d, v), count in eligible.items() if d == dim
            )
            # Candidates without a value on this dimension are never capped.
            room += len(problem.candidates) - sum(
                count for (d, _v), count in eligible.items() if d == dim
            )
            if room < n_admit:
                found.append(
                    Shortfall(
                        tuple(maxs[(dim, v)].id for v in ceilings),
                        "ceilings_below_seats",
                        n_admit,
                        room,
                        f"The ceilings on {dim} leave room for {room} people; "
                        f"{n_admit} must be admitted.",
                    )
                )
    return found


# --------------------------------------------------------------------------------------------
# The block model


class _Model:
    """Candidates merged into blocks (same target groups, same rounded priority)."""

    def __init__(self, problem: SelectionProblem, scaled: np.ndarray) -> None:
        cands = problem.candidates
        self.n = len(cands)
        self.N = problem.admit_count
        self.ids: list[CandidateId] = [c.id for c in cands]
        self.targets = problem.targets
        self.bounds = resolve_bounds(problem.targets, self.N)
        self.rank = _lottery_ranks(self.ids, problem.seed)
        self.prio = scaled
        # The priority order: priority descending, then lottery number ascending.
        self.order = np.lexsort((self.rank, -self.prio))

        dims = sorted({t.dimension for t in problem.targets})
        self.dims = dims
        columns = [[c.attributes.get(d) for c in cands] for d in dims]
        group_index: dict[tuple[str | None, ...], int] = {}
        keys = list(zip(*columns, strict=True)) if dims else [()] * self.n
        group = np.fromiter(
            (group_index.setdefault(key, len(group_index)) for key in keys),
            dtype=np.int64,
            count=self.n,
        )
        self.group_keys: list[tuple[str | None, ...]] = list(group_index)

        # Blocks: sort by (group, priority desc, lottery) so each block is contiguous and
        # its members come in lottery order.
        by_block = np.lexsort((self.rank, -self.prio, group))
        g_sorted = group[by_block]
        p_sorted = self.prio[by_block]
        starts = np.flatnonzero(
            np.concatenate(
                ([True], (g_sorted[1:] != g_sorted[:-1]) | (p_sorted[1:] != p_sorted[:-1]))
            )
        )
        ends = np.append(starts[1:], self.n)
        self.block_members: list[np.ndarray] = [
            by_block[s:e] for s, e in zip(starts, ends, strict=True)
        ]
        self.B = len(starts)
        self.block_start = starts.astype(np.int64)
        # Lottery numbers of the members, block after block: block b's k-th member (k from
        # 0) is at block_start[b] + k.
        self.rank_in_blocks = self.rank[by_block]
        self.block_size = (ends - starts).astype(np.int64)
        self.block_prio = p_sorted[starts].astype(np.int64)
        self.block_group = g_sorted[starts]
        self.block_of = np.empty(self.n, dtype=np.int64)
        self.member_index = np.empty(self.n, dtype=np.int64)  # place in its block's lottery
        for b, members in enumerate(self.block_members):
            self.block_of[members] = b
            self.member_index[members] = np.arange(len(members))

        # Objective coefficients, shifted and divided so that they are small non-negative
        # integers: with exactly N admitted, a constant shift does not change the argmax.
        base = int(self.block_prio.min())
        shifted = self.block_prio - base
        divisor = math.gcd(*(int(v) for v in np.unique(shifted))) or 1
        self.obj = shifted // divisor

        # Target rows over blocks.
        self.T = len(problem.targets)
        rows, cols = [], []
        for t_index, t in enumerate(problem.targets):
            d = dims.index(t.dimension)
            in_group = [g for g, key in enumerate(self.group_keys) if key[d] == t.value]
            members = np.flatnonzero(np.isin(self.block_group, in_group))
            rows.extend([t_index] * len(members))
            cols.extend(members.tolist())
        self.target_matrix = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(self.T, self.B))
        self.target_dense = self.target_matrix.toarray().astype(np.int64)
        self.is_min = np.array([t.kind == "min" for t in problem.targets], dtype=bool)
        self.bound_vec = np.array([self.bounds[t.id] for t in problem.targets], dtype=np.int64)

    def shortfalls(self, y: np.ndarray) -> np.ndarray:
        """Per-target shortfall (people below a floor, above a ceiling) of block counts y."""
        if self.T == 0:
            return np.zeros(0, dtype=np.int64)
        counts = np.asarray(self.target_matrix @ y).astype(np.int64)
        return np.where(
            self.is_min,
            np.maximum(0, self.bound_vec - counts),
            np.maximum(0, counts - self.bound_vec),
        )

    def value(self, y: np.ndarray) -> int:
        return int(np.dot(self.obj, y))


def _milp(
    c: np.ndarray,
    integrality: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    A: Any,
    row_lb: np.ndarray,
    row_ub: np.ndarray,
    *,
    gap: float,
    deadline: float,
    certificate_enough: bool,
) -> np.ndarray | None:
    """One HiGHS call. The solution (not rounded), or None when proven infeasible.

    With ``certificate_enough`` a feasible point found before the time limit is accepted
    (the caller checks it exactly and needs no proof of optimality). HiGHS's presolve is
    off: on these models (a dozen rows, many nearly parallel columns) it costs far more
    than it saves -- minutes on 100,000 columns, where the root LP alone takes seconds.
    """
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise SolverFailed("The selection took longer than its time limit.")
    res = milp(
        c,
        integrality=integrality,
        bounds=Bounds(lb, ub),
        constraints=LinearConstraint(A, row_lb, row_ub),
        options={"mip_rel_gap": gap, "time_limit": remaining, "presolve": False},
    )
    if res.status == 2:
        return None
    if res.x is not None and (res.status == 0 or (certificate_enough and res.status == 1)):
        return cast(np.ndarray, res.x)
    raise SolverFailed(f"HiGHS stopped without a usable answer: {res.message}")


#: Multipliers are rounded to multiples of 1/_DUAL_SCALE before the exact arithmetic.
_DUAL_SCALE = 2**20


@dataclass(frozen=True)
class _Duals:
    """Exact reduced costs and bound from rounded LP multipliers, all times _DUAL_SCALE."""

    rc: np.ndarray  # object array of Python ints, one per block
    upper: int  # >= scale * P.y for every y meeting the rows (weak duality)


class _Restricted:
    """The selection rows over the blocks not fixed by ``low == high``.

    Fixed blocks are folded into the right-hand sides, so a solve over a few hundred free
    blocks is a few milliseconds whatever the number of candidates. Optional rows: total
    shortfall at most ``s_cap`` (closest mode) and total priority at least ``p_floor``.
    """

    def __init__(
        self,
        m: _Model,
        strict: bool,
        low: np.ndarray,
        high: np.ndarray,
        *,
        s_cap: int | None = None,
        p_floor: int | None = None,
    ) -> None:
        self.m = m
        self.free = np.flatnonzero(low < high)
        self.fixed_y = np.where(low == high, low, 0).astype(np.int64)
        k = len(self.free)
        self.k = k
        self.n_s = 0 if strict else m.T
        rows: list[Any] = [csr_matrix(np.ones((1, k)))]
        n_fixed = int(self.fixed_y.sum())
        lbs: list[float] = [float(m.N - n_fixed)]
        ubs: list[float] = [float(m.N - n_fixed)]
        if m.T:
            rows.append(m.target_matrix[:, self.free])
            rest = m.bound_vec - np.asarray(m.target_matrix @ self.fixed_y).astype(np.int64)
            lbs.extend(np.where(m.is_min, rest, -np.inf).tolist())
            ubs.extend(np.where(m.is_min, np.inf, rest).tolist())
        if p_floor is not None:
            rows.append(csr_matrix(m.obj[self.free].astype(float)[None, :]))
            # Integer data: any integer y above p_floor - 0.5 reaches p_floor.
            lbs.append(float(p_floor - m.value(self.fixed_y)) - 0.5)
            ubs.append(np.inf)
        y_part = vstack(rows).tocsr()
        if self.n_s:
            signs = np.where(m.is_min, 1.0, -1.0)
            s_rows: list[Any] = [
                csr_matrix((1, m.T)),
                csr_matrix((signs, (np.arange(m.T), np.arange(m.T))), shape=(m.T, m.T)),
            ]
            if p_floor is not None:
                s_rows.append(csr_matrix((1, m.T)))
            A = hstack([y_part, vstack(s_rows)])
            if s_cap is not None:
                A = vstack([A, hstack([csr_matrix((1, k)), csr_matrix(np.ones((1, m.T)))])])
                lbs.append(-np.inf)
                ubs.append(s_cap + 0.5)
        else:
            A = y_part
        self.A = A.tocsr()
        self.row_lb = np.array(lbs, dtype=float)
        self.row_ub = np.array(ubs, dtype=float)

    def solve(
        self,
        c_free: np.ndarray,
        low: np.ndarray,
        high: np.ndarray,
        *,
        deadline: float,
        gap: float = 0.0,
        certificate_enough: bool = False,
        c_s: np.ndarray | None = None,
        extra_rows: Any = None,
        extra_lb: np.ndarray | None = None,
        extra_ub: np.ndarray | None = None,
        extra_cols: int = 0,
        extra_c: np.ndarray | None = None,
        extra_var_ub: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """Solve over the free blocks; the full-length block counts, or None if infeasible.

        ``extra_rows`` (sparse, over free blocks, shortfalls and ``extra_cols`` continuous
        columns) add rows; the extra columns have bounds ``[0, extra_var_ub]``.
        """
        k, free = self.k, self.free
        A, row_lb, row_ub = self.A, self.row_lb, self.row_ub
        if extra_cols:
            A = hstack([A, csr_matrix((A.shape[0], extra_cols))]).tocsr()
        if extra_rows is not None:
            A = vstack([A, extra_rows]).tocsr()
            row_lb = np.concatenate((row_lb, cast(np.ndarray, extra_lb)))
            row_ub = np.concatenate((row_ub, cast(np.ndarray, extra_ub)))
        c = np.concatenate(
            (
                c_free,
                np.zeros(self.n_s) if c_s is None else c_s,
                np.zeros(extra_cols) if extra_c is None else extra_c,
            )
        )
        lb = np.concatenate((low[free], np.zeros(self.n_s + extra_cols))).astype(float)
        ub = np.concatenate(
            (
                high[free],
                np.full(self.n_s, np.inf),
                np.zeros(0) if extra_var_ub is None else extra_var_ub,
            )
        ).astype(float)
        integrality = np.concatenate((np.ones(k), np.zeros(self.n_s + extra_cols)))
        x = _milp(
            c,
            integrality,
            lb,
            ub,
            A,
            row_lb,
            row_ub,
            gap=gap,
            deadline=deadline,
            certificate_enough=certificate_enough,
        )
        if x is None:
            return None
        y = self.fixed_y.copy()
        y[free] = np.rint(x[:k]).astype(np.int64)
        return y


class _Solver:
    """Stages A and B over a :class:`_Model`, with a clock and a count of solves."""

    def __init__(self, model: _Model, strict: bool, deadline: float) -> None:
        self.m = model
        self.strict = strict
        self.deadline = deadline
        self.solves = 0
        self.n_s = 0 if strict else model.T
        self.nvar = model.B + self.n_s

    def restricted(
        self,
        low: np.ndarray,
        high: np.ndarray,
        *,
        s_cap: int | None = None,
        p_floor: int | None = None,
    ) -> _Restricted:
        return _Restricted(self.m, self.strict, low, high, s_cap=s_cap, p_floor=p_floor)

    def min_shortfall(self) -> tuple[int, np.ndarray]:
        """Stage A (closest mode): the least total shortfall, and a selection reaching it."""
        m = self.m
        low, high = np.zeros(m.B, dtype=np.int64), m.block_size.copy()
        sub = _Restricted(m, False, low, high)
        self.solves += 1
        y = sub.solve(np.zeros(m.B), low, high, deadline=self.deadline, c_s=np.ones(m.T))
        if y is None:  # with free shortfalls any N candidates will do
            raise SolverFailed("The relaxed selection problem has no solution.")
        return int(m.shortfalls(y).sum()), y

    def duals(self, s_star: int) -> _Duals | None:
        """Exact reduced costs from the LP relaxation of stage B (None if it fails).

        For any multipliers ``pi`` of the right signs, weak duality gives, for every y
        meeting the rows, ``scale * P.y <= upper - sum_b |rc_b| * (distance of y_b from the
        bound that rc_b pushes it to)`` with ``rc = scale * P - A^T pi``. The multipliers
        come from the LP, are rounded to multiples of ``1/scale`` and clipped to the right
        sign; everything after that is exact integer arithmetic, so what follows from the
        inequality is proved, whatever the floating-point error in the LP.
        """
        m = self.m
        if not m.T:
            return None
        sign = np.where(m.is_min, -1, 1)
        rows_y = csr_matrix(sign[:, None] * m.target_dense)
        b_ub = [int(v) for v in sign * m.bound_vec]
        if self.n_s:
            s_cols = csr_matrix((-np.ones(m.T), (np.arange(m.T), np.arange(m.T))), shape=(m.T, m.T))
            A_ub = vstack(
                [
                    hstack([rows_y, s_cols]),
                    hstack([csr_matrix((1, m.B)), csr_matrix(np.ones((1, m.T)))]),
                ]
            ).tocsr()
            b_ub.append(s_star)
        else:
            A_ub = rows_y.tocsr()
        A_eq = csr_matrix(np.concatenate((np.ones(m.B), np.zeros(self.n_s)))[None, :])
        c = np.concatenate((-m.obj.astype(float), np.zeros(self.n_s)))
        bounds = np.column_stack(
            (np.zeros(self.nvar), np.concatenate((m.block_size, np.full(self.n_s, np.inf))))
        )
        if time.monotonic() > self.deadline:
            raise SolverFailed("The selection took longer than its time limit.")
        self.solves += 1
        # The interior point method (with crossover) is much faster than the simplex
        # method on many columns and a dozen rows; any multipliers will do, exactness
        # comes from the integer arithmetic below.
        res = linprog(
            c,
            A_ub=A_ub,
            b_ub=np.array(b_ub, dtype=float),
            A_eq=A_eq,
            b_eq=[m.N],
            bounds=bounds,
            method="highs-ipm" if m.B > 20_000 else "highs",
            options={"presolve": False},
        )
        if res.status != 0:
            return None
        scale = _DUAL_SCALE
        pi_ub = [max(0, round(-v * scale)) for v in res.ineqlin.marginals]
        pi_eq = round(-res.eqlin.marginals[0] * scale)
        dense = A_ub.toarray().astype(np.int64).astype(object)
        weighted = np.array(pi_ub, dtype=object) @ dense  # exact, one integer per column
        rc = m.obj.astype(object) * scale - weighted[: m.B] - pi_eq
        upper = sum(p * r for p, r in zip(pi_ub, b_ub, strict=True)) + pi_eq * m.N
        positive = rc > 0
        if positive.any():
            upper += int((rc[positive] * m.block_size.astype(object)[positive]).sum())
        if self.n_s:
            # s_t <= sum(s) <= S*, so s_t's term is at most max(0, rc_s) * S*.
            upper += sum(max(0, -int(w)) for w in weighted[m.B :]) * s_star
        return _Duals(rc=rc, upper=int(upper))

    def fixed_bounds(self, duals: _Duals, p_floor: int) -> tuple[np.ndarray, np.ndarray]:
        """Bounds on ``y_b`` that hold in every selection with priority at least p_floor."""
        m = self.m
        low = np.zeros(m.B, dtype=np.int64)
        high = m.block_size.copy()
        room = duals.upper - p_floor * _DUAL_SCALE
        if room < 0:  # no such selection at all
            return low, high
        for b in np.flatnonzero(duals.rc != 0):
            r = int(duals.rc[b])
            if r < 0:
                high[b] = min(int(high[b]), room // -r)
            else:
                low[b] = max(0, int(m.block_size[b]) - room // r)
        return low, high

    def max_priority(self, s_star: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray] | None:
        """Stage B: the most priority P* with total shortfall at most ``s_star``.

        Returns ``(P*, an optimal y, low, high)`` where ``low <= y <= high`` holds for
        *every* optimal selection (reduced-cost fixing), or None if there is no selection.

        Solved on a *core*: blocks whose reduced cost is small are free, the others are
        fixed at the bound their reduced cost pushes them to. If the core's optimum P_c
        leaves ``room = upper - scale * P_c`` smaller than every fixed block's ``|rc|``,
        no selection as good as P_c can move a fixed block, so P_c is the optimum of the
        whole problem (proved, in integers); otherwise the core grows and is solved again.
        """
        m = self.m
        s_cap = None if self.strict else s_star
        full_low, full_high = np.zeros(m.B, dtype=np.int64), m.block_size.copy()
        duals = self.duals(s_star)
        if duals is None:
            sub = self.restricted(full_low, full_high, s_cap=s_cap)
            self.solves += 1
            y = sub.solve(-m.obj.astype(float), full_low, full_high, deadline=self.deadline)
            if y is None:
                return None
            return m.value(y), y, full_low, full_high
        magnitude = np.array([abs(int(r)) for r in duals.rc], dtype=float)
        cut = 0.0
        core_size = max(64, 2 * m.T + 2)
        while True:
            ordered = np.sort(magnitude)
            cut = max(cut, float(ordered[min(core_size, m.B) - 1]))
            in_core = magnitude <= cut
            low = np.where(in_core, 0, np.where(duals.rc > 0, m.block_size, 0)).astype(np.int64)
            high = np.where(in_core, m.block_size, low).astype(np.int64)
            sub = self.restricted(low, high, s_cap=s_cap)
            self.solves += 1
            y = sub.solve(-m.obj[sub.free].astype(float), low, high, deadline=self.deadline)
            everything = bool(in_core.all())
            if y is None:
                if everything:
                    return None
                core_size *= 4
                continue
            p_core = m.value(y)
            room = duals.upper - p_core * _DUAL_SCALE
            outside = magnitude[~in_core]
            if everything or (room >= 0 and bool(np.all(outside > room))):
                if int(y.sum()) != m.N or int(m.shortfalls(y).sum()) > s_star:
                    raise SolverFailed("HiGHS returned a selection that fails the exact check.")
                low, high = self.fixed_bounds(duals, p_core)
                if not (bool(np.all(y >= low)) and bool(np.all(y <= high))):
                    raise SolverFailed("The optimal selection breaks the proved bounds.")
                return p_core, y, low, high
            cut = max(cut, float(room))
            core_size = max(core_size * 2, int(np.count_nonzero(magnitude <= room)))


class _Face:
    """The optimal selections (shortfall at most S*, priority at least P*), as probes."""

    def __init__(
        self, solver: _Solver, s_star: int, p_star: int, low: np.ndarray, high: np.ndarray
    ) -> None:
        self.solver = solver
        self.m = solver.m
        self.sub = solver.restricted(
            low, high, s_cap=None if solver.strict else s_star, p_floor=p_star
        )
        self.s_star = s_star
        self.p_star = p_star

    def probe(
        self,
        low: np.ndarray,
        high: np.ndarray,
        *,
        raise_blocks: np.ndarray | None = None,
        guide: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """An optimal selection within ``low <= y <= high`` (full-length arrays), or None.

        With ``raise_blocks``: one that also admits at least one more member of those
        blocks in total. With ``guide`` (full length): one agreeing with it as much as
        possible. A returned selection is checked exactly here; None means HiGHS proved
        that there is none.
        """
        m, sub = self.m, self.sub
        free, k, n_s = sub.free, sub.k, sub.n_s
        c = np.zeros(k)
        kwargs: dict[str, Any] = {}
        if raise_blocks is not None:
            # One row: at least one more member among these blocks in total. And, to learn
            # as much as possible from a yes, r_j <= y_j - low_j with r_j in [0, 1]:
            # maximise the number of blocks raised at once.
            pos = np.searchsorted(free, raise_blocks)
            q = len(pos)
            width = k + n_s + q
            at_least = np.zeros(width)
            at_least[pos] = 1.0
            link = csr_matrix(
                (
                    np.concatenate((np.ones(q), -np.ones(q))),
                    (np.tile(np.arange(q), 2), np.concatenate((k + n_s + np.arange(q), pos))),
                ),
                shape=(q, width),
            )
            kwargs = {
                "extra_cols": q,
                "extra_rows": vstack([csr_matrix(at_least[None, :]), link]).tocsr(),
                "extra_lb": np.concatenate(
                    ([float(low[raise_blocks].sum() + 1)], np.full(q, -np.inf))
                ),
                "extra_ub": np.concatenate(([np.inf], -low[raise_blocks].astype(float))),
                "extra_c": -np.ones(q),
                "extra_var_ub": np.ones(q),
                "gap": 0.25,  # any feasible point answers the question; more only helps
            }
        elif guide is not None:
            # Agreement variables w_j <= y_j, 0 <= w_j <= guide_j; maximise their sum.
            want = np.flatnonzero(guide[free] > low[free])
            g = len(want)
            if g:
                link = csr_matrix(
                    (
                        np.concatenate((-np.ones(g), np.ones(g))),
                        (np.tile(np.arange(g), 2), np.concatenate((want, k + n_s + np.arange(g)))),
                    ),
                    shape=(g, k + n_s + g),
                )
                kwargs = {
                    "extra_cols": g,
                    "extra_rows": link,
                    "extra_lb": np.full(g, -np.inf),
                    "extra_ub": np.zeros(g),
                    "extra_c": -np.ones(g),
                    "extra_var_ub": guide[free][want].astype(float),
                }
        self.solver.solves += 1
        y = sub.solve(
            c, low, high, deadline=self.solver.deadline, certificate_enough=True, **kwargs
        )
        if y is None:
            return None
        if not (
            int(y.sum()) == m.N
            and bool(np.all(y >= low))
            and bool(np.all(y <= high))
            and m.value(y) >= self.p_star
            and int(m.shortfalls(y).sum()) <= self.s_star
        ):
            raise SolverFailed("HiGHS returned a selection that fails the exact check.")
        return y


def _swap_certificate(
    m: _Model, face: _Face, incumbent: np.ndarray, low: np.ndarray, b: int
) -> np.ndarray | None:
    """Try to make room in ``incumbent`` for one more member of block ``b`` by one exchange.

    The incumbent gives up one not-yet-decided member of a block ``a`` with the same
    priority (so the total stays optimal) and the worst lottery number among those that
    can leave without breaking a target (or raising the total shortfall). Cheap, exact,
    and often enough; when it fails the solver is asked.
    """
    spare = np.flatnonzero((incumbent > low) & (m.block_prio == m.block_prio[b]))
    spare = spare[spare != b]
    if not len(spare):
        return None
    if m.T:
        counts = np.asarray(m.target_matrix @ incumbent).astype(np.int64)
        col_b = m.target_dense[:, b]
        new = counts[:, None] + col_b[:, None] - m.target_dense[:, spare]
        bound = m.bound_vec[:, None]
        short = np.where(m.is_min[:, None], np.maximum(0, bound - new), np.maximum(0, new - bound))
        ok = short.sum(axis=0) <= face.s_star
        spare = spare[ok]
        if not len(spare):
            return None
    # The member that would leave is the last one the incumbent takes from its block.
    leaving_rank = m.rank_in_blocks[m.block_start[spare] + incumbent[spare] - 1]
    a = int(spare[int(np.argmax(leaving_rank))])
    y = incumbent.copy()
    y[a] -= 1
    y[b] += 1
    return y


def _close_in_bulk(
    m: _Model,
    face: _Face,
    incumbent: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    closed: np.ndarray,
    priority: int,
    rounds: int = 3,
) -> bool:
    """Close, with few solves, the blocks of one priority level that cannot grow.

    Bounds only tighten during the walk, so a block that cannot take one more member now
    never will. Ask whether any open block of the level that the incumbent does not cover
    can grow; if none can, close them all at once; if some can, set those aside and ask
    again about the rest (a few rounds at most: this only saves solves, it decides nothing).
    Returns whether it closed anything.
    """
    todo = np.flatnonzero(~closed & (incumbent == low) & (m.block_prio == priority))
    for _ in range(rounds):
        if len(todo) < 2:
            return False
        y = face.probe(low, high, raise_blocks=todo)
        if y is None:
            high[todo] = low[todo]
            closed[todo] = True
            return True
        todo = todo[y[todo] == low[todo]]
    return False


def _lexicographic_walk(
    m: _Model,
    face: _Face,
    low: np.ndarray,
    high: np.ndarray,
    start: np.ndarray,
) -> np.ndarray:
    """The lexicographically first optimal selection in priority order (see module doc)."""
    low = low.copy()
    high = high.copy()
    incumbent = start.copy()
    if not (bool(np.all(incumbent >= low)) and bool(np.all(incumbent <= high))):
        raise SolverFailed("The optimal selection breaks the proved bounds.")
    order = m.order
    block_of = m.block_of
    member = m.member_index
    walked_in = np.zeros(m.B, dtype=np.int64)  # members decided in, per block, in the walk
    closed = low == high

    def continuation(position: int) -> np.ndarray:
        # Where the walk would go if no target got in the way: the next open candidates in
        # priority order until N are in. Steering the solver there keeps it agreeing with
        # the walk, so that later candidates are certified without another solve.
        rest = order[position:]
        blocks = block_of[rest]
        idx = member[rest]
        extra = (idx >= low[blocks]) & (idx < high[blocks])
        need = m.N - total
        take = rest[extra][:need]
        z = low.copy()
        np.add.at(z, block_of[take], 1)
        return z

    total = int(low.sum())
    wait, penalty = 0, 1
    # Start from the optimal selection closest to the unconstrained walk, so that most
    # candidates are certified by it alone.
    if bool(np.any(incumbent != low)):
        y = face.probe(low, high, guide=continuation(0))
        if y is None:
            raise SolverFailed("The optimal face has no selection within the proved bounds.")
        incumbent = y
    for position, i in enumerate(order):
        if total == m.N:
            break
        b = int(block_of[i])
        k = walked_in[b]
        if k < low[b]:  # proved to be in every optimal selection
            walked_in[b] += 1
            continue
        if closed[b]:
            continue
        if incumbent[b] <= low[b]:
            y = _swap_certificate(m, face, incumbent, low, b)
            if y is None:
                trial = low.copy()
                trial[b] += 1
                y = face.probe(trial, high, guide=continuation(position))
            if y is None:
                high[b] = low[b]
                closed[b] = True
                # Where blocks close one by one (each in its turn), bulk attempts are wasted
                # solves: after one that closes nothing, skip twice as many closures.
                if wait:
                    wait -= 1
                elif _close_in_bulk(m, face, incumbent, low, high, closed, int(m.block_prio[b])):
                    penalty = 1
                else:
                    penalty *= 2
                    wait = penalty
                continue
            incumbent = y
        low[b] += 1
        total += 1
        walked_in[b] += 1
        if low[b] == high[b]:
            closed[b] = True
    if int(low.sum()) != m.N:
        raise SolverFailed("The lottery walk did not reach the number of seats.")
    return low


def _selection_from_counts(model: _Model, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Admitted and waitlisted candidate indices, each in priority order."""
    chosen = np.zeros(model.n, dtype=bool)
    for b, members in enumerate(model.block_members):
        chosen[members[: int(y[b])]] = True
    in_order = model.order
    return in_order[chosen[in_order]], in_order[~chosen[in_order]]


def _target_rows(
    problem: SelectionProblem,
    bounds: Mapping[str, int],
    eligible: Counter[tuple[str, str]],
    admitted: Counter[tuple[str, str]],
) -> tuple[TargetRow, ...]:
    rows = []
    for t in problem.targets:
        key = (t.dimension, t.value)
        have = admitted[key]
        bound = bounds[t.id]
        short = max(0, bound - have) if t.kind == "min" else max(0, have - bound)
        rows.append(
            TargetRow(
                target_id=t.id,
                description=t.describe(),
                kind=t.kind,
                measure=t.measure,
                dimension=t.dimension,
                value=t.value,
                amount=_amount_text(t.amount),
                bound=bound,
                eligible=eligible[key],
                admitted=have,
                met=short == 0,
                shortfall=short,
            )
        )
    return tuple(rows)


@dataclass(frozen=True)
class _Run:
    """What every result needs besides its decisions."""

    problem: SelectionProblem
    scaled: np.ndarray
    eligible: Counter[tuple[str, str]]
    started: float
    name: str


def _result(
    run: _Run,
    status: Status,
    admitted_idx: Sequence[int],
    waitlist_idx: Sequence[int],
    shortfalls: Sequence[Shortfall],
    *,
    solves: int = 0,
    blocks: int = 0,
    variables: int = 0,
) -> Result:
    problem = run.problem
    cands = problem.candidates
    bounds = resolve_bounds(problem.targets, problem.admit_count)
    admitted = tuple(cands[i].id for i in admitted_idx)
    waitlist = tuple(cands[i].id for i in waitlist_idx)
    have = _value_counts(cands, admitted_idx)
    rows = _target_rows(problem, bounds, run.eligible, have)
    departments = {
        value: GroupCount(eligible=count, admitted=have[(d, value)])
        for (d, value), count in sorted(run.eligible.items())
        if d == "department"
    }
    total = int(run.scaled[list(admitted_idx)].sum()) if len(admitted_idx) else 0
    objective = float(Decimal(total).scaleb(-PRIORITY_DECIMALS))
    scipy_version, highs_version = _solver_versions()
    return Result(
        status=status,
        admitted=admitted,
        waitlist=waitlist,
        objective=objective,
        total_shortfall=sum(r.shortfall for r in rows),
        targets=rows,
        departments=departments,
        shortfalls=tuple(shortfalls),
        seats=problem.seats,
        admit_count=problem.admit_count,
        seed=problem.seed,
        mode=problem.mode,
        policy=problem.policy,
        solver=SolverInfo(
            name=run.name,
            scipy=scipy_version,
            numpy=np.__version__,
            highs=highs_version,
            python=platform.python_version(),
            solves=solves,
            variables=variables,
            blocks=blocks,
        ),
        solve_seconds=time.perf_counter() - run.started,
        decisions_hash=decisions_hash(admitted, waitlist),
        inputs_hash=problem.inputs_hash,
    )


def _overlap_shortfalls(
    problem: SelectionProblem, model: _Model, deadline: float
) -> list[Shortfall]:
    """Per-target shortfalls of a closest feasible selection (strict mode, overlaps)."""
    _s, y = _Solver(model, strict=False, deadline=deadline).min_shortfall()
    short = model.shortfalls(y)
    counts = np.asarray(model.target_matrix @ y).astype(np.int64)
    found = []
    for k, t in enumerate(problem.targets):
        if short[k] == 0:
            continue
        bound, have = int(model.bound_vec[k]), int(counts[k])
        if t.kind == "min":
            tail = f"the closest selection has {have} of {bound}."
            available = have
        else:
            tail = f"the closest selection has {have}, {have - bound} over the limit."
            available = bound - (have - bound)
        found.append(
            Shortfall(
                (t.id,),
                "overlap",
                bound,
                available,
                f"{t.describe()}: cannot be met together with the other targets; {tail}",
            )
        )
    return found


def allocate(problem: SelectionProblem, *, time_limit: float = 120.0) -> Result:
    """Select exactly ``min(seats, candidates)`` candidates, exactly (see the module doc).

    Raises :class:`InvalidTargets` / :class:`InvalidInput` for unusable input and
    :class:`SolverFailed` if the solver does not finish within ``time_limit`` seconds.
    In strict mode an infeasible problem gives ``status="infeasible"``, nobody admitted,
    and the reasons in ``shortfalls``; in closest mode the closest feasible selection, with
    the counting reasons (if any) in ``shortfalls`` and each target's shortfall in
    ``targets``.
    """
    started = time.perf_counter()
    scaled = _validate(problem)
    eligible = _value_counts(problem.candidates)
    found = _check_feasibility(problem, eligible)
    run = _Run(problem, scaled, eligible, started, "HiGHS via scipy.optimize.milp")
    strict = problem.mode == "strict"
    model = _Model(problem, scaled)
    deadline = time.monotonic() + time_limit
    solver = _Solver(model, strict=strict, deadline=deadline)

    def finish(status: Status, y: np.ndarray | None, reasons: Sequence[Shortfall]) -> Result:
        admitted_idx: list[int] = []
        waitlist_idx: list[int] = []
        if y is not None:
            a, w = _selection_from_counts(model, y)
            admitted_idx, waitlist_idx = a.tolist(), w.tolist()
        return _result(
            run,
            status,
            admitted_idx,
            waitlist_idx,
            reasons,
            solves=solver.solves,
            blocks=model.B,
            variables=solver.nvar,
        )

    if strict and found:
        return finish("infeasible", None, found)
    if strict:
        stage_b = solver.max_priority(0)
        if stage_b is None:
            # Counting found nothing, so the conflict is in the overlaps: show the closest
            # selection's shortfalls, target by target.
            return finish("infeasible", None, _overlap_shortfalls(problem, model, deadline))
        s_star = 0
    else:
        s_star, _y = solver.min_shortfall()
        stage_b = solver.max_priority(s_star)
        if stage_b is None:
            raise SolverFailed("No selection reaches the least shortfall the solver found.")
    p_star, y_b, low, high = stage_b
    face = _Face(solver, s_star, p_star, low, high)
    y = _lexicographic_walk(model, face, low, high, y_b)
    if model.value(y) != p_star or int(model.shortfalls(y).sum()) != s_star:
        raise SolverFailed("The final selection fails the exact check.")
    return finish("optimal" if s_star == 0 else "closest_feasible", y, found)


# --------------------------------------------------------------------------------------------
# The greedy baseline


def greedy_allocate(problem: SelectionProblem) -> Result:
    """The baseline the solver is measured against: floors first, then priority.

    For each minimum target in the order given, admit the best (priority order) not yet
    admitted members of its group until its bound is reached; then fill the remaining seats
    in priority order. A candidate is skipped whenever admitting them would exceed a maximum
    target. Fast and simple, but blind to overlaps: it can miss a target that an exact
    solver meets, and it never knows whether it could have done better.
    """
    started = time.perf_counter()
    scaled = _validate(problem)
    eligible = _value_counts(problem.candidates)
    run = _Run(
        problem, scaled, eligible, started, "greedy baseline (floors in turn, then priority)"
    )
    cands = problem.candidates
    n_admit = problem.admit_count
    bounds = resolve_bounds(problem.targets, n_admit)
    ranks = _lottery_ranks([c.id for c in cands], problem.seed)
    order = np.lexsort((ranks, -scaled)).tolist()
    members = {
        t.id: [i for i in order if _in_group(cands[i].attributes, t)] for t in problem.targets
    }
    ceilings = [t for t in problem.targets if t.kind == "max"]
    counts: Counter[str] = Counter()
    chosen = np.zeros(len(cands), dtype=bool)
    admitted = 0

    def admit(i: int) -> None:
        nonlocal admitted
        attrs = cands[i].attributes
        if any(counts[t.id] >= bounds[t.id] and _in_group(attrs, t) for t in ceilings):
            return
        chosen[i] = True
        admitted += 1
        for t in problem.targets:
            if _in_group(attrs, t):
                counts[t.id] += 1

    for t in problem.targets:
        if t.kind != "min":
            continue
        for i in members[t.id]:
            if admitted >= n_admit or counts[t.id] >= bounds[t.id]:
                break
            if not chosen[i]:
                admit(i)
    for i in order:
        if admitted >= n_admit:
            break
        if not chosen[i]:
            admit(i)
    admitted_idx = [i for i in order if chosen[i]]
    waitlist_idx = [i for i in order if not chosen[i]]
    return _result(run, "heuristic", admitted_idx, waitlist_idx, ())


# --------------------------------------------------------------------------------------------
# Waitlist promotion


def _group_keys(
    attributes: Sequence[Mapping[str, str]], dims: Sequence[str]
) -> list[tuple[str | None, ...]]:
    """Each mapping's values on ``dims`` (None where absent), fast when none is absent."""
    if not dims:
        return [()] * len(attributes)
    getter = itemgetter(*dims)
    try:
        values = list(map(getter, attributes))  # one C call per mapping
    except KeyError:
        return [tuple(a.get(d) for d in dims) for a in attributes]
    return values if len(dims) > 1 else [(v,) for v in values]


def choose_promotion(
    *,
    admitted: Iterable[Mapping[str, str]],
    waitlist: Sequence[Candidate],
    targets: Sequence[Target],
    admit_count: int,
    freed: Mapping[str, str] | None = None,
) -> Promotion | None:
    """Who gets a freed seat: the first in ``waitlist`` order whose admission leaves the
    least total shortfall -- zero, when the targets can be kept.

    ``admitted`` are the attributes of the seat holders; if ``freed`` is given, one holder
    with those attributes is removed first (the one leaving), otherwise ``admitted`` is
    taken to exclude them already. ``waitlist`` must be in waitlist order (best first).
    Bounds are those of the run, for ``admit_count = N`` admitted.

    Rule: minimise (total shortfall after admission, waitlist position). Where every target
    can stay met this is "the highest-priority candidate who keeps every target met"; where
    targets already fall short it is "the one who reduces the shortfall most, ties by
    priority". All candidates with the same values on the targets' dimensions have the same
    effect, so each such group is evaluated once, at its first member: linear in the
    waitlist, no solver. Since later members of a group are never chosen before its first,
    passing only the first waitlisted of each group (one ``GROUP BY`` query) gives the same
    answer, in a fraction of the time; ``waitlist_index`` is then an index in that list.

    ``shortfall_before`` is the total shortfall with the seat empty, ``shortfall_after``
    with the chosen candidate in it. Returns None when the waitlist is empty.
    """
    bounds = resolve_bounds(targets, admit_count)
    dims = sorted({t.dimension for t in targets})
    counts: Counter[tuple[str, str]] = Counter()
    for group, k in Counter(_group_keys(list(admitted), dims)).items():
        for d, value in zip(dims, group, strict=True):
            if value is not None:
                counts[(d, value)] += k
    if freed is not None:
        for d in dims:
            if d in freed:
                key = (d, freed[d])
                if counts[key] <= 0:
                    raise ValueError("The freed seat's holder is not among the admitted.")
                counts[key] -= 1
    floors = [((t.dimension, t.value), bounds[t.id]) for t in targets if t.kind == "min"]
    ceilings = [((t.dimension, t.value), bounds[t.id]) for t in targets if t.kind == "max"]

    def total(extra: Mapping[tuple[str, str], int]) -> int:
        s = 0
        for key, bound in floors:
            s += max(0, bound - counts[key] - extra.get(key, 0))
        for key, bound in ceilings:
            s += max(0, counts[key] + extra.get(key, 0) - bound)
        return s

    before = total({})
    best: tuple[int, int] | None = None
    seen: set[tuple[str | None, ...]] = set()
    # In chunks, so that the common case (someone early in line keeps every target) stops
    # early, while a full scan still builds the group keys with list comprehensions.
    chunk = 4096
    for start in range(0, len(waitlist), chunk):
        keys = _group_keys([c.attributes for c in waitlist[start : start + chunk]], dims)
        # The first index of each group in this chunk (later duplicates overwritten first).
        firsts = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
        for group, offset in sorted(firsts.items(), key=lambda item: item[1]):
            if group in seen:
                continue
            seen.add(group)
            extra = {(d, v): 1 for d, v in zip(dims, group, strict=True) if v is not None}
            after = total(extra)
            if best is None or after < best[0]:
                best = (after, start + offset)
                if after == 0:
                    break
        if best is not None and best[0] == 0:
            break  # nobody later in line can do better than zero
    if best is None:
        return None
    after, index = best
    return Promotion(
        candidate_id=waitlist[index].id,
        waitlist_index=index,
        shortfall_before=before,
        shortfall_after=after,
    )
