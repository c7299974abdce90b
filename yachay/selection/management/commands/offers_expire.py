from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yachay.core.actors import SYSTEM
from yachay.core.queue import arm
from yachay.selection import services, tasks


class Command(BaseCommand):
    help = "Expire overdue offers now (their seats go to the waiting list), or --schedule the job."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Enqueue the repeating expiry job unless one is waiting (the worker does this).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            armed = arm(tasks.expire_offers)
            self.stdout.write("Offer expiry job " + ("scheduled." if armed else "already waiting."))
            return
        count = services.offers_expire(actor=SYSTEM)
        self.stdout.write(f"{count} offers expired.")
