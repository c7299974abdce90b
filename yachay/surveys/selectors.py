"""Reads of surveys: answers of submitted invitations (for impact and the reports), response
counts, the invitation behind a link's token."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.text import capfirst

from yachay.core.objections import Purpose, objected
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


def may_answer(user: Any, invitation: Invitation) -> bool:
    """The link is the person's key, so anyone holding it may answer, unless they are signed
    in as somebody else: then it is another person's link (forwarded, or opened on a shared
    computer where someone else is signed in), and it is refused."""
    if user is None or not user.is_authenticated:
        return True
    from yachay.core.objections import normalise_email

    application = invitation.application
    if user.email and normalise_email(user.email) == normalise_email(application.email):
        return True
    return Invitation.objects.filter(
        pk=invitation.pk, application__enrollment__user_id=user.pk
    ).exists()


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


# ---------------------------------------------------------------------------------------
# aggregates for the reports: response rates by stage and group, results by question, both
# with complementary small-cell suppression (core.suppression, k = YACHAY_SMALL_CELL_K)

GROUPS = ("gender", "place", "segment")


def _group_labels(by: str) -> list[tuple[str, str]]:
    from django.utils.translation import gettext

    from yachay.core.choices import Gender, Segment

    if by == "gender":
        return [(v, str(label)) for v, label in Gender.choices]
    if by == "segment":
        return [(v, str(label)) for v, label in Segment.choices]
    return [("lima", gettext("Lima")), ("regions", gettext("Other regions"))]


def _group_key(by: str) -> Any:
    from django.db.models import Case, CharField, F, Value, When

    if by == "place":
        return Case(
            When(application__department="15", then=Value("lima")),
            default=Value("regions"),
            output_field=CharField(),
        )
    return F(f"application__{by}")


@dataclass(frozen=True)
class RateCell:
    label: str
    invited: int | None
    submitted: int | None

    @property
    def rate(self) -> float | None:
        if not self.invited or self.submitted is None:
            return None
        return self.submitted / self.invited


@dataclass(frozen=True)
class StageRates:
    kind: str
    label: str
    groups: list[RateCell]
    total: RateCell


def response_rates(
    applications: QuerySet[Any], by: str, *, k: int | None = None
) -> list[StageRates]:
    """For each survey kind (stage): invitations and submissions by group (``by``: gender,
    place = Lima / other regions, segment) among ``applications`` (not counting, as invited,
    people who objected to surveys and were therefore not asked), as they may be shown:
    ``None`` where suppression hides a number (each stage a two-way table group × answered /
    not answered, with its margins)."""
    from django.conf import settings

    from yachay.core.suppression import suppress_crosstab
    from yachay.surveys.models import Survey

    k = settings.YACHAY_SMALL_CELL_K if k is None else k
    labels = _group_labels(by)
    # Someone who objected to surveys was not asked (engagement suppressed the message): not
    # counted as invited-and-silent, unless they had answered before objecting.
    rows = (
        Invitation.objects.filter(application__in=applications)
        .exclude(Q(submitted_at__isnull=True) & Q(objected("application__email", Purpose.SURVEYS)))
        .annotate(group=_group_key(by))
        .values("survey__kind", "group")
        .annotate(invited=Count("id"), submitted=Count("id", filter=Q(submitted_at__isnull=False)))
    )
    counts: dict[tuple[str, str], tuple[int, int]] = {
        (r["survey__kind"], r["group"]): (r["invited"], r["submitted"]) for r in rows
    }
    result = []
    for kind, kind_label in Survey.Kind.choices:
        if kind == Survey.Kind.OTHER and not any(key[0] == kind for key in counts):
            continue
        matrix = []
        for value, _label in labels:
            invited, submitted = counts.get((kind, value), (0, 0))
            matrix.append([submitted, invited - submitted])
        table = suppress_crosstab(matrix, k=k)
        groups = [
            RateCell(label, table.row_totals[i], table.cells[i][0])
            for i, (_value, label) in enumerate(labels)
        ]
        from django.utils.translation import gettext

        total = RateCell(gettext("Total"), table.total, table.col_totals[0])
        result.append(StageRates(kind, capfirst(str(kind_label)), groups, total))
    return result


@dataclass(frozen=True)
class OptionCount:
    label: str
    count: int | None

    def share(self, n: int | None) -> float | None:
        return None if self.count is None or not n else self.count / n


@dataclass(frozen=True)
class QuestionResult:
    id: str
    type: str
    prompt: str
    unit: str
    respondents: int | None  # who answered it (None: fewer than k, hidden)
    options: list[OptionCount]
    mean: float | None = None
    median: float | None = None
    p25: float | None = None
    p75: float | None = None


def _quantile(values: list[float], q: float) -> float:
    position = (len(values) - 1) * q
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def results(
    survey: Any, applications: QuerySet[Any], *, language: str = "es", k: int | None = None
) -> list[QuestionResult]:
    """The distribution of every question's answers in the SUBMITTED invitations to
    ``survey`` among ``applications``, as it may be shown: a choice's counts suppressed as a
    breakdown (a multiple choice, each option as chose / did not among those who answered);
    a number's or scale's mean, median and quartiles only from k answers on; short texts are
    counted, never shown."""
    from django.conf import settings

    from yachay.core.suppression import suppress_breakdown
    from yachay.surveys.survey_format import spec_from_json

    k = settings.YACHAY_SMALL_CELL_K if k is None else k
    spec = spec_from_json(survey.content)
    values: dict[str, list[Any]] = {}
    for question, number, text, choices in (
        Answer.objects.filter(
            invitation__survey=survey,
            invitation__submitted_at__isnull=False,
            invitation__application__in=applications,
        )
        # A person who objected to analyses (core.objections) is left out of the results.
        .exclude(objected("invitation__application__email", Purpose.ANALYTICS))
        .values_list("question", "number", "text", "choices")
        .iterator(chunk_size=5000)
    ):
        values.setdefault(question, []).append(
            number if number is not None else (choices if choices else text)
        )
    out = []
    for q in spec.questions():
        given = values.get(q.id, [])
        n = len(given)
        shown_n = n if n == 0 or n >= k else None
        options: list[OptionCount] = []
        extra: dict[str, float | None] = {}
        if q.type == "single":
            tally = Counter(v for v in given if isinstance(v, str))
            counts = [tally[o.id] for o in q.options]
            table = suppress_breakdown(counts, k=k)
            shown_n = table.total
            options = [
                OptionCount(o.text.get(language), c)
                for o, c in zip(q.options, table.cells, strict=True)
            ]
        elif q.type == "multiple":
            chosen = Counter(c for v in given if isinstance(v, list) for c in set(v))
            for o in q.options:
                chose = chosen[o.id]
                table = suppress_breakdown([chose, n - chose], k=k)
                options.append(OptionCount(o.text.get(language), table.cells[0]))
            if shown_n is None:
                options = [OptionCount(o.label, None) for o in options]
        elif q.type in ("scale", "number"):
            numbers = sorted(float(v) for v in given if isinstance(v, int | float))
            if q.type == "scale":
                tally_n = Counter(numbers)
                counts = [tally_n[float(s)] for s in range(1, 6)]
                table = suppress_breakdown(counts, k=k)
                shown_n = table.total
                options = [
                    OptionCount(str(s), c) for s, c in zip(range(1, 6), table.cells, strict=True)
                ]
            if numbers and len(numbers) >= k:
                extra = {
                    "mean": sum(numbers) / len(numbers),
                    "median": _quantile(numbers, 0.5),
                    "p25": _quantile(numbers, 0.25),
                    "p75": _quantile(numbers, 0.75),
                }
        out.append(
            QuestionResult(
                id=q.id,
                type=q.type,
                prompt=q.prompt.get(language),
                unit=q.unit.get(language),
                respondents=shown_n,
                options=options,
                **extra,
            )
        )
    return out
