from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yachay.cohorts.services import cohorts_assign
from yachay.core.actors import SYSTEM
from yachay.programs.models import Call


class Command(BaseCommand):
    help = "Place the call's waiting enrollments in cohorts; print placed, unplaced and why."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("call_slug")
        parser.add_argument(
            "--reoptimise", action="store_true", help="Move placed learners too, if it helps."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call = Call.objects.filter(slug=options["call_slug"]).first()
        if call is None:
            raise CommandError(f"No call with slug {options['call_slug']!r}.")
        report = cohorts_assign(call=call, actor=SYSTEM, reoptimise=options["reoptimise"])
        f = report.figures
        self.stdout.write(f"placed {report.placed} of {f.learners}; changed {report.moved}")
        self.stdout.write(
            f"preferred modality {f.preferred_modality} ({f.share_preferred_modality:.1%}); "
            f"in a chosen slot {f.chosen_slot}; solved in {f.solve_seconds:.2f} s ({f.solver})"
        )
        for enrollment, why in report.unplaced:
            self.stdout.write(f"  unplaced {enrollment.application.reference}: {why}")
