"""Reads of surveys: answers of submitted invitations (for impact and the reports), response
counts, the invitation behind a link's token."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Count, Q, QuerySet

from yachay.surveys.models import Answer, Invitation

Value = float | str | list[str]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation of a genuine link, or None (a forged, damaged or foreign token)."""
    if not token or len(token) > 100 or not token.isascii():
        return None
    return (
        Invitation.objects.select_related("survey", "application", "version")
        .filter(token_hash=token_hash(token))
        .first()
    )


def answer_value(answer: Answer, qtype: str | None = None) -> Value:
    """An answer's value: a float (number, scale), an option id or text (single, text), a list
    of option ids (multiple)."""
    if answer.number is not None:
        return answer.number
    if qtype == "multiple" or (qtype is None and answer.choices):
        return list(answer.choices)
    return answer.text


def answers(
    survey_kind: str,
    question_ids: Iterable[str],
    application_ids: Iterable[int] | None = None,
) -> Iterator[tuple[int, str, Value]]:
    """(application_id, question_id, value) of every answer to ``question_ids`` in SUBMITTED
    invitations to the survey(s) of ``survey_kind``, optionally for these applications only.
    A question left unanswered (optional, or hidden by a condition) has no row."""
    rows = Answer.objects.filter(
        invitation__survey__kind=survey_kind,
        invitation__submitted_at__isnull=False,
        question__in=list(question_ids),
    )
    if application_ids is not None:
        rows = rows.filter(invitation__application_id__in=list(application_ids))
    for application_id, question, number, text, choices in rows.values_list(
        "invitation__application_id", "question", "number", "text", "choices"
    ).iterator(chunk_size=2000):
        if number is not None:
            yield application_id, question, number
        elif choices:
            yield application_id, question, list(choices)
        else:
            yield application_id, question, text


def invitations(
    survey_kind: str | None = None, application_ids: Iterable[int] | None = None
) -> QuerySet[Invitation]:
    rows = Invitation.objects.all()
    if survey_kind is not None:
        rows = rows.filter(survey__kind=survey_kind)
    if application_ids is not None:
        rows = rows.filter(application_id__in=list(application_ids))
    return rows


def response_counts(
    survey_kind: str | None = None, application_ids: Iterable[int] | None = None
) -> dict[str, Any]:
    """{"invited", "sent", "started", "submitted"} counts of invitations (of ``survey_kind``,
    of these applications); "rate" is submitted / invited (None when nobody was invited)."""
    counts = invitations(survey_kind, application_ids).aggregate(
        invited=Count("id"),
        sent=Count("id", filter=Q(sent_at__isnull=False)),
        started=Count("id", filter=Q(started_at__isnull=False)),
        submitted=Count("id", filter=Q(submitted_at__isnull=False)),
    )
    counts["rate"] = counts["submitted"] / counts["invited"] if counts["invited"] else None
    return counts
