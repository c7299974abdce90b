"""The estimators against statsmodels: the same coefficients and robust standard errors."""

from __future__ import annotations

import numpy as np
import pytest

from yachay.impact import estimate

sm = pytest.importorskip("statsmodels.api")
gmm = pytest.importorskip("statsmodels.sandbox.regression.gmm")


def _data(seed: int = 3, n: int = 600, strata: int = 5):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, strata, n)
    p = 0.2 + 0.6 * (s / max(strata - 1, 1))  # the chance of admission differs by stratum
    z = (rng.random(n) < p).astype(float)
    w = rng.normal(size=(n, 2))
    d = np.where(z == 1, rng.random(n) < 0.7, rng.random(n) < 0.1).astype(float)
    # Heteroskedastic errors, so HC1 differs from the classical errors.
    y = 1.0 + 0.5 * s + 2.0 * d + w @ [0.3, -0.2] + rng.normal(size=n) * (1 + 2 * z)
    return y, z, d, s, w


def _dummies(s: np.ndarray) -> np.ndarray:
    levels = np.unique(s)
    return (s[:, None] == levels[None, 1:]).astype(float)


def test_it_matches_statsmodels_ols_hc1_with_strata_and_covariates() -> None:
    y, z, _d, s, w = _data()
    ours = estimate.itt(y, z, s, w)
    X = sm.add_constant(np.column_stack([z, w, _dummies(s)]))
    ref = sm.OLS(y, X).fit(cov_type="HC1", use_t=True)
    assert ours.effect == pytest.approx(ref.params[1], rel=1e-10)
    assert ours.se == pytest.approx(ref.bse[1], rel=1e-10)
    low, high = ref.conf_int()[1]
    assert (ours.ci_low, ours.ci_high) == pytest.approx((low, high), rel=1e-9)
    assert ours.dof == int(ref.df_resid)
    assert ours.p_value == pytest.approx(ref.pvalues[1], rel=1e-6)


def test_without_strata_it_is_the_plain_difference_in_means() -> None:
    y, z, _d, _s, _w = _data(seed=5)
    ours = estimate.itt(y, z)
    ref = sm.OLS(y, sm.add_constant(z)).fit(cov_type="HC1", use_t=True)
    assert ours.effect == pytest.approx(y[z == 1].mean() - y[z == 0].mean(), rel=1e-10)
    assert ours.se == pytest.approx(ref.bse[1], rel=1e-10)


def test_it_drops_missing_outcomes_and_single_arm_strata() -> None:
    y, z, _d, s, _w = _data(seed=7)
    y = y.copy()
    y[::7] = np.nan
    s = s.copy()
    s[z == 1] = np.where(s[z == 1] == 4, 3, s[z == 1])  # stratum 4: controls only
    ours = estimate.itt(y, z, s)
    keep = np.isfinite(y) & (s != 4)
    X = sm.add_constant(np.column_stack([z[keep], _dummies(s[keep])]))
    ref = sm.OLS(y[keep], X).fit(cov_type="HC1")
    assert ours.n == int(keep.sum())
    assert ours.effect == pytest.approx(ref.params[1], rel=1e-10)
    assert ours.se == pytest.approx(ref.bse[1], rel=1e-10)


def test_2sls_matches_statsmodels_point_and_robust_se() -> None:
    y, z, d, s, w = _data(seed=11)
    ours = estimate.iv(y, d, z, s, w)
    exog = sm.add_constant(np.column_stack([d, w, _dummies(s)]))
    instr = sm.add_constant(np.column_stack([z, w, _dummies(s)]))
    ref = gmm.IV2SLS(y, exog, instr).fit()
    assert ours.effect == pytest.approx(ref.params[1], rel=1e-9)
    # Robust variance: a just-identified GMM with a heteroskedasticity-robust weight
    # matrix is 2SLS with the sandwich variance (HC0); HC1 scales it by n / (n - k).
    g = gmm.IVGMM(y, exog, instr).fit(
        start_params=ref.params, maxiter=0, optim_args={"disp": 0}, weights_method="cov"
    )
    n, k = exog.shape
    hc0 = np.sqrt(np.diag(g.cov_params()))[1]
    assert ours.se == pytest.approx(hc0 * np.sqrt(n / (n - k)), rel=1e-6)
    first = sm.OLS(d, instr).fit(cov_type="HC1")
    assert ours.first_stage == pytest.approx(first.params[1], rel=1e-9)
    assert ours.first_stage_f == pytest.approx(first.tvalues[1] ** 2, rel=1e-9)


def test_it_refuses_an_empty_arm_and_a_lottery_that_moved_nothing() -> None:
    with pytest.raises(estimate.NotEstimable):
        estimate.itt([1.0, 2.0, 3.0], [1, 1, 1])
    y, z, _d, _s, _w = _data(seed=2, n=200)
    with pytest.raises(estimate.NotEstimable):
        estimate.iv(y, np.ones_like(z), z)


def test_balance_gives_means_by_arm_and_a_standardised_difference() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 2.0, 3.0, 4.0, 5.0])
    z = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    row = estimate.balance(x, z)
    assert row is not None
    assert (row.mean_treatment, row.mean_control) == (2.5, 3.5)
    sd = np.sqrt((x[:4].var(ddof=1) + x[4:].var(ddof=1)) / 2)
    assert row.std_diff == pytest.approx(-1.0 / sd)
    assert estimate.balance(x, np.ones(8)) is None
