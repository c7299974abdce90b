"""The registry of personal data: what each table holds about people, why, for how long, and
what a cancellation does to it.

Every app that has models declares them in its own ``personal_data.py`` module (found by
:func:`registry`, as the admin finds ``admin.py``)::

    from yachay.core.personal_data import Category as C, Field, OnCancel as X, Retention as R
    from yachay.core.personal_data import declare

    declare(
        "intake.Application",
        subject="applicant",
        purpose=_("Select participants for a call ..."),
        personal={
            "dni": Field(C.IDENTIFIER, _("one application per person per call"), R.CALL,
                         X.ANONYMISE, to=lambda row: ...),
            ...
        },
        not_personal="id call reference status ...",
    )

Every concrete field of a declared model is either ``personal`` (with its category, purpose,
retention and cancellation action) or listed in ``not_personal``; a model that holds nothing
about anyone declares ``not_personal`` only. ``yachay/privacy/tests/test_registry.py`` fails
when a model of ours (or of an installed third-party app) or a field is added without a
declaration, and when a declaration names a field that no longer exists.

The registry is domain-free data: *how* a person's rows are found and changed lives in
``yachay.privacy`` (the top floor), which reads the declarations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

try:  # the stubs' name for a str or a lazy translation
    from django_stubs_ext import StrOrPromise
except ImportError:  # pragma: no cover
    StrOrPromise = str  # type: ignore[misc,assignment]


class Category(models.TextChoices):
    """What kind of personal data a field holds (Ley 29733 art. 2: *datos personales*;
    *datos sensibles* are a narrower class the law protects more)."""

    IDENTIFIER = "identifier", _("identifier (name, DNI, RUC, username)")
    CONTACT = "contact", _("contact (email, phone)")
    DEMOGRAPHIC = "demographic", _("demographic (birth date, gender, place)")
    SENSITIVE = "sensitive", _("sensitive (health, disability)")
    ECONOMIC = "economic", _("economic (business, sector)")
    LEARNING = "learning", _("learning record (progress, answers, scores, attendance)")
    TECHNICAL = "technical", _("technical (IP address, sign-in times, devices)")
    CREDENTIAL = "credential", _("credential (password hash, second-factor secret)")
    FREE_TEXT = "free_text", _("free text that may name a person")


class OnCancel(models.TextChoices):
    """What a cancellation (the C of ARCO) does to the field."""

    ERASE = "erase", _("erased (the row deleted, or the value emptied)")
    ANONYMISE = "anonymise", _("anonymised (replaced by a value that identifies nobody)")
    KEEP = "keep", _("kept, for the stated reason")


class Retention(models.TextChoices):
    """How long a field is kept (the one place retention periods are named)."""

    CALL = "call", _("until the call's retention rule anonymises it (applicants not placed)")
    PROGRAM = "program", _("while the person takes part in the program, then as the call's rule")
    ACCOUNT = "account", _("while the account exists; cancellation ends it")
    CERTIFICATE = "certificate", _("as long as the certificate can be verified")
    SECURITY = "security", _("for the security period of its app (sign-in attempts, sessions)")
    AGGREGATE = "aggregate", _("kept without identity, for the program's published figures")


@dataclass(frozen=True)
class Field:
    """One personal field: its category, purpose, retention and cancellation action.

    ``to`` is what an anonymised (or erased) value becomes: a constant, or a function of the
    row (``to=lambda row: ...``); by default an erased field takes its empty value (``""``,
    ``None``, ``{}``, ``[]``). ``reason`` says why a kept field is kept; it is required for
    ``OnCancel.KEEP``.
    """

    category: Category
    purpose: StrOrPromise
    retention: Retention
    on_cancel: OnCancel
    reason: StrOrPromise = ""
    to: Any = None

    def __post_init__(self) -> None:
        if self.on_cancel == OnCancel.KEEP and not self.reason:
            raise ValueError("A kept personal field needs a reason")
        if self.on_cancel == OnCancel.ANONYMISE and self.to is None:
            raise ValueError("An anonymised field needs its replacement (to=...)")


@dataclass(frozen=True)
class Declaration:
    """One model's declaration: its personal fields and the fields that are not personal."""

    label: str  # "app_label.ModelName"
    subject: str  # whose data: "applicant", "learner", "user", "staff", "" (nobody's)
    purpose: StrOrPromise
    personal: dict[str, Field] = field(default_factory=dict)
    not_personal: frozenset[str] = frozenset()
    # Cancellation deletes the person's rows of this model (their personal fields say ERASE).
    delete_rows: bool = False
    # Relations the anonymising functions (``Field.to``) read, fetched with the rows.
    select_related: tuple[str, ...] = ()
    # Words for a library's model and fields whose own are not translated: "" names the model.
    labels: dict[str, StrOrPromise] = field(default_factory=dict)

    def name(self) -> str:
        """The model's name in words (plural), in the user's language."""
        return str(self.labels.get("") or self.model._meta.verbose_name_plural)

    def field_name(self, name: str) -> str:
        if name in self.labels:
            return str(self.labels[name])
        return str(getattr(self.model._meta.get_field(name), "verbose_name", name))

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    @property
    def holds_personal_data(self) -> bool:
        return bool(self.personal)

    def replacement(self, name: str, row: models.Model) -> Any:
        """The value ``name`` takes on ``row`` when cancelled or shredded."""
        spec = self.personal[name]
        if spec.to is not None:
            return spec.to(row) if callable(spec.to) else spec.to
        return empty_value(self.model._meta.get_field(name))


def empty_value(model_field: Any) -> Any:
    """The value that says "nothing" for a field: None where allowed, else "", {} or []."""
    if model_field.null:
        return None
    if isinstance(model_field, models.JSONField):
        default = model_field.default
        return default() if callable(default) else {}
    if isinstance(model_field, models.BooleanField):
        return False
    return ""


_REGISTRY: dict[str, Declaration] = {}
_DISCOVERED = False


def _words(value: str | Iterable[str]) -> frozenset[str]:
    return frozenset(value.split() if isinstance(value, str) else value)


def declare(
    label: str,
    *,
    subject: str = "",
    purpose: StrOrPromise = "",
    personal: dict[str, Field] | None = None,
    not_personal: str | Iterable[str] = (),
    delete_rows: bool = False,
    select_related: tuple[str, ...] = (),
    labels: dict[str, StrOrPromise] | None = None,
) -> Declaration:
    """Declare one model (``"app_label.ModelName"``). ``not_personal`` is a list of names, or
    one string of names separated by spaces. Declaring a model twice is an error."""
    personal = dict(personal or {})
    others = _words(not_personal)
    both = others & set(personal)
    if both:
        raise ValueError(f"{label}: {sorted(both)} declared both personal and not personal")
    if personal and not purpose:
        raise ValueError(f"{label}: a model with personal data states its purpose")
    if label in _REGISTRY:
        raise ValueError(f"{label} is declared twice")
    declaration = Declaration(
        label=label,
        subject=subject,
        purpose=purpose,
        personal=personal,
        not_personal=others,
        delete_rows=delete_rows,
        select_related=select_related,
        labels=dict(labels or {}),
    )
    _REGISTRY[label] = declaration
    return declaration


def registry() -> dict[str, Declaration]:
    """Every declaration, by model label, after importing each app's ``personal_data``."""
    global _DISCOVERED
    if not _DISCOVERED:
        autodiscover_modules("personal_data")
        _DISCOVERED = True
    return dict(_REGISTRY)


def declaration_of(model: type[models.Model]) -> Declaration | None:
    return registry().get(model._meta.label)


def concrete_field_names(model: type[models.Model]) -> set[str]:
    """The names a declaration must cover: concrete columns and many-to-many fields."""
    meta = model._meta
    names = {f.name for f in meta.concrete_fields}
    names |= {f.name for f in meta.many_to_many}
    return names


def problems(declaration: Declaration) -> list[str]:
    """What is wrong with one declaration against its model: fields missing or unknown."""
    try:
        model = declaration.model
    except LookupError:
        return [f"{declaration.label}: no such model"]
    have = concrete_field_names(model)
    said = set(declaration.personal) | set(declaration.not_personal)
    out = [f"{declaration.label}.{name}: not declared" for name in sorted(have - said)]
    out += [f"{declaration.label}.{name}: declared but not a field" for name in sorted(said - have)]
    return out


# The core's own tables: audit rows and sent-email keys hold ids, statuses and counts, never
# personal data (their services' rule); they are kept, so that what happened can be shown.
declare(
    "core.AuditEvent",
    not_personal="id created_at actor actor_label action object_type object_id changes",
)
declare("core.SentEmail", not_personal="id key sent_at")
OPPOSITION = _("to honour the person's objection to a purpose (opposition, Ley 29733)")
declare(
    "core.Objection",
    subject="applicant",
    purpose=OPPOSITION,
    # A cancelled person gets no message at all: their address is gone everywhere.
    delete_rows=True,
    personal={"email": Field(Category.CONTACT, OPPOSITION, Retention.PROGRAM, OnCancel.ERASE)},
    not_personal="id purpose created_at source",
)
