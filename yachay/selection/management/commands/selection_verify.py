from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yachay.selection import allocation
from yachay.selection.models import SelectionRun


class Command(BaseCommand):
    help = "Re-solve a selection run from its stored inputs and confirm the same decisions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("run_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        run = SelectionRun.objects.filter(pk=options["run_id"]).first()
        if run is None or not run.problem:
            raise CommandError(f"No solved selection run with id {options['run_id']}.")
        problem = allocation.SelectionProblem.from_json(run.problem)
        if problem.inputs_hash != run.inputs_hash:
            raise CommandError("The stored inputs do not match their hash: they were altered.")
        result = allocation.allocate(problem)
        diff = allocation.diff_decisions(run.admitted_ids, run.waitlist_ids, result)
        if result.decisions_hash == run.decisions_hash and diff.same:
            self.stdout.write(
                f"OK: run {run.pk} re-solved to the same decisions (hash {run.decisions_hash})."
            )
            return
        self.stdout.write(f"DIFFERENT: run {run.pk} re-solved to other decisions.")
        self.stdout.write(f"  stored hash {run.decisions_hash}, re-solved {result.decisions_hash}")
        self.stdout.write(f"  newly admitted: {list(diff.newly_admitted)[:50]}")
        self.stdout.write(f"  no longer admitted: {list(diff.no_longer_admitted)[:50]}")
        self.stdout.write(
            f"  admitted order changed: {diff.admitted_order_changed}; "
            f"waitlist order changed: {diff.waitlist_order_changed}"
        )
        raise CommandError("Decisions differ.")
