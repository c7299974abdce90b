"""The impact estimators, pure numpy/scipy: balance, attrition, intent-to-treat, 2SLS.

Everything here takes plain arrays (one row per band member who answered) and returns plain
dataclasses; no Django. ``tests/test_estimate.py`` checks point estimates and standard errors
against statsmodels, and ``tests/test_estimate_coverage.py`` checks, on simulated programs
with a known effect, that the 95 % intervals cover it about 95 % of the time.

The model
=========

``y_i = a_s + tau * z_i + W_i g + e_i``: ``z`` is the lottery's assignment (1 admitted, 0
waitlisted), ``a_s`` one intercept per stratum (the blocks the cut-off crossed, see
``band.py``: the chance of admission differs between them, so comparing within strata is
what makes the comparison fair), ``W`` optional baseline covariates. ``tau`` is the
**intent-to-treat** effect: of being admitted by the lottery, whether or not one took the
place. It is the ordinary least squares coefficient, computed by the within transformation
(each column minus its stratum mean: the Frisch-Waugh-Lovell theorem gives the same
coefficient and residuals as the regression with one dummy per stratum).

Standard errors are heteroskedasticity-robust, **HC1** (White's sandwich with the
``n / (n - k)`` correction, ``k`` counting every stratum intercept; Stata's ``robust``):
``V = n/(n-k) (X'X)^-1 X' diag(u^2) X (X'X)^-1``. HC1 rather than HC2 because its meat does
not need the leverages of the full dummy regression, which the within transformation does
not give; with a few hundred people per arm the two differ in the third digit. The 95 %
interval is ``tau +- t(0.975, n - k) * se``.

Strata where the respondents are all in one arm say nothing about the effect; they are
dropped before estimating (and ``k`` counts only the strata kept).

The effect of completing the course (2SLS)
==========================================

Where take-up ``d`` (completed the course) is not simply ``z`` -- admitted people who
declined or dropped out, waitlisted people promoted later -- the lottery is an instrument
for ``d``: ``y = a_s + beta * d + W g + e`` with ``d`` instrumented by ``z``. Just
identified: ``beta = (Z'X)^-1 Z'y`` on the within-transformed data, with
``Z = [z, W]``, ``X = [d, W]``; robust variance ``n/(n-k) (Z'X)^-1 (sum z_i z_i' u_i^2)
(X'Z)^-1`` with ``u = y - X beta``. ``beta`` is the effect on those who complete because
they were admitted (the compliers: local average treatment effect), under the exclusion
restriction (admission changes outcomes only through completing the course) and
monotonicity (nobody completes *because* they were waitlisted). The first-stage F
(robust) is reported; below 10 the instrument is weak and the estimate is not shown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

#: First-stage F below this: the instrument is too weak to report the 2SLS estimate.
WEAK_INSTRUMENT_F = 10.0


@dataclass(frozen=True)
class Estimate:
    """One coefficient: the effect, its robust standard error and 95 % interval."""

    effect: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    n_treatment: int
    n_control: int
    dof: int
    control_mean: float
    treatment_mean: float
    first_stage: float | None = None  # 2SLS: the difference in take-up the lottery made
    first_stage_f: float | None = None

    @property
    def p_value(self) -> float:
        if self.se == 0:
            return 0.0 if self.effect else 1.0
        return float(2 * stats.t.sf(abs(self.effect / self.se), self.dof))

    def covers(self, value: float) -> bool:
        return self.ci_low <= value <= self.ci_high


@dataclass(frozen=True)
class BalanceRow:
    """Means by arm of one baseline variable and the standardised difference."""

    n_treatment: int
    n_control: int
    mean_treatment: float
    mean_control: float
    std_diff: float | None  # within-strata difference / pooled SD; None if no spread


class NotEstimable(ValueError):
    """Too few people, one arm empty, no variation: the estimate cannot be computed."""


def _as_arrays(
    y: Sequence[float] | np.ndarray,
    z: Sequence[float] | np.ndarray,
    strata: Sequence[int] | np.ndarray | None,
    covariates: np.ndarray | None,
    extra: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    y_arr = np.asarray(y, dtype=float)
    z_arr = np.asarray(z, dtype=float)
    n = len(y_arr)
    s_arr = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata, dtype=np.int64)
    w = None if covariates is None else np.asarray(covariates, dtype=float).reshape(n, -1)
    if len(z_arr) != n or len(s_arr) != n or (w is not None and len(w) != n):
        raise ValueError("y, z, strata and covariates must have one row per person.")
    keep = np.isfinite(y_arr)
    if w is not None:
        keep &= np.isfinite(w).all(axis=1)
    if extra is not None:
        keep &= np.isfinite(extra)
    # Strata with a single arm among these people say nothing about the effect.
    _, s_idx = np.unique(s_arr[keep], return_inverse=True)
    treated = np.bincount(s_idx, weights=z_arr[keep])
    counts = np.bincount(s_idx)
    mixed = (treated > 0) & (treated < counts)
    rows = np.flatnonzero(keep)[mixed[s_idx]]
    _, s_new = np.unique(s_arr[rows], return_inverse=True)
    return (
        y_arr[rows],
        z_arr[rows],
        s_new.astype(np.int64),
        None if w is None else w[rows],
        rows,
    )


def _demean(a: np.ndarray, s: np.ndarray, k: int) -> np.ndarray:
    """Each column minus its stratum mean."""
    counts = np.bincount(s, minlength=k).astype(float)
    if a.ndim == 1:
        return a - (np.bincount(s, weights=a, minlength=k) / counts)[s]
    out = np.empty_like(a)
    for j in range(a.shape[1]):
        out[:, j] = a[:, j] - (np.bincount(s, weights=a[:, j], minlength=k) / counts)[s]
    return out


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a.T @ b`` for tall, narrow matrices without BLAS: ``einsum``'s own loop is as fast
    for a handful of columns and never starts BLAS threads, which on a busy machine cost
    more than the product (measured: 3x slower under load)."""
    return np.einsum("ij,ik->jk", a, b)


def _interval(effect: float, se: float, dof: int) -> tuple[float, float]:
    q = float(stats.t.ppf(0.975, dof))
    return effect - q * se, effect + q * se


def _prepare(
    y: Sequence[float] | np.ndarray,
    z: Sequence[float] | np.ndarray,
    strata: Sequence[int] | np.ndarray | None,
    covariates: np.ndarray | None,
    d: Sequence[float] | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray, int, int]:
    d_full = None if d is None else np.asarray(d, dtype=float)
    y_a, z_a, s_a, w_a, rows = _as_arrays(y, z, strata, covariates, d_full)
    n = len(y_a)
    n_t = int(z_a.sum())
    if n_t < 2 or n - n_t < 2:
        raise NotEstimable("Fewer than two people in an arm.")
    k_strata = int(s_a.max()) + 1 if n else 0
    p = 1 + (0 if w_a is None else w_a.shape[1])
    dof = n - k_strata - p
    if dof < 1:
        raise NotEstimable("More parameters than people.")
    d_a = None if d_full is None else d_full[rows]
    return y_a, z_a, w_a, d_a, s_a, k_strata, dof


def itt(
    y: Sequence[float] | np.ndarray,
    z: Sequence[float] | np.ndarray,
    strata: Sequence[int] | np.ndarray | None = None,
    covariates: np.ndarray | None = None,
) -> Estimate:
    """The intent-to-treat effect of ``z`` on ``y`` with strata intercepts, HC1 (module doc).

    Rows with a missing ``y`` (NaN) or covariate are left out (complete cases).
    """
    y_a, z_a, w_a, _d, s_a, k, dof = _prepare(y, z, strata, covariates)
    cols = [z_a] if w_a is None else [z_a, *w_a.T]
    X = _demean(np.column_stack(cols), s_a, k)
    yt = _demean(y_a, s_a, k)
    beta, cov = _fit(X, X, yt, dof, "The covariates are collinear with the assignment.")
    return _estimate(beta, cov, y_a, z_a, dof)


def _fit(
    Z: np.ndarray, X: np.ndarray, y: np.ndarray, dof: int, collinear: str
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients ``(Z'X)^-1 Z'y`` and their HC1 covariance (least squares when Z is X)."""
    zx = _cross(Z, X)
    if np.linalg.matrix_rank(zx) < zx.shape[0]:
        raise NotEstimable(collinear)
    zx_inv = np.linalg.inv(zx)
    beta = zx_inv @ _cross(Z, y[:, None])[:, 0]
    u = y - np.einsum("ij,j->i", X, beta)
    meat = _cross(Z * (u**2)[:, None], Z)
    return beta, zx_inv @ meat @ zx_inv.T * (len(y) / dof)


def _estimate(
    beta: np.ndarray, cov: np.ndarray, y: np.ndarray, z: np.ndarray, dof: int, **extra: Any
) -> Estimate:
    effect, se = float(beta[0]), math.sqrt(max(float(cov[0, 0]), 0.0))
    low, high = _interval(effect, se, dof)
    n_t = int(z.sum())
    return Estimate(
        effect=effect,
        se=se,
        ci_low=low,
        ci_high=high,
        n=len(y),
        n_treatment=n_t,
        n_control=len(y) - n_t,
        dof=dof,
        control_mean=float(y[z == 0].mean()),
        treatment_mean=float(y[z == 1].mean()),
        **extra,
    )


def iv(
    y: Sequence[float] | np.ndarray,
    d: Sequence[float] | np.ndarray,
    z: Sequence[float] | np.ndarray,
    strata: Sequence[int] | np.ndarray | None = None,
    covariates: np.ndarray | None = None,
) -> Estimate:
    """The effect of ``d`` (take-up) on ``y``, ``d`` instrumented by ``z``; 2SLS, HC1.

    Raises :class:`NotEstimable` when the lottery did not move take-up at all.
    """
    y_a, z_a, w_a, d_a, s_a, k, dof = _prepare(y, z, strata, covariates, d)
    assert d_a is not None
    Zm = _demean(np.column_stack([z_a] if w_a is None else [z_a, *w_a.T]), s_a, k)
    Xm = _demean(np.column_stack([d_a] if w_a is None else [d_a, *w_a.T]), s_a, k)
    yt = _demean(y_a, s_a, k)
    beta, cov = _fit(Zm, Xm, yt, dof, "The lottery did not change take-up.")
    # First stage: d on z (and W), robust F = t^2 of z.
    pi, fs_cov = _fit(Zm, Zm, Xm[:, 0], dof, "The lottery did not change take-up.")
    fs_se = math.sqrt(max(float(fs_cov[0, 0]), 0.0))
    f_stat = float((pi[0] / fs_se) ** 2) if fs_se > 0 else math.inf
    return _estimate(beta, cov, y_a, z_a, dof, first_stage=float(pi[0]), first_stage_f=f_stat)


def balance(
    x: Sequence[float] | np.ndarray,
    z: Sequence[float] | np.ndarray,
    strata: Sequence[int] | np.ndarray | None = None,
) -> BalanceRow | None:
    """Means of ``x`` by arm and the standardised difference (None if an arm is empty).

    The standardised difference is the within-strata difference (the ITT coefficient of
    ``x`` on ``z``: what the design compares) over the pooled standard deviation
    ``sqrt((s_t^2 + s_c^2) / 2)``; beyond 0.1 in absolute value it is usually called
    noticeable, beyond 0.25 large.
    """
    x_a = np.asarray(x, dtype=float)
    z_a = np.asarray(z, dtype=float)
    ok = np.isfinite(x_a)
    xt, xc = x_a[ok & (z_a == 1)], x_a[ok & (z_a == 0)]
    if not len(xt) or not len(xc):
        return None
    pooled = math.sqrt(
        (
            float(xt.var(ddof=1) if len(xt) > 1 else 0.0)
            + float(xc.var(ddof=1) if len(xc) > 1 else 0.0)
        )
        / 2
    )
    std_diff: float | None = None
    if pooled > 0:
        try:
            diff = itt(x_a, z_a, strata).effect
        except NotEstimable:
            diff = float(xt.mean() - xc.mean())
        std_diff = diff / pooled
    return BalanceRow(
        n_treatment=len(xt),
        n_control=len(xc),
        mean_treatment=float(xt.mean()),
        mean_control=float(xc.mean()),
        std_diff=std_diff,
    )
