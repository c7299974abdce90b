"""Every write of surveys: importing a survey folder, inviting people (through engagement's
messages), saving answers page by page, and recording a submission once.

Answered once
=============

Every write of answers begins with one conditional ``UPDATE`` of the invitation row
(``submitted_at IS NULL``): on PostgreSQL it locks the row until the transaction ends, on
SQLite the database's write lock does the same, so a page saved in one tab and a submission
in another (or two clicks on "Send") run one after the other; the second finds the invitation
submitted and writes nothing.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.crypto import salted_hmac

from yachay.core.actors import SYSTEM, Actor
from yachay.core.dates import add_months
from yachay.core.objections import Purpose
from yachay.core.services import audit_record
from yachay.engagement import templating
from yachay.engagement.models import Kind, Message
from yachay.engagement.rules import outside_quiet_hours
from yachay.engagement.services import LINK_PLACEHOLDER, message_make
from yachay.intake.models import Application
from yachay.learning.course_format import CourseError, CourseErrors
from yachay.surveys import answers as checks
from yachay.surveys import survey_format as sf
from yachay.surveys.models import Answer, Invitation, Survey, SurveyVersion
from yachay.surveys.selectors import token_hash

logger = logging.getLogger("yachay.surveys")
LIMA = ZoneInfo("America/Lima")
TOKEN_SALT = "yachay.surveys.invitation"  # noqa: S105 - a salt, not a secret
RULE_PREFIX = "survey:"


class AnswerRefused(Exception):
    """The answers cannot be recorded: ``errors`` maps a question id (or "" for the whole
    survey) to a message in words; ``code`` is ``invalid``, ``closed`` or ``submitted``."""

    def __init__(self, errors: Mapping[str, str], *, code: str = "invalid") -> None:
        self.errors = dict(errors)
        self.code = code
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


# ---------------------------------------------------------------------------------------
# import


@dataclass(frozen=True)
class ImportReport:
    slug: str
    content_hash: str
    questions: int
    status: str  # checked | created | imported | unchanged | restored
    version: int | None = None


def survey_import(*, path: Path, actor: Actor = SYSTEM, check: bool = False) -> ImportReport:
    """Import the survey folder at ``path``: all or nothing. Raises ``CourseErrors`` (every
    problem with its file and line) and writes nothing when the file is not valid. The same
    content (by hash) as the current version changes nothing; as an older version, makes it
    current again; new content becomes a new version. Answers keep their own version."""
    spec = sf.load_survey(path)
    base = ImportReport(spec.slug, spec.content_hash, len(spec.questions()), "checked")
    if check:
        return base
    content = sf.spec_to_json(spec)
    with transaction.atomic():
        survey, created = Survey.objects.select_for_update().get_or_create(
            slug=spec.slug,
            defaults={"kind": spec.kind, "title": spec.title.es, "content_hash": ""},
        )
        same = SurveyVersion.objects.filter(survey=survey, content_hash=spec.content_hash).first()
        if same is not None and survey.current_id == same.pk:
            return dataclasses.replace(base, status="unchanged", version=same.number)
        status = "restored" if same is not None else ("created" if created else "imported")
        if same is None:
            last = survey.versions.order_by("-number").values_list("number", flat=True).first()
            same = SurveyVersion.objects.create(
                survey=survey,
                number=(last or 0) + 1,
                content_hash=spec.content_hash,
                content=content,
            )
        before = survey.content_hash
        survey.kind, survey.title = spec.kind, spec.title.es
        survey.content_hash, survey.content, survey.current = spec.content_hash, content, same
        survey.open_days = spec.open_days
        survey.save()
        audit_record(
            actor=actor,
            action=f"survey.{status}",
            obj=survey,
            changes={"content_hash": [before, spec.content_hash], "version": same.number},
        )
    return dataclasses.replace(base, status=status, version=same.number)


def surveys_import_all(
    *, folder: Path | None = None, actor: Actor = SYSTEM, check: bool = False
) -> list[ImportReport]:
    """Import every survey folder under ``folder`` (``YACHAY_SURVEYS_DIR``). Raises
    ``CourseErrors`` naming each file (``<slug>/survey.yaml:line: ...``) if any is wrong, and
    then imports none of them."""
    folder = Path(folder or settings.YACHAY_SURVEYS_DIR)
    paths = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    errors: list[CourseError] = []
    for path in paths:
        try:
            sf.load_survey(path)
        except CourseErrors as exc:
            errors.extend(dataclasses.replace(e, file=f"{path.name}/{e.file}") for e in exc.errors)
    if errors:
        raise CourseErrors(errors)
    with transaction.atomic():
        return [survey_import(path=p, actor=actor, check=check) for p in paths]


@lru_cache(maxsize=64)
def _spec(content_hash: str) -> sf.SurveySpec:
    from yachay.surveys.models import SurveyVersion

    version = SurveyVersion.objects.filter(content_hash=content_hash).first()
    if version is None:
        survey = Survey.objects.get(content_hash=content_hash)
        return sf.spec_from_json(survey.content)
    return sf.spec_from_json(version.content)


def spec_of(invitation: Invitation) -> sf.SurveySpec:
    """The version an invitation is answered on: the one it began on, else the current.
    A version's text never changes (it is its content hash), so it is parsed once."""
    version = invitation.version
    if version is not None:
        return _spec(version.content_hash)
    return sf.spec_from_json(invitation.survey.content)


# ---------------------------------------------------------------------------------------
# invitations


def token_for(survey_id: int, application_id: int) -> str:
    """The secret of one person's link to one survey. It is derived from the site's secret
    key, so that it can be put into the message at the moment of sending without ever being
    stored; the database keeps only its SHA-256 (``Invitation.token_hash``)."""
    digest = salted_hmac(TOKEN_SALT, f"{survey_id}:{application_id}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")[:32]


def _url(survey_id: int, application_id: int) -> str:
    token = token_for(survey_id, application_id)
    return settings.YACHAY_SITE_URL.rstrip("/") + reverse("surveys:answer", args=[token])


def answer_url(invitation: Invitation) -> str:
    return _url(invitation.survey_id, invitation.application_id)


def _link_for_message(message: Message) -> str:
    """engagement's LINK_MAKERS entry: the link of a survey's invitation message, made at the
    moment of sending (the message's occurrence is the survey's id)."""
    assert message.application_id is not None
    return _url(int(message.occurrence), message.application_id)


def in_sending_hours(now: dt.datetime) -> bool:
    """Outside quiet hours (engagement's, America/Lima)?"""
    return outside_quiet_hours(now.astimezone(LIMA).time())


def invite(
    application: Application,
    slug: str,
    *,
    wording: str = Invitation.Wording.LEARNER,
    closes_at: dt.datetime | None = None,
    send: bool = True,
    now: dt.datetime | None = None,
    actor: Actor = SYSTEM,
) -> Invitation:
    """Invite this person (application) to the survey ``slug``; idempotent: a second call
    returns the first invitation unchanged. It closes at ``closes_at``, else after the
    survey's ``open_days``. With ``send``, its message is made now through engagement
    (``invitation_send``) when outside quiet hours, else by the next periodic run."""
    (invitation,) = invite_many(
        [application], slug, wording=wording, closes_at=closes_at, send=send, now=now, actor=actor
    )
    return invitation


def invite_many(
    applications: Iterable[Application],
    slug: str,
    *,
    wording: str = Invitation.Wording.LEARNER,
    closes_at: dt.datetime | None = None,
    send: bool = True,
    now: dt.datetime | None = None,
    invited_at: Callable[[Application], dt.datetime] | None = None,
    actor: Actor = SYSTEM,
) -> list[Invitation]:
    """:func:`invite` for many applications at once (idempotent the same way: existing
    invitations are returned unchanged), in a few statements per thousand people and one
    audit row. ``invited_at`` gives each person's moment of invitation (the demo backdates
    them); it is ``now`` otherwise."""
    now = now or timezone.now()
    if wording not in Invitation.Wording.values:
        raise ValueError(f"unknown wording {wording!r}")
    survey = Survey.objects.get(slug=slug)
    people = list(applications)
    ids = [a.pk for a in people]
    with transaction.atomic():
        existing = set(
            Invitation.objects.filter(survey=survey, application_id__in=ids).values_list(
                "application_id", flat=True
            )
        )
        fresh = []
        for application in people:
            if application.pk in existing:
                continue
            at = invited_at(application) if invited_at else now
            closes = closes_at or (
                at + dt.timedelta(days=survey.open_days) if survey.open_days else None
            )
            fresh.append(
                Invitation(
                    survey=survey,
                    application=application,
                    token_hash=token_hash(token_for(survey.pk, application.pk)),
                    wording=wording,
                    created_at=at,
                    closes_at=closes,
                )
            )
            existing.add(application.pk)
        Invitation.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=1000)
        if fresh:
            _audit_batch(actor, "survey.invite", survey, {"wording": wording, "made": len(fresh)})
    invitations = list(
        Invitation.objects.filter(survey=survey, application_id__in=ids).select_related("survey")
    )
    if send and in_sending_hours(now):
        for invitation in invitations:
            if invitation.sent_at is None:
                with transaction.atomic():
                    invitation_send(invitation, now=now, actor=actor)
    return invitations


def _audit_batch(actor: Actor, action: str, survey: Survey, changes: dict[str, Any]) -> None:
    """One audit row about a batch of invitations (a row each would say nothing more)."""
    audit_record(actor=actor, action=action, obj=survey, changes=changes)


def _closes_text(invitation: Invitation, language: str) -> str:
    if invitation.closes_at is None:
        with translation.override(language):
            return str(translation.gettext("any time"))
    with translation.override(language):
        return formats.date_format(invitation.closes_at.astimezone(LIMA), "DATE_FORMAT")


def invitation_send(
    invitation: Invitation, *, now: dt.datetime | None = None, actor: Actor = SYSTEM
) -> Message | None:
    """Make this invitation's message through engagement (once: the message's unique key is
    rule ``survey:<slug>`` × person × survey) and queue its sending after commit. Engagement
    suppresses it, with the reason, for a person who objected to surveys (core.objections),
    unsubscribed from survey invitations or has no channel. None when the survey has no text
    for the invitation's wording."""
    from yachay.engagement.tasks import queue_sending

    now = now or timezone.now()
    survey = invitation.survey
    spec = _spec(survey.content_hash)
    texts = spec.invitations.get(invitation.wording) or spec.invitations.get("learner")
    if texts is None:
        logger.warning("survey %s has no invitation text", survey.slug)
        return None
    person = (
        Application.objects.select_related("call__program").filter(pk=invitation.application_id)
    ).first()
    if person is None:
        return None
    language = "en" if (person.language or "es").startswith("en") else "es"
    values = {
        "first_name": (person.given_names or "").split(" ")[0],
        "program": person.call.program.name,
        "closes": _closes_text(invitation, language),
        "link": LINK_PLACEHOLDER,
    }
    message, made = message_make(
        application=person,
        rule=f"{RULE_PREFIX}{survey.slug}",
        kind=Kind.SURVEYS,
        occurrence=str(survey.pk),
        subject=templating.render(texts.subject.get(language), values),
        body=templating.render(texts.body.get(language), values),
        short=templating.render(texts.sms.get(language), values),
        purpose=Purpose.SURVEYS,
        version=survey.content_hash[:16],
        now=now,
        actor=actor,
    )
    if message.status == Message.Status.QUEUED:
        Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(sent_at=now)
        invitation.sent_at = invitation.sent_at or now
        if made:
            transaction.on_commit(lambda: queue_sending([message.pk]))
    return message


# ---------------------------------------------------------------------------------------
# answers


def is_closed(invitation: Invitation, now: dt.datetime | None = None) -> bool:
    return invitation.closes_at is not None and (now or timezone.now()) >= invitation.closes_at


def stored_answers(invitation: Invitation) -> dict[str, checks.Value]:
    """The answers saved so far: question id -> value (an option id, a list, a number, a
    text)."""
    result: dict[str, checks.Value] = {}
    for question, number, text, choices in invitation.answers.values_list(
        "question", "number", "text", "choices"
    ):
        result[question] = number if number is not None else (list(choices) if choices else text)
    return result


def shown_questions(spec: sf.SurveySpec, given: Mapping[str, Any]) -> list[sf.Question]:
    return [q for q in spec.questions() if sf.is_shown(q, dict(given))]


def _begin(invitation: Invitation, now: dt.datetime) -> None:
    """Lock the invitation (see "Answered once") or refuse: submitted, closed."""
    if is_closed(invitation, now):
        raise AnswerRefused({"": "closed"}, code="closed")
    updated = Invitation.objects.filter(pk=invitation.pk, submitted_at__isnull=True).update(
        started_at=Coalesce(F("started_at"), now),
        version=Coalesce(F("version"), invitation.survey.current_id),
    )
    if not updated:
        raise AnswerRefused({"": "submitted"}, code="submitted")
    invitation.refresh_from_db(fields=["started_at", "version", "submitted_at"])


def _check(
    spec: sf.SurveySpec, questions: Iterable[sf.Question], raw: Mapping[str, Any], *, require: bool
) -> tuple[dict[str, checks.Value | checks.Empty], dict[str, str]]:
    values: dict[str, checks.Value | checks.Empty] = {}
    errors: dict[str, str] = {}
    for question in questions:
        value, error = checks.clean(question, raw.get(question.id))
        if error:
            errors[question.id] = error
        elif isinstance(value, checks.Empty) and require and question.required:
            errors[question.id] = translation.gettext("This question needs an answer.")
        values[question.id] = value
    return values, errors


def _fields(value: checks.Value, now: dt.datetime) -> dict[str, Any]:
    fields: dict[str, Any] = {"number": None, "text": "", "choices": [], "updated_at": now}
    if isinstance(value, float):
        fields["number"] = value
    elif isinstance(value, list):
        fields["choices"] = value
    else:
        fields["text"] = value
    return fields


def _write(
    invitation: Invitation,
    values: Mapping[str, checks.Value | checks.Empty],
    now: dt.datetime,
    *,
    fresh: bool = False,
) -> None:
    """Store ``values`` (an empty one deletes its answer). ``fresh``: the invitation has no
    answers (they were just deleted), so they are inserted in one statement."""
    if fresh:
        Answer.objects.bulk_create(
            Answer(invitation=invitation, question=q, **_fields(v, now))
            for q, v in values.items()
            if not isinstance(v, checks.Empty)
        )
        return
    for question, value in values.items():
        if isinstance(value, checks.Empty):
            Answer.objects.filter(invitation=invitation, question=question).delete()
            continue
        Answer.objects.update_or_create(
            invitation=invitation, question=question, defaults=_fields(value, now)
        )


def _drop_hidden(invitation: Invitation, spec: sf.SurveySpec) -> None:
    """Questions whose condition no longer holds lose their answers (skip logic)."""
    given = stored_answers(invitation)
    hidden = [q.id for q in spec.questions() if not sf.is_shown(q, given) and q.id in given]
    if hidden:
        Answer.objects.filter(invitation=invitation, question__in=hidden).delete()


def answers_save(
    invitation: Invitation,
    page: int,
    raw: Mapping[str, Any],
    *,
    require: bool = True,
    now: dt.datetime | None = None,
) -> dict[str, str]:
    """Save the answers of one page (``page``: 0-based, among the survey's pages). Returns the
    errors by question id ({} when all is well); valid answers are saved even when others on
    the page are wrong, so nothing typed is lost. With ``require``, a required question left
    empty is an error (moving on); without, it is not (saving to come back later). Raises
    :class:`AnswerRefused` when the survey is closed or already submitted."""
    now = now or timezone.now()
    with transaction.atomic():
        _begin(invitation, now)
        spec = spec_of(invitation)
        if not 0 <= page < len(spec.pages):
            raise AnswerRefused({"": "page"}, code="invalid")
        given = stored_answers(invitation)
        questions = [q for q in spec.pages[page].questions if sf.is_shown(q, given)]
        values, errors = _check(spec, questions, raw, require=require)
        _write(invitation, {k: v for k, v in values.items() if k not in errors}, now)
        _drop_hidden(invitation, spec)
    return errors


def first_incomplete_page(invitation: Invitation, spec: sf.SurveySpec) -> int | None:
    """The first page with a required, shown question left unanswered; None when complete."""
    given = stored_answers(invitation)
    for index, page in enumerate(spec.pages):
        for question in page.questions:
            if question.required and sf.is_shown(question, given) and question.id not in given:
                return index
    return None


def invitation_submit(
    invitation: Invitation, *, now: dt.datetime | None = None, actor: Actor = SYSTEM
) -> Invitation:
    """Record the stored answers as the final ones, once. Raises :class:`AnswerRefused`:
    ``submitted`` (a second time, another tab, a double click), ``closed``, or ``invalid``
    with the first page that still needs answers (``errors[""]`` is its 0-based number)."""
    now = now or timezone.now()
    with transaction.atomic():
        _begin(invitation, now)
        _complete(invitation, spec_of(invitation), now, actor)
    return invitation


def _complete(invitation: Invitation, spec: sf.SurveySpec, now: dt.datetime, actor: Actor) -> None:
    """Mark a begun (locked) invitation submitted, if every shown required question has its
    answer."""
    _drop_hidden(invitation, spec)
    missing = first_incomplete_page(invitation, spec)
    if missing is not None:
        raise AnswerRefused({"": str(missing)}, code="invalid")
    updated = Invitation.objects.filter(pk=invitation.pk, submitted_at__isnull=True).update(
        submitted_at=now
    )
    if not updated:  # pragma: no cover - _begin holds the row
        raise AnswerRefused({"": "submitted"}, code="submitted")
    invitation.submitted_at = now
    audit_record(
        actor=actor,
        action="survey.submit",
        obj=invitation,
        changes={"survey": spec.slug, "version": invitation.version_id},
    )


def answer_submit(
    invitation: Invitation,
    answers: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
    actor: Actor = SYSTEM,
) -> Invitation:
    """Record a whole survey's answers at once (the demo, an import), checked by the same
    rules as the web form, and submit them. Raises :class:`AnswerRefused` (``errors`` by
    question id) and records nothing when any answer is wrong or a required one is missing."""
    now = now or timezone.now()
    with transaction.atomic():
        _begin(invitation, now)
        spec = spec_of(invitation)
        given: dict[str, Any] = {}
        values: dict[str, checks.Value | checks.Empty] = {}
        errors: dict[str, str] = {}
        for page in spec.pages:
            shown = [q for q in page.questions if sf.is_shown(q, given)]
            page_values, page_errors = _check(spec, shown, answers, require=True)
            errors.update(page_errors)
            for key, value in page_values.items():
                values[key] = value
                if not isinstance(value, checks.Empty):
                    given[key] = value
        unknown = set(answers) - {q.id for q in spec.questions()}
        for key in sorted(unknown):
            errors[str(key)[:60]] = translation.gettext("There is no such question.")
        if errors:
            raise AnswerRefused(errors, code="invalid")
        invitation.answers.all().delete()
        _write(invitation, values, now, fresh=True)
        _complete(invitation, spec, now, actor)
    return invitation


# ---------------------------------------------------------------------------------------
# who is due (the periodic job)


def _survey_of(kind: str) -> Survey | None:
    return Survey.objects.filter(kind=kind).order_by("slug").first()


def invite_enrollment(enrollment_id: int, *, now: dt.datetime | None = None) -> Invitation | None:
    """The end-of-course invitation of one completed enrollment (learning's completion
    event); None when there is no end-of-course survey."""
    from yachay.cohorts.models import Enrollment

    survey = _survey_of(Survey.Kind.END_OF_COURSE)
    enrollment = Enrollment.objects.select_related("application").filter(pk=enrollment_id).first()
    if survey is None or enrollment is None:
        return None
    return invite(enrollment.application, survey.slug, now=now)


def invitations_due(*, now: dt.datetime | None = None, actor: Actor = SYSTEM) -> dict[str, int]:
    """Invite everyone who is due, and send the invitations not sent yet (idempotent: run it
    as often as you like). Due are:

    - baseline: every application received in the last ``YACHAY_SURVEYS_BASELINE_DAYS``;
    - end of course: every completed enrollment, and every placed one whose cohort ended in
      the last 60 days;
    - follow-ups: every placed enrollment (not dropped) of a call whose last cohort ended 3
      (6) months ago, until 60 days after that, in the applicants' follow-up wording.

    Messages are made only outside quiet hours; invitations made inside them are sent by the
    first run after. Returns how many invitations were made per survey kind, and "sent"."""
    from yachay.cohorts.models import Cohort, Enrollment

    now = now or timezone.now()
    today = now.astimezone(LIMA).date()
    made: dict[str, int] = {}

    def invite_all(kind: str, applications: Any, wording: str = Invitation.Wording.LEARNER) -> None:
        survey = _survey_of(kind)
        if survey is None:
            return
        fresh = list(applications.exclude(survey_invitations__survey=survey).order_by("pk"))
        for start in range(0, len(fresh), 1000):  # a few statements per thousand people
            invite_many(
                fresh[start : start + 1000],
                survey.slug,
                wording=wording,
                send=False,
                now=now,
                actor=actor,
            )
        made[kind] = len(fresh)

    since = now - dt.timedelta(days=settings.YACHAY_SURVEYS_BASELINE_DAYS)
    invite_all(Survey.Kind.BASELINE, Application.objects.filter(created_at__gte=since))
    placed = Enrollment.objects.filter(cohort__isnull=False).exclude(
        status=Enrollment.Status.DROPPED
    )
    ended = placed.filter(
        cohort__ends_on__lt=today, cohort__ends_on__gte=today - dt.timedelta(days=60)
    )
    completed = Enrollment.objects.filter(status=Enrollment.Status.COMPLETED)
    invite_all(
        Survey.Kind.END_OF_COURSE,
        Application.objects.filter(
            pk__in=completed.values("application_id").union(ended.values("application_id"))
        ),
    )
    # Follow-ups go to a call's learners together, 3 (6) months after its last cohort ended,
    # in the applicants' follow-up wording: the day and the words the impact study uses for
    # the applicants who were not admitted (impact.services.followups_invite), so the two
    # arms of its lottery are asked the same way at the same time.
    calls_end = Cohort.objects.values("call_id").annotate(end=Max("ends_on"))
    for kind, months in ((Survey.Kind.FOLLOWUP_3M, 3), (Survey.Kind.FOLLOWUP_6M, 6)):
        latest = add_months(today, -months)  # ended on or before this day
        earliest = latest - dt.timedelta(days=60)
        calls = calls_end.filter(end__lte=latest, end__gte=earliest).values("call_id")
        due = placed.filter(cohort__call_id__in=calls)
        invite_all(
            kind,
            Application.objects.filter(pk__in=due.values("application_id")),
            wording=Invitation.Wording.APPLICANT_FOLLOWUP,
        )
    made["sent"] = invitations_send(now=now, actor=actor)
    return made


def invitations_send(*, now: dt.datetime | None = None, actor: Actor = SYSTEM) -> int:
    """Make the message of every open invitation not sent yet (once each; engagement's unique
    key), outside quiet hours only. How many were queued."""
    now = now or timezone.now()
    if not in_sending_hours(now):
        return 0
    pending = (
        Invitation.objects.filter(sent_at__isnull=True, submitted_at__isnull=True)
        .exclude(closes_at__lte=now)
        .filter(created_at__gte=now - dt.timedelta(days=30))
        .select_related("survey")
    )
    tried = set(
        Message.objects.filter(
            kind=Kind.SURVEYS, created_at__gte=now - dt.timedelta(days=31)
        ).values_list("application_id", "occurrence")
    )
    queued = 0
    for invitation in pending.iterator(chunk_size=500):
        if (invitation.application_id, str(invitation.survey_id)) in tried:
            continue  # made before and suppressed (objection, no channel): not again
        with transaction.atomic():
            message = invitation_send(invitation, now=now, actor=actor)
        queued += message is not None and message.status == Message.Status.QUEUED
    return queued
