from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from yachay.accounts.models import ApiKey
from yachay.accounts.scopes import scope_by_department
from yachay.core.choices import SLOT_HOURS, Modality, Schedule, Segment, slot_label
from yachay.core.memo import Memo
from yachay.intake.models import Application
from yachay.programs.models import Call, Track

# What an application without a published decision says, on its status page and in the API:
# intake's own words (selection's explanation starts from them).
RECEIVED_TEXT = gettext_lazy(
    "Your application is received. Places are assigned by the published rules "
    "after the call closes."
)


def open_call(slug: str) -> Call | None:
    return Call.objects.select_related("program").filter(slug=slug).first()


# Calls by slug for the API, for YACHAY_HOT_CACHE_SECONDS: whether a call is open is worked
# out from its dates on every request; an edit of the call shows within that bound.
CALLS: Memo[Call] = Memo("calls", size=200)


def open_call_cached(slug: str) -> Call | None:
    """``open_call`` through the process's memo: the same instance for every request within
    its time bound, so callers must not change it."""
    return CALLS.get(slug, lambda: open_call(slug))


def application_by_submission_key(call: Call, key: uuid.UUID) -> Application | None:
    return Application.objects.filter(call=call, submission_key=key).first()


def applications_visible_to_key(key: ApiKey, call: Call) -> QuerySet[Application]:
    """A user's key reads with that user's scope; a partner key reads what it submitted."""
    qs = Application.objects.filter(call=call)
    if key.user is not None:
        return scope_by_department(qs, key.user, field="department")
    return qs.filter(api_key=key)


# The public facts of a call: one reading for the call page and the API ------------------
@dataclass(frozen=True)
class Named:
    code: str
    label: str


@dataclass(frozen=True)
class Slot:
    code: str
    label: str  # "mañana, 9:00–12:00"
    starts: dt.time
    ends: dt.time
    days: str  # "weekdays" or "saturday"


@dataclass(frozen=True)
class CallFacts:
    call: Call
    state: str  # upcoming, open, closed
    segments: list[Named]
    ruc_segments: list[Named]
    modalities: list[Named]
    slots: list[Slot]
    tracks: list[Track]
    partners: list[str]
    age_on: dt.date  # ages are counted on the closing day, in Lima

    @property
    def ruc_segment_names(self) -> str:
        return ", ".join(s.label for s in self.ruc_segments)


def calls_public() -> QuerySet[Call]:
    """Every call with what its page shows, in two queries however many calls there are."""
    return (
        Call.objects.select_related("program")
        .prefetch_related(Prefetch("program__tracks", queryset=Track.objects.order_by("order")))
        .order_by("-opens_at", "pk")
    )


def call_public(slug: str) -> Call | None:
    return calls_public().filter(slug=slug).first()


def call_facts(call: Call, now: dt.datetime | None = None) -> CallFacts:
    """Codes with their labels in the active language, in the order of the choices."""

    def named(codes: list[str], choices: type[Segment] | type[Modality]) -> list[Named]:
        return [Named(c, str(choices(c).label)) for c in choices.values if c in codes]

    return CallFacts(
        call=call,
        state=call.state(now),
        segments=named(call.allowed_segments, Segment),
        ruc_segments=named(call.ruc_required_segments, Segment),
        modalities=named(call.modalities, Modality),
        slots=[
            Slot(
                code=code,
                label=str(slot_label(code)),
                starts=SLOT_HOURS[code][0],
                ends=SLOT_HOURS[code][1],
                days="saturday" if code == Schedule.WEEKEND else "weekdays",
            )
            for code in Schedule.values
        ],
        tracks=list(call.program.tracks.all()),
        partners=call.program.partner_list,
        age_on=timezone.localtime(call.closes_at).date(),
    )
