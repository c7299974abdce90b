from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yachay.core.actors import SYSTEM
from yachay.selection import services, tasks


class Command(BaseCommand):
    help = "Expire overdue offers now (their seats go to the waiting list), or --schedule the job."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Enqueue the repeating expiry job unless one is waiting (make run does this).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            from django_tasks_db.models import DBTaskResult

            waiting = DBTaskResult.objects.filter(
                task_path=tasks.expire_offers.module_path, status="READY"
            ).exists()
            if not waiting:
                tasks.expire_offers.enqueue(reschedule=True)
            self.stdout.write(
                "Offer expiry job " + ("already scheduled." if waiting else "scheduled.")
            )
            return
        count = services.offers_expire(actor=SYSTEM)
        self.stdout.write(f"{count} offers expired.")
