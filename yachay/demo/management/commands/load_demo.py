from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from yachay.core.actors import SYSTEM
from yachay.demo import applicants as demo
from yachay.demo.certificates import demo_certificates_load
from yachay.demo.classroom import demo_classroom_load
from yachay.demo.history import DEFAULT_APPLICANTS as HISTORY_APPLICANTS
from yachay.demo.history import demo_history_load
from yachay.demo.impact import demo_impact_load
from yachay.demo.surveys import demo_surveys_load
from yachay.engagement.services import risk_score, risk_train
from yachay.programs.models import Program

MAX_APPLICANTS = 1_000_000


def _count(value: str) -> int:
    try:
        n = int(value.replace("_", "").replace(",", ""))
    except ValueError:
        raise CommandError(f"--applicants must be a whole number, not {value!r}.") from None
    if not 0 <= n <= MAX_APPLICANTS:
        raise CommandError(f"--applicants must be between 0 and {MAX_APPLICANTS:,}.")
    return n


class Command(BaseCommand):
    help = (
        'Load the demo program "IA para MYPEs — Perú 2027": targets, tracks, an open call, '
        "synthetic applicants, a demo admin, a coordinator and an API key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--applicants",
            type=_count,
            default=demo.DEFAULT_APPLICANTS,
            help=f"How many applications to generate (default {demo.DEFAULT_APPLICANTS:,}).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help=f"Random seed; the same seed gives the same applicants "
            f"(default {demo.DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when any program exists (for `make run`, which calls this each time).",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the demo program's data (its calls and applications) and load it again.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Program.objects.exists():
            self.stdout.write("A program exists already; the demo was not loaded.")
            return
        if demo.demo_exists() and not options["replace"]:
            raise CommandError(
                f"The demo program {demo.PROGRAM_SLUG!r} exists already. "
                "Use --replace to delete its calls and applications and load it again."
            )
        started = time.perf_counter()
        # Accounts first, in their own transactions: if the load fails, the file still
        # matches the accounts that now exist.
        credentials, key = demo.demo_accounts_ensure()
        try:
            result = demo.demo_load(
                applicants=options["applicants"],
                seed=options["seed"],
                replace=options["replace"],
                api_key=key,
            )
        except demo.DemoError as e:
            raise CommandError(str(e)) from None
        classroom = demo_classroom_load(call=result.call)
        # The call that went the whole way (the reports' demo), as big as the open call up to
        # 1,800 applicants; none when the open call has none.
        history = (
            demo_history_load(
                program=result.program,
                template=result.call,
                applicants=min(options["applicants"], HISTORY_APPLICANTS),
            )
            if options["applicants"]
            else None
        )
        surveys = demo_surveys_load(
            calls=[result.call] + ([history.call] if history is not None else [])
        )
        # The history call's lottery band followed up at 3 and 6 months, both arms, from the
        # baseline answers just recorded (the impact report's demo, /informes/impacto/).
        impact = demo_impact_load(call=history.call) if history is not None else None
        if classroom.learners:
            credentials["learner"] = classroom.learners[0].username
            demo.credentials_write(credentials)
        certificates = demo_certificates_load(program=result.program, learners=classroom.learners)
        if certificates.certificates:
            credentials["certificate_holder"] = certificates.certificates[0].user.username
            demo.credentials_write(credentials)
        # The at-risk signal: trained on the history's finished cohorts (in force only if it
        # clears the bar), then this week's scores, so the "en riesgo" pages show something.
        risk_model = risk_train(program=result.program, actor=SYSTEM)
        risk_scored = risk_score(actor=SYSTEM)
        elapsed = time.perf_counter() - started

        closes = timezone.localtime(result.call.closes_at)
        if result.replaced_applications:
            self.stdout.write(
                f"Removed the previous demo ({result.replaced_applications:,} applications)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f'Loaded "{result.program.name}": {result.targets} targets, '
                f"{result.tracks} tracks, call {result.call.slug!r} open until "
                f"{closes:%Y-%m-%d %H:%M} ({closes.tzname()}), "
                f"{result.applications:,} applications in {elapsed:.1f} s."
            )
        )
        self.stdout.write(
            f"Classroom: the course {classroom.course_title!r}, "
            f"{len(classroom.cohorts)} cohorts taught by {classroom.instructor.username}, "
            f"{len(classroom.learners)} learners; their first live session is under way now."
        )
        if history is not None:
            self.stdout.write(
                f"History: {history.call.title!r} went the whole way: "
                f"{history.applications:,} applications, {history.admitted:,} admitted, "
                f"{history.placed:,} placed in cohorts, {history.completed:,} completed "
                "(the reports' demo, /informes/)."
            )
        auc = risk_model.metrics.get("auc_mean")
        self.stdout.write(
            f"At risk: model trained on {risk_model.data.get('learners', 0)} learners"
            + (f" (AUC {auc:.2f})" if auc is not None else "")
            + (", in force" if risk_model.in_force else ", not in force: the simple rule is")
            + f"; {risk_scored.scored} learners scored (/programa/en-riesgo/)."
        )
        if impact is not None and impact.band:
            self.stdout.write(
                f"Impact: the history's lottery band of {impact.band:,} (both arms) followed up: "
                f"{impact.answered.get('followup_3m', 0):,} answered at 3 months, "
                f"{impact.answered.get('followup_6m', 0):,} at 6 months (/informes/impacto/)."
            )
        self.stdout.write(
            f"Surveys: {surveys.surveys} imported, {surveys.invited:,} invitations, "
            f"{surveys.answered:,} answered (/informes/encuestas/)."
        )
        self.stdout.write(
            f"Certificates: {len(certificates.certificates)} valid, "
            f"{1 if certificates.revoked else 0} revoked"
            + (f" (none issued: {certificates.skipped})" if certificates.skipped else "")
            + "; verification URLs and a credential file: `manage.py demo_credentials`."
        )
        self.stdout.write(
            f"Credentials for {', '.join(u['username'] for u in credentials['users'])} and "
            f"a demo API key: {demo.credentials_path()} "
            "(show them with `manage.py demo_credentials`)."
        )
