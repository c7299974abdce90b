"""The numbers of the impact report from a band's arrays, with small cells suppressed.

Pure (numpy and ``estimate``; no database): ``selectors.impact_report`` gathers the arrays,
this module computes. The rule of publication: no count of people between 1 and k - 1 is
shown (``core.suppression``, with its complementary hiding for an arm and the band's total),
and no mean or estimate is shown that rests on fewer than k people in either arm: the
sentence next to it says why it is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from yachay.core.suppression import suppress_breakdown
from yachay.impact import estimate


@dataclass(frozen=True)
class Counts:
    """Counts by arm as they may be published (None = hidden)."""

    treatment: int | None
    control: int | None
    total: int | None


@dataclass(frozen=True)
class Rate:
    """A share by arm, shown only when both arms' denominators reach k."""

    counts: Counts  # numerators
    base: Counts  # denominators
    treatment: float | None
    control: float | None
    difference: estimate.Estimate | None  # within strata, with its interval


@dataclass(frozen=True)
class BalanceLine:
    key: str
    row: estimate.BalanceRow | None  # None: hidden (fewer than k answers in an arm)
    source: str  # "application" | "baseline"


@dataclass(frozen=True)
class OutcomeLine:
    key: str
    itt: estimate.Estimate | None
    itt_baseline: estimate.Estimate | None  # with the baseline answer as a covariate
    iv: estimate.Estimate | None
    note: str = ""  # why something is missing: "small", "not_estimable", "weak", "full_take_up"


@dataclass(frozen=True)
class Followup:
    kind: str
    invited: Counts
    responded: Rate
    outcomes: list[OutcomeLine]
    # Invited with the learners' text rather than the applicants' (the surveys' own job got
    # to them first): the arms were not asked in the same words.
    learner_wording: Counts = Counts(0, 0, 0)


@dataclass(frozen=True)
class Report:
    k: int
    band: Counts
    strata: int
    promoted: Counts
    take_up: Rate
    balance: list[BalanceLine]
    followups: list[Followup] = field(default_factory=list)
    iv_applies: bool = False
    nobody_completed: bool = False


def _counts(t: int, c: int, k: int) -> Counts:
    shown = suppress_breakdown([int(t), int(c)], k=k)
    return Counts(shown.cells[0], shown.cells[1], shown.total)


def _rate(flag: np.ndarray, base: np.ndarray, z: np.ndarray, strata: np.ndarray, k: int) -> Rate:
    t_base, c_base = int(base[z == 1].sum()), int(base[z == 0].sum())
    t, c = int((flag & base)[z == 1].sum()), int((flag & base)[z == 0].sum())
    shown = t_base >= k and c_base >= k
    diff = None
    if shown:
        try:
            y = np.where(base, flag.astype(float), np.nan)
            diff = estimate.itt(y, z, strata)
        except estimate.NotEstimable:
            diff = None
    return Rate(
        counts=_counts(t, c, k),
        base=_counts(t_base, c_base, k),
        treatment=t / t_base if shown else None,
        control=c / c_base if shown else None,
        difference=diff,
    )


def baseline_covariates(base: np.ndarray | None) -> np.ndarray | None:
    """The baseline answer as covariates, keeping everyone: a missing answer is filled with
    the mean of the others and flagged by a second column (the usual practice in trials, so
    that adjusting does not drop those who skipped the baseline). None without any answer."""
    if base is None or not np.isfinite(base).any():
        return None
    missing = ~np.isfinite(base)
    filled = np.where(missing, float(np.nanmean(base)), base)
    if not missing.any():
        return filled[:, None]
    return np.column_stack([filled, missing.astype(float)])


def _big_enough(e: estimate.Estimate, k: int) -> bool:
    return e.n_treatment >= k and e.n_control >= k


def build_report(
    *,
    z: np.ndarray,
    strata: np.ndarray,
    promoted: np.ndarray,
    completed: np.ndarray,
    application: Mapping[str, np.ndarray],
    baseline: Mapping[str, np.ndarray],
    followups: Mapping[str, tuple[Mapping[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]],
    k: int,
) -> Report:
    """The report's numbers. ``followups``: kind -> (answers by question, submitted, invited,
    invited with the learners' wording)."""
    z = np.asarray(z, dtype=float)
    n_t, n_c = int(z.sum()), int(len(z) - z.sum())
    everyone = np.ones(len(z), dtype=bool)
    take_up = _rate(completed.astype(bool), everyone, z, strata, k)
    # The effect of completing differs from the ITT only where take-up is not all-or-none.
    # (Nobody completed yet: the course is under way, there is no take-up to instrument.)
    done = completed.astype(bool)
    iv_applies = bool(done.any()) and not bool(np.array_equal(done, z == 1))
    balance: list[BalanceLine] = []
    for source, data in (("application", application), ("baseline", baseline)):
        for key, x in data.items():
            row = estimate.balance(x, z, strata)
            if row is not None and (row.n_treatment < k or row.n_control < k):
                row = None
            balance.append(BalanceLine(key=key, row=row, source=source))
    lines: list[Followup] = []
    for kind, (answers, submitted, was_invited, learner_worded) in followups.items():
        outcomes: list[OutcomeLine] = []
        for key, y in answers.items():
            y = np.where(submitted, y, np.nan)
            note = ""
            itt = itt_b = iv = None
            try:
                itt = estimate.itt(y, z, strata)
            except estimate.NotEstimable:
                note = "not_estimable"
            if itt is not None and not _big_enough(itt, k):
                itt, note = None, "small"
            if itt is not None:
                w = baseline_covariates(baseline.get(key))
                if w is not None:
                    try:
                        e = estimate.itt(y, z, strata, w)
                        itt_b = e if _big_enough(e, k) else None
                    except estimate.NotEstimable:
                        itt_b = None
                if iv_applies:
                    try:
                        e = estimate.iv(y, completed.astype(float), z, strata, w)
                        if not _big_enough(e, k):
                            note = "small"
                        elif (e.first_stage_f or 0) < estimate.WEAK_INSTRUMENT_F:
                            note = "weak"
                        else:
                            iv = e
                    except estimate.NotEstimable:
                        note = "not_estimable"
                else:
                    note = "full_take_up"
            outcomes.append(OutcomeLine(key=key, itt=itt, itt_baseline=itt_b, iv=iv, note=note))
        lines.append(
            Followup(
                kind=kind,
                invited=_counts(int(was_invited[z == 1].sum()), int(was_invited[z == 0].sum()), k),
                responded=_rate(submitted, was_invited, z, strata, k),
                outcomes=outcomes,
                learner_wording=_counts(
                    int(learner_worded[z == 1].sum()), int(learner_worded[z == 0].sum()), k
                ),
            )
        )
    promoted_c = int(promoted[z == 0].sum())
    used = len(np.unique(strata)) if len(strata) else 0
    return Report(
        k=k,
        band=_counts(n_t, n_c, k),
        strata=used,
        promoted=_counts(0, promoted_c, k),
        take_up=take_up,
        balance=balance,
        followups=lines,
        iv_applies=iv_applies,
        nobody_completed=not bool(done.any()),
    )
