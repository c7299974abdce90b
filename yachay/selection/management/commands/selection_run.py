from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yachay.core.actors import SYSTEM
from yachay.programs.models import Call
from yachay.selection.models import SelectionRun
from yachay.selection.selectors import shortfall_text, target_description
from yachay.selection.services import SelectionRefused, selection_dry_run, selection_publish


def print_run(write: Any, run: SelectionRun) -> None:
    """The target table and the run's metadata, for operators."""
    state = run.get_state_display()
    write(f"Run {run.pk} of {run.call.slug}: {state}, solver status {run.status or '-'}")
    if run.error:
        write(f"  error: {run.error}")
    admitted, waitlisted, ineligible = (
        len(run.admitted_ids),
        len(run.waitlist_ids),
        len(run.ineligible),
    )
    write(f"  seats {run.call.seats}; admitted {admitted}; waitlisted {waitlisted}")
    write(f"  ineligible {ineligible}")
    write(f"  seed {run.seed!r}; mode {run.mode}; total priority {run.objective}")
    write(f"  total shortfall {run.total_shortfall}")
    if run.targets:
        write(f"  {'target':<48} {'bound':>7} {'eligible':>9} {'admitted':>9}  met")
        for row in run.targets:
            met = "yes" if row["met"] else f"NO (short {row['shortfall']})"
            write(
                f"  {target_description(row)[:48]:<48} {row['bound']:>7} {row['eligible']:>9} "
                f"{row['admitted']:>9}  {met}"
            )
    for s in run.shortfalls:
        write(f"  cannot be met: {shortfall_text(s, run.targets)}")
    if run.departments:
        write(
            "  per department (eligible / admitted): "
            + ", ".join(
                f"{d} {c['eligible']}/{c['admitted']}" for d, c in sorted(run.departments.items())
            )
        )
    write(f"  decisions hash {run.decisions_hash or '-'}; solved in {run.solve_seconds or 0:.2f} s")


class Command(BaseCommand):
    help = "Run a call's selection: a dry run that prints the target table, or --publish it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("call_slug")
        parser.add_argument("--seed", help="Lottery seed (default: the one in the call's policy).")
        parser.add_argument("--publish", action="store_true", help="Publish the run's decisions.")

    def handle(self, *args: Any, **options: Any) -> None:
        call = Call.objects.select_related("program").filter(slug=options["call_slug"]).first()
        if call is None:
            raise CommandError(f"No call with slug {options['call_slug']!r}.")
        try:
            run = selection_dry_run(call=call, actor=SYSTEM, seed=options["seed"])
            print_run(self.stdout.write, run)
            if options["publish"]:
                run = selection_publish(run=run, actor=SYSTEM)
                self.stdout.write(f"Published run {run.pk}.")
        except SelectionRefused as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"run id: {run.pk}")
