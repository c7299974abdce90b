"""Scoring the at-risk signal for 20,000 learners, set-based, against a per-learner baseline
measured in the same run.

Run: ``.venv/bin/python bench/risk_bench.py`` (``make bench-risk``).

It makes a fresh PostgreSQL database (``yachay_risk_bench`` by default; ``--db``; dropped and
made again) and loads ``--learners`` active learners with the engagement bench's documented
history (``bench/engagement_bench.py``: lessons, a quiz attempt for 1 in 5, attendance for
1 in 3), in cohorts that started 30 days before. A model version is put in force for the
program (fixed coefficients: the bench times the scoring, not the training), so every learner
goes through the model's path (probability and reasons); then once more with the rule only.

Timed, ``--rounds`` times (median): ``services.risk_score`` (a rerun replaces the week's
scores). Queries are counted at 2,000 learners first, then at the full count: they must not
grow. Baseline, in the same run: the per-learner loop (for each learner: its features read
alone, its score computed and saved alone) over ``--sample`` learners, scaled up.
Results go to ``bench/results/risk.md`` (copy them into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engagement_bench import fresh_database, make_learners, program_with_course  # noqa: E402

LIMA = ZoneInfo("America/Lima")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--db", default="yachay_risk_bench")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "risk.md")
    args = parser.parse_args()
    fresh_database(args.db)
    return run(args)


def per_learner_baseline(now: dt.datetime, sample: int) -> float:
    """The loop a first version would write: each learner read, scored and saved alone."""
    import numpy as np

    from yachay.cohorts.models import Enrollment
    from yachay.engagement import risk
    from yachay.engagement.models import RiskModel, RiskScore

    started = time.perf_counter()
    for e in Enrollment.objects.filter(status="active").select_related("cohort__call")[:sample]:
        (row,) = risk.features_as_of(Enrollment.objects.filter(pk=e.pk), now)
        model = RiskModel.objects.filter(program_id=e.cohort.call.program_id, in_force=True).first()
        assert model is not None
        fitted = risk.Fitted(
            float(model.intercept or 0), model.coefficients, model.scaler_mean, model.scaler_scale
        )
        p = float(fitted.probabilities(np.array([row.vector()]))[0])
        RiskScore.objects.update_or_create(
            enrollment=e,
            week=now.date() - dt.timedelta(days=now.weekday()),
            defaults={
                "as_of": now, "method": "model", "model": model, "probability": p,
                "band": risk.model_band(p), "reasons": risk.model_reasons(fitted, row),
            },
        )  # fmt: skip
    return time.perf_counter() - started


def run(args: argparse.Namespace) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from yachay.cohorts.models import Cohort
    from yachay.core.actors import SYSTEM
    from yachay.engagement import risk, services
    from yachay.engagement.models import RiskModel, RiskScore

    now = dt.datetime(2026, 3, 10, 10, 0, tzinfo=LIMA)
    ctx = program_with_course(now)
    program = ctx["program"]
    n = len(risk.FEATURES)
    model = RiskModel.objects.create(
        program=program, trained_at=timezone.now(), trained_by="bench", in_force=True,
        features=list(risk.FEATURES), intercept=-0.5,
        coefficients=[0.9, -0.4, -0.6, 0.5, -0.3, 0.2, 0.1, 0.0],
        scaler_mean=[5.0, 0.0, 0.7, 1.0, 0.8, 0.3, 2.0, 0.5], scaler_scale=[4.0] + [1.0] * (n - 1),
    )  # fmt: skip

    def score() -> tuple[float, int, services.RiskScored]:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            done = services.risk_score(actor=SYSTEM, now=now)
            took = time.perf_counter() - started
        return took, len(queries), done

    def started_before() -> None:
        Cohort.objects.update(starts_on=now.date() - dt.timedelta(days=30))

    small = 2_000
    make_learners(0, small, ctx, now)
    started_before()
    _t, queries_small, _d = score()
    make_learners(small, args.learners - small, ctx, now)
    started_before()
    connection.cursor().execute("ANALYZE")
    times, queries_big = [], 0
    done = None
    for _ in range(args.rounds):
        took, queries_big, done = score()
        times.append(took)
    assert done is not None and done.by_model == args.learners
    bands = dict.fromkeys(("high", "medium", "low"), 0)
    for band in RiskScore.objects.values_list("band", flat=True):
        bands[band] += 1
    RiskModel.objects.filter(pk=model.pk).update(in_force=False)
    rule_times = []
    for _ in range(args.rounds):
        took, _q, _rule_done = score()
        rule_times.append(took)
    RiskModel.objects.filter(pk=model.pk).update(in_force=True)
    RiskScore.objects.all().delete()
    baseline = per_learner_baseline(now, args.sample) * args.learners / args.sample
    median = statistics.median(times)
    load = os.getloadavg()
    lines = [
        f"## Scoring the at-risk signal for {args.learners:,} learners (PostgreSQL)",
        "",
        f"- load average at the end: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min)",
        f"- model path, rounds: {args.rounds}; median **{median:.2f} s** (all: {', '.join(f'{t:.2f}' for t in times)})",
        f"- rule only: median {statistics.median(rule_times):.2f} s (all: {', '.join(f'{t:.2f}' for t in rule_times)})",
        f"- queries: {queries_small} at {small:,} learners, {queries_big} at {args.learners:,}",
        f"- baseline, per-learner loop: {args.sample:,} learners timed, scaled to {args.learners:,}: **{baseline:.1f} s** "
        f"→ set-based is **{baseline / median:.0f}×** faster",
        f"- bands (model path): {bands}",
        "",
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
