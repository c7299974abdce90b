"""Check the rule files (content/nudges/ or a folder given): every problem with its file and
line, exit status 1 if any. Run it before committing a rule (CI runs the tests, which load
the shipped rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yachay.engagement.rules import RuleErrors, load_rules


class Command(BaseCommand):
    help = "Check the message rules (YAML files): every problem with its file and line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", nargs="?", default=str(settings.YACHAY_NUDGE_RULES_DIR))

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["folder"])
        if not folder.is_dir():
            raise CommandError(f"No such folder: {folder}")
        try:
            rules = load_rules(folder)
        except RuleErrors as exc:
            raise CommandError(f"{len(exc.errors)} problem(s):\n{exc}") from None
        for rule in rules:
            self.stdout.write(
                f"{rule.id}: {rule.trigger} {rule.params}, {', '.join(rule.channels)}, "
                f"hold-out {rule.holdout:.0%}, version {rule.version}"
            )
        self.stdout.write(self.style.SUCCESS(f"{len(rules)} rule(s), all good."))
