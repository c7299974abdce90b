from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yachay.core.actors import SYSTEM
from yachay.privacy import services


class Command(BaseCommand):
    help = (
        "After restoring the database from a backup: re-apply every cancellation of the log "
        "(YACHAY_PRIVACY_LOG, or --log FILE), so that nobody cancelled since the backup comes "
        "back. Safe to run any number of times."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--log", type=Path, help="The log file (default YACHAY_PRIVACY_LOG).")

    def handle(self, *args: Any, **options: Any) -> None:
        report = services.privacy_replay(actor=SYSTEM, path=options.get("log"))
        self.stdout.write(
            f"{report.entries} cancellations in the log; {report.reapplied} re-applied "
            f"({report.rows} rows changed)."
        )
