"""On 1,000 simulated programs with a known effect (zero, and not zero), the 95 % intervals
cover the truth about 95 % of the time and the estimates are unbiased (simulate.py)."""

from __future__ import annotations

import math

import pytest

from yachay.impact.simulate import Coverage, coverage

PROGRAMS = 1000  # about half a second per effect: cheap enough for the suite


def _check(c: Coverage) -> None:
    # Within three Monte-Carlo standard errors of 95 %.
    mc_se = math.sqrt(0.95 * 0.05 / c.programs)
    assert abs(c.coverage - 0.95) < 3 * mc_se, c
    # Unbiased within three Monte-Carlo standard errors of the mean estimate.
    assert abs(c.bias) < 3 * c.bias_se, c
    # The reported standard errors match the real spread of the estimates (within 10 %).
    assert c.mean_se == pytest.approx(c.sd_estimate, rel=0.10), c


@pytest.mark.parametrize("effect", [0.0, 1.5])
def test_the_intervals_cover_a_known_effect_about_95_percent_of_the_time(effect: float) -> None:
    itt, iv = coverage(effect, programs=PROGRAMS, seed=2026)
    _check(itt)
    _check(iv)
    assert iv.truth == effect
