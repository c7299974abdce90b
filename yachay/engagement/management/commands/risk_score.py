"""Score this week's at-risk signal for every active learner."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yachay.core.actors import Actor
from yachay.engagement.services import risk_score


class Command(BaseCommand):
    help = (
        "Score this week's at-risk signal for every active learner of a running cohort "
        "(the model where in force, the simple rule elsewhere); a rerun replaces the week's "
        "scores. The task worker does it weekly."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = risk_score(actor=Actor(label="command:risk_score"))
        self.stdout.write(
            f"Week of {done.week}: {done.scored} learners scored "
            f"({done.by_model} by the model, {done.by_rule} by the rule); "
            f"{done.objecting} objecting to analytics not scored."
        )
