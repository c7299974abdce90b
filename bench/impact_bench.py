"""Impact benchmark: the randomisation band of a 100,000-applicant run, and the impact report
on 20,000 respondents, each beside a baseline measured in the same run.

Run from the repository root: ``.venv/bin/python bench/impact_bench.py`` (``make
bench-impact``); ``--quick`` for a smaller look. What it does:

1. **band, 100,000 applicants**: the selection benchmark's applicants (``selection_bench``:
   100,000 eligible, a weighted score with many ties, 10 overlapping targets, 20,000 seats)
   are selected once by ``allocate``; the run's stored inputs (canonical JSON) and its
   ordered decisions are then all the band needs. Timed, ``--rounds`` times, median: what
   ``impact.selectors.run_band`` does with them -- parse the JSON, recompute every lottery
   number from the seed, form the blocks, check that within each block the admitted are the
   best lottery numbers, and collect the band. Baseline in the same run: the full re-solve
   from the same JSON (``allocate``, what ``selection_verify`` does), the other way to
   check a run against its seed. Goal: the band under 10 s.
2. **report, 20,000 respondents, from arrays**: a band of 40,000 (5 strata with different
   chances of admission), 20,000 of them answering each survey; ``report.build_report``
   (take-up, balance on 12 variables, response rates, ITT with and without the baseline
   and 2SLS for 6 outcomes at 3 and 6 months) timed, median. Baseline in the same run: the
   same numbers computed naively, one respondent at a time in Python (sums by stratum and
   arm, then the HC1 sandwich accumulated person by person), checked equal.
3. **report, 20,000 respondents, end to end** on a fresh SQLite database: a call of 50,000
   applicants (the demo's generator), selected by the real lottery policy and published by
   the real services; the surveys imported; every band member invited to the baseline and
   both follow-ups and 20,000 of them answering each (rows written in bulk: this part is
   set-up, not measured); then ``impact.selectors.impact_report(run)`` -- every query and
   every number of the page -- timed, median. Goal: under 2 s.

Writes ``bench/results/impact.md`` (copied into docs/benchmarks.md) with the command, the
date, the load average and the medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


CPU: dict[int, list[float]] = {}  # process CPU seconds of each timed call, by id of its times


def timed(fn: Callable[[], Any], rounds: int) -> tuple[Any, list[float]]:
    """Wall times of ``rounds`` calls; their CPU times (this process: Python, numpy and the
    in-process SQLite) go to ``CPU``: on a shared, loaded machine the CPU time says what the
    work costs, the wall time also how long it waited for a core."""
    times: list[float] = []
    cpu: list[float] = []
    out = None
    for _ in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    CPU[id(times)] = cpu
    return out, times


def cpu_median(times: list[float]) -> float:
    return statistics.median(CPU[id(times)])


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


# -- 1. the band ----------------------------------------------------------------------------


def bench_band(n: int, seats: int, rounds: int) -> dict[str, Any]:
    from bench.selection_bench import applicants, problem_of, score, targets_for
    from yachay.impact.band import compute_band
    from yachay.selection.allocation import SelectionProblem, allocate

    people = applicants(n)
    problem = problem_of(people, seats, targets_for(seats), score)
    t = time.perf_counter()
    result = allocate(problem)
    first_solve = time.perf_counter() - t
    stored = problem.to_json()
    admitted, waitlist = list(result.admitted), list(result.waitlist)

    def band() -> Any:
        return compute_band(json.loads(stored), admitted, waitlist)

    b, times = timed(band, rounds)
    t = time.perf_counter()
    again = allocate(SelectionProblem.from_json(stored))
    resolve = time.perf_counter() - t
    assert again.decisions_hash == result.decisions_hash
    return {
        "candidates": n,
        "seats": seats,
        "band": b.size,
        "treatment": b.treatment,
        "control": b.control,
        "strata": len(b.strata),
        "blocks": b.blocks,
        "median": statistics.median(times),
        "cpu": cpu_median(times),
        "times": times,
        "resolve": resolve,
        "first_solve": first_solve,
    }


# -- 2. the report from arrays --------------------------------------------------------------


OUTCOMES = ("uses_ai", "monthly_sales_pen", "customers_month", "employees", "digital_tools",
            "confidence_ai")  # fmt: skip
APPLICATION_FIELDS = ("woman", "outside_lima", "age", "digital_level", "woman_led", "sme_owner")


def synthetic(n_band: int, respondents: int, seed: int = 7) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    shares = (0.2, 0.35, 0.5, 0.65, 0.8)
    strata = np.sort(rng.integers(0, len(shares), n_band))
    z = np.zeros(n_band)
    for s, share in enumerate(shares):
        members = np.flatnonzero(strata == s)
        z[rng.choice(members, round(share * len(members)), replace=False)] = 1
    completed = np.where(z == 1, rng.random(n_band) < 0.7, rng.random(n_band) < 0.05)
    promoted = (z == 0) & (rng.random(n_band) < 0.05)
    app = {k: rng.normal(0.5, 0.3, n_band) for k in APPLICATION_FIELDS}
    base = {k: rng.normal(10, 3, n_band) for k in OUTCOMES}
    follow = {}
    for kind in ("followup_3m", "followup_6m"):
        answered = np.zeros(n_band, dtype=bool)
        answered[rng.choice(n_band, respondents, replace=False)] = True
        answers = {
            k: np.where(answered, base[k] + 0.5 * completed + rng.normal(0, 2, n_band), np.nan)
            for k in OUTCOMES
        }
        follow[kind] = (answers, answered, np.ones(n_band, dtype=bool), np.zeros(n_band, bool))
    return dict(
        z=z, strata=strata, promoted=promoted, completed=completed, application=app,
        baseline=base, followups=follow,
    )  # fmt: skip


def naive_itt(y: np.ndarray, z: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    """The ITT with strata intercepts and its HC1 error, one respondent at a time."""
    sums: dict[int, list[float]] = {}
    rows = [(float(y[i]), float(z[i]), int(s[i])) for i in range(len(y)) if y[i] == y[i]]
    for yi, zi, si in rows:
        acc = sums.setdefault(si, [0.0, 0.0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += yi
        acc[2] += zi
    keep = {k for k, v in sums.items() if 0 < v[2] < v[0]}
    rows = [r for r in rows if r[2] in keep]
    means = {k: (sums[k][1] / sums[k][0], sums[k][2] / sums[k][0]) for k in keep}
    sxx = sxy = 0.0
    for yi, zi, si in rows:
        zt = zi - means[si][1]
        sxx += zt * zt
        sxy += zt * (yi - means[si][0])
    beta = sxy / sxx
    meat = 0.0
    for yi, zi, si in rows:
        zt = zi - means[si][1]
        u = (yi - means[si][0]) - beta * zt
        meat += zt * zt * u * u
    n, k = len(rows), len(keep) + 1
    return beta, math.sqrt(meat / sxx / sxx * n / (n - k))


def naive_report(data: dict[str, Any]) -> dict[str, tuple[float, float]]:
    z, s = data["z"], data["strata"]
    out: dict[str, tuple[float, float]] = {}
    for name, x in {**data["application"], **data["baseline"]}.items():
        out[f"balance:{name}"] = naive_itt(x, z, s)
    for kind, (answers, submitted, _inv, _w) in data["followups"].items():
        out[f"{kind}:responded"] = naive_itt(submitted.astype(float), z, s)
        for q, y in answers.items():
            out[f"{kind}:{q}"] = naive_itt(np.where(submitted, y, np.nan), z, s)
    return out


def bench_report_arrays(n_band: int, respondents: int, rounds: int, k: int) -> dict[str, Any]:
    from yachay.impact.report import build_report

    data = synthetic(n_band, respondents)
    report, times = timed(lambda: build_report(**data, k=k), rounds)
    t = time.perf_counter()
    naive = naive_report(data)
    naive_s = time.perf_counter() - t
    for f in report.followups:
        for o in f.outcomes:
            effect, se = naive[f"{f.kind}:{o.key}"]
            assert o.itt is not None and math.isclose(o.itt.effect, effect, rel_tol=1e-8)
            assert math.isclose(o.itt.se, se, rel_tol=1e-8)
    return {
        "median": statistics.median(times),
        "cpu": cpu_median(times),
        "times": times,
        "naive": naive_s,
    }


# -- 3. the report end to end ---------------------------------------------------------------


def bench_report_db(
    applicants: int, respondents: int, rounds: int, sample_size: int = 2000
) -> dict[str, Any]:
    import django

    tmp = Path(tempfile.mkdtemp(prefix="impact-bench-"))
    os.environ.update(
        DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}",
        DJANGO_SETTINGS_MODULE="yachay.settings",
        YACHAY_VAR_DIR=str(tmp),
    )
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from yachay.core.actors import SYSTEM
    from yachay.demo.applicants import demo_load
    from yachay.impact import selectors
    from yachay.selection.models import SelectionPolicy
    from yachay.selection.services import selection_dry_run, selection_publish
    from yachay.surveys.models import Answer, Invitation, Survey
    from yachay.surveys.services import surveys_import_all

    started = time.perf_counter()
    loaded = demo_load(applicants=applicants, seed=11)
    call = loaded.call
    call.closes_at = timezone.now() - dt.timedelta(days=1)
    call.opens_at = call.closes_at - dt.timedelta(days=30)
    call.seats = applicants // 3
    call.save()
    SelectionPolicy.objects.create(call=call, kind="lottery", seed="sorteo-bench", mode="closest")
    run = selection_publish(run=selection_dry_run(call=call, actor=SYSTEM), actor=SYSTEM)
    rb = selectors.run_band(run)
    ids = rb.application_ids.tolist()
    surveys_import_all()
    rng = np.random.default_rng(3)
    now = timezone.now()
    answered_total = 0
    for survey in Survey.objects.filter(kind__in=["baseline", "followup_3m", "followup_6m"]):
        chosen = set(rng.choice(ids, min(respondents, len(ids)), replace=False).tolist())
        invitations = [
            Invitation(
                survey=survey, application_id=a, token_hash=f"{survey.pk:04d}{a:060d}",
                wording="applicant_followup", created_at=now,
                submitted_at=now if a in chosen else None,
            )
            for a in ids
        ]  # fmt: skip
        Invitation.objects.bulk_create(invitations, batch_size=5000)
        inv = dict(
            Invitation.objects.filter(survey=survey, submitted_at__isnull=False).values_list(
                "application_id", "pk"
            )
        )
        answers = []
        for a, pk in inv.items():
            for q in selectors.OUTCOMES:
                if q == "uses_ai":
                    answers.append(
                        Answer(invitation_id=pk, question=q, text="si" if a % 3 else "no",
                               updated_at=now)
                    )  # fmt: skip
                else:
                    answers.append(
                        Answer(invitation_id=pk, question=q, number=float(a % 97), updated_at=now)
                    )
        Answer.objects.bulk_create(answers, batch_size=5000)
        answered_total = len(inv)
    setup = time.perf_counter() - started
    (_rb, report), times = timed(lambda: selectors.impact_report(run), rounds)
    assert report is not None

    # Baseline: the naive read, one query per band member and survey for their answers
    # (as a per-person loop over the surveys' selector would do), on a sample of members,
    # scaled to the whole band; the numbers themselves are computed as above.
    sample = ids[: min(len(ids), sample_size)]
    t = time.perf_counter()
    for a in sample:
        for kind in ("baseline", "followup_3m", "followup_6m"):
            list(
                Answer.objects.filter(
                    invitation__application_id=a,
                    invitation__survey__kind=kind,
                    invitation__submitted_at__isnull=False,
                    question__in=list(selectors.OUTCOMES),
                ).values_list("question", "number", "text")
            )
    naive = (time.perf_counter() - t) * len(ids) / max(len(sample), 1)
    return {
        "applicants": applicants,
        "band": len(rb.application_ids),
        "respondents": answered_total,
        "median": statistics.median(times),
        "cpu": cpu_median(times),
        "times": times,
        "setup": setup,
        "naive": naive,
        "sample": len(sample),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10x smaller, for a look")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "impact.md")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yachay.settings")
    before = load()
    band = bench_band(100_000 // scale, 20_000 // scale, args.rounds)
    print(f"band: {band['band']:,} of {band['candidates']:,} in {band['strata']} strata; "
          f"median {band['median']:.2f} s; full re-solve {band['resolve']:.2f} s")  # fmt: skip
    arrays = bench_report_arrays(40_000 // scale, 20_000 // scale, args.rounds, k=10)
    print(f"report from arrays: median {arrays['median']:.3f} s; naive {arrays['naive']:.2f} s")
    db = bench_report_db(50_000 // scale, 20_000 // scale, args.rounds)
    print(f"report end to end: {db['respondents']:,} respondents of a band of {db['band']:,}; "
          f"median {db['median']:.2f} s")  # fmt: skip
    after = load()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### Impact (`make bench-impact`{', --quick' if args.quick else ''}), {now}",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; load average "
        f"(1/5/15 min) {before} before, {after} after.",
        "",
        "| what | size | median wall | median CPU | baseline (same run, wall) | ratio (wall) |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
        f"| band of a run (parse stored JSON, lottery numbers, blocks, checks) | "
        f"{band['candidates']:,} applicants, {band['seats']:,} seats; band {band['band']:,} "
        f"in {band['strata']} strata | {band['median']:.2f} s | {band['cpu']:.2f} s | full re-solve "
        f"{band['resolve']:.2f} s | {band['resolve'] / band['median']:.1f}x faster |",
        f"| report from arrays (take-up, balance x12, response, ITT, ITT+baseline, 2SLS x12) | "
        f"band 40,000 / {scale}, 20,000 / {scale} respondents per survey | "
        f"{arrays['median'] * 1000:.0f} ms | {arrays['cpu'] * 1000:.0f} ms | naive per-respondent loop "
        f"{arrays['naive']:.2f} s | {arrays['naive'] / arrays['median']:.0f}x faster |",
        f"| report end to end (`selectors.impact_report`, SQLite) | {db['applicants']:,} "
        f"applicants, band {db['band']:,}, {db['respondents']:,} respondents per survey | "
        f"{db['median']:.2f} s | {db['cpu']:.2f} s | per-member queries (sample of {db['sample']:,}, "
        f"scaled) "
        f"{db['naive']:.1f} s | {db['naive'] / db['median']:.0f}x faster |",
        "",
        f"Rounds: {args.rounds}; band times {[round(t, 2) for t in band['times']]}; end-to-end "
        f"times {[round(t, 2) for t in db['times']]}. Set-up (not measured): first solve "
        f"{band['first_solve']:.1f} s, database {db['setup']:.0f} s.",
        "",
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
