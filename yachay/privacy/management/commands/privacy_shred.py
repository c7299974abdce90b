from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yachay.core.actors import SYSTEM
from yachay.core.queue import arm
from yachay.privacy import services, tasks


class Command(BaseCommand):
    help = (
        "Apply each call's retention rule: anonymise the applications of people who got no "
        "place once the rule's months after the call's closing are over. Safe to interrupt "
        "and run again (batches; anonymised rows are not selected again)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be anonymised; change nothing."
        )
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Enqueue the daily job unless one is waiting (the worker does this).",
        )
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            armed = arm(tasks.shred_expired)
            self.stdout.write("Retention job " + ("scheduled." if armed else "already waiting."))
            return
        batch = max(1, min(options["batch_size"], 50_000))
        report = services.privacy_shred(actor=SYSTEM, dry_run=options["dry_run"], batch_size=batch)
        verb = "would be anonymised" if report.dry_run else "anonymised"
        for slug, count in report.calls.items():
            self.stdout.write(f"{slug}: {count} applications {verb}.")
        self.stdout.write(f"Total: {report.total} applications {verb}.")
