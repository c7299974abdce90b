"""Train (and evaluate) each program's at-risk model on its finished cohorts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yachay.core.actors import Actor
from yachay.engagement.services import risk_train
from yachay.programs.models import Program


class Command(BaseCommand):
    help = (
        "Train the at-risk model of each program (or of --program SLUG) on its finished "
        "cohorts, with a time-based split; it is put in force only if it clears the bar "
        "(docs/engagement.md, 'En riesgo'), otherwise the simple rule stays in force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", help="Only this program (its slug).")

    def handle(self, *args: Any, **options: Any) -> None:
        programs = Program.objects.order_by("pk")
        if options["program"]:
            programs = programs.filter(slug=options["program"])
            if not programs.exists():
                raise CommandError(f"No program with the slug {options['program']!r}.")
        for program in programs:
            model = risk_train(program=program, actor=Actor(label="command:risk_train"))
            m, d = model.metrics, model.data
            auc = (
                f"AUC {m['auc_mean']:.3f} ± {m['auc_sd']:.3f} over {len(m['runs'])} runs"
                if m.get("auc_mean") is not None and m.get("auc_sd") is not None
                else "no evaluation"
            )
            state = "IN FORCE" if model.in_force else f"not in force ({', '.join(model.missed)})"
            self.stdout.write(
                f"{program.slug}: {d.get('learners', 0)} learners of {d.get('cohorts', 0)} "
                f"finished cohorts ({d.get('rows', 0)} weekly snapshots), {auc}; "
                f"{state}; {d.get('objecting_left_out', 0)} objecting left out."
            )
