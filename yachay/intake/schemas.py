"""API shapes. The request body is documented here and parsed by ``ApplicationApiForm``
(the same rules as the web form), so every invalid field is reported at once."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field


class ApplicationIn(Schema):
    dni: str = Field(pattern=r"^\d{8}$", examples=["45678912"])
    dni_check: str | None = Field(None, description="Check character printed after the DNI.")
    given_names: str = Field(max_length=80, examples=["Illari Ñusta"])
    paternal_surname: str = Field(max_length=80, examples=["Quispe"])
    maternal_surname: str | None = Field(None, max_length=80, examples=["Mamani"])
    birth_date: dt.date
    gender: Literal["female", "male", "other", "undisclosed"]
    email: str = Field(max_length=254)
    phone: str = Field(description="Peruvian mobile; spaces, dashes and +51 accepted.")
    ubigeo: str = Field(
        pattern=r"^(\d{2}|\d{4}|\d{6})$", description="INEI code: 2, 4 or 6 digits."
    )
    segment: Literal["sme_expert", "entrepreneur", "sme_owner", "other"]
    ruc: str | None = Field(None, description="11 digits; required for the call's RUC segments.")
    business_name: str | None = Field(None, max_length=200)
    sector: (
        Literal[
            "commerce", "services", "food", "manufacturing", "agriculture", "tourism",
            "transport", "technology", "other",
        ]
        | None
    ) = None  # fmt: skip
    woman_led: bool | None = None
    modality: Literal["virtual", "in_person"]
    schedules: list[Literal["morning", "afternoon", "evening", "weekend"]] = Field(min_length=1)
    digital_level: int = Field(ge=1, le=5)
    accessibility_needs: str | None = Field(None, max_length=500)
    consent: Literal[True]
    consent_version: str


class ApplicationOut(Schema):
    reference: str = Field(examples=["YCH-7KQ3M9"])
    status: Literal[
        "submitted",
        "ineligible",
        "admitted",
        "waitlisted",
        "accepted",
        "declined",
        "expired",
        "enrolled",
    ] = Field(description="where the application stands: it follows the offer and enrollment")
    call: str
    submitted_at: dt.datetime
    decision: Literal[
        "pending", "ineligible", "waitlisted", "admitted", "accepted", "declined", "expired",
        "enrolled",
    ] = Field(
        description="pending until the call's selection is published; then the decision as "
        "it stands now: an admitted applicant who declined or let the offer expire is "
        "declined or expired, never admitted"
    )  # fmt: skip
    offer_expires_at: dt.datetime | None = Field(
        None, description="when admitted: the deadline to accept or decline the offer"
    )
    position: int | None = Field(None, description="waiting-list position, when waitlisted")
    explanation: str = Field(description="the decision in words, in the request's language")
    reasons: list[str] = Field(
        default_factory=list, description="each rule failed, when ineligible"
    )


class ApplicationRow(Schema):
    """A row for staff keys (coordinators see only their departments)."""

    reference: str
    status: str
    call: str
    submitted_at: dt.datetime = Field(alias="created_at")
    given_names: str
    paternal_surname: str
    department: str
    segment: str
    gender: str

    @staticmethod
    def resolve_call(obj: Any) -> str:
        return str(obj.call.slug)


class Errors(Schema):
    errors: dict[str, list[str]]


class Detail(Schema):
    detail: str


class Conflict(Schema):
    detail: str
    reference: str | None = None
    state: str | None = None


# A call's public facts ------------------------------------------------------------------
class Named(Schema):
    code: str = Field(examples=["sme_owner"])
    label: str = Field(description="in the request's language", examples=["dueño/a de MYPE"])


class SlotOut(Schema):
    code: Literal["morning", "afternoon", "evening", "weekend"]
    label: str = Field(examples=["mañana, 9:00–12:00"])
    starts: str = Field(description="Lima time, HH:MM", examples=["09:00"])
    ends: str = Field(description="Lima time, HH:MM", examples=["12:00"])
    days: Literal["weekdays", "saturday"]


class TrackOut(Schema):
    slug: str
    name: str
    description: str
    audience: list[str] = Field(description="segments it is for; empty means everyone")


class ConsentOut(Schema):
    version: str = Field(
        description="send it as `consent_version` with an application", examples=["2026-1"]
    )
    text: str = Field(description="show it to the person before they consent")


class CallOut(Schema):
    slug: str = Field(examples=["ia-mypes-2027-1"])
    title: str
    program: str
    description: str
    url: str = Field(description="the call's public page", examples=["/convocatorias/2027-i/"])
    state: Literal["upcoming", "open", "closed"]
    opens_at: dt.datetime = Field(description="ISO 8601 with Lima's offset")
    closes_at: dt.datetime = Field(description="ISO 8601 with Lima's offset")
    seats: int
    min_age: int
    max_age: int
    ages_on: dt.date = Field(description="ages are counted on this day (the closing day)")
    segments: list[Named] = Field(description="who may apply")
    ruc_required_segments: list[Named]
    modalities: list[Named]
    slots: list[SlotOut]
    length_weeks: int
    hours_per_week: int
    certificate: str = Field(description="empty: a digital certificate anyone can verify")
    free: bool = Field(True, description="the program charges applicants nothing")
    tracks: list[TrackOut]
    partners: list[str]
    consent: ConsentOut
