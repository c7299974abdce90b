"""Every write of surveys: importing a survey folder, inviting people (through engagement's
messages), recording answers once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from yachay.core.actors import SYSTEM, Actor
from yachay.intake.models import Application
from yachay.surveys.models import Invitation


class AnswerRefused(Exception):
    """The answers cannot be recorded: ``errors`` maps a question id (or "" for the whole
    survey) to a message in words."""

    def __init__(self, errors: Mapping[str, str], *, code: str = "invalid") -> None:
        self.errors = dict(errors)
        self.code = code  # invalid | closed | submitted
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def invite(
    application: Application,
    slug: str,
    *,
    wording: str = Invitation.Wording.LEARNER,
    closes_at: dt.datetime | None = None,
    send: bool = True,
    actor: Actor = SYSTEM,
) -> Invitation:
    raise NotImplementedError


def invite_many(
    applications: Iterable[Application],
    slug: str,
    *,
    wording: str = Invitation.Wording.LEARNER,
    closes_at: dt.datetime | None = None,
    send: bool = True,
    actor: Actor = SYSTEM,
) -> list[Invitation]:
    return [
        invite(a, slug, wording=wording, closes_at=closes_at, send=send, actor=actor)
        for a in applications
    ]


def answer_submit(
    invitation: Invitation, answers: Mapping[str, Any], *, actor: Actor = SYSTEM
) -> Invitation:
    raise NotImplementedError
