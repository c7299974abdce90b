"""Every write of engagement: evaluating the rules (making messages), sending them, opt-outs,
preferences and delivery reports.

The order a candidate goes through (docs/engagement.md, "Respect"):

1. already made for this rule × person × occurrence → nothing (the unique key);
2. unsubscribed from the rule's kind, or objected to this use → *suppressed*;
3. no channel they accept (WhatsApp needs their opt-in; SMS and WhatsApp a mobile) →
   *suppressed* (``not_mobile`` when a phone was the only way and it is not a mobile);
4. a nudge over the weekly cap → *suppressed*;
5. in the rule's hold-out → *held out* (recorded, not sent: the comparison group);
6. otherwise *queued*, and sent by the queue.

Quiet hours are not a suppression: a rule outside its window is not evaluated at all, and
its candidates are picked up by the first run inside it (while its trigger still holds).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import formats, timezone, translation

from yachay.core.actors import SYSTEM, Actor
from yachay.core.models import AuditEvent
from yachay.core.objections import Purpose, normalise_email, objecting
from yachay.core.services import audit_record
from yachay.engagement import channels as ch
from yachay.engagement import holdout, templating, triggers
from yachay.engagement.models import (
    ContactPreference,
    DeliveryReport,
    Message,
    Unsubscription,
)
from yachay.engagement.rules import Rule, load_rules
from yachay.intake.models import Application

logger = logging.getLogger("yachay.engagement")

LIMA = ZoneInfo("America/Lima")
UNSUBSCRIBE_SALT = "yachay.engagement.unsubscribe"
COUNTED = (
    Message.Status.QUEUED,
    Message.Status.SENT,
    Message.Status.DELIVERED,
    Message.Status.READ,
)


@lru_cache(maxsize=4)
def _rules_cached(folder: str, stamp: tuple[tuple[str, float], ...]) -> tuple[Rule, ...]:
    return load_rules(Path(folder))


def rules_current() -> tuple[Rule, ...]:
    """The rules in ``YACHAY_NUDGE_RULES_DIR`` (read again when a file changes)."""
    folder = Path(settings.YACHAY_NUDGE_RULES_DIR)
    stamp = tuple(sorted((p.name, p.stat().st_mtime) for p in folder.glob("*.yaml")))
    return _rules_cached(str(folder), stamp)


def is_mobile(phone: str) -> bool:
    try:
        number = phonenumbers.parse(phone or "", "PE")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def choose_channel(
    rule: Rule | Sequence[str],
    *,
    email: str,
    phone: str,
    preference: ContactPreference | None,
) -> tuple[str, str, dict[str, str]]:
    """(channel, reason, skipped): the first of the rule's channels (or of the channels
    given), the person's preferred one first, that they accept and can be reached on;
    ``channel`` is "" when none, with the reason. ``skipped`` says why a channel tried before
    was passed over."""
    order = list(rule.channels if isinstance(rule, Rule) else rule)
    if preference and preference.preferred_channel in order:
        order.remove(preference.preferred_channel)
        order.insert(0, preference.preferred_channel)
    skipped: dict[str, str] = {}
    for name in order:
        if name == "email":
            if not email:
                skipped[name] = Message.Reason.NO_CONTACT
            elif preference and not preference.email_ok:
                skipped[name] = Message.Reason.NO_CHANNEL
            else:
                return name, "", skipped
        else:
            opted = (
                preference is not None and preference.whatsapp_opt_in_at is not None
                if name == "whatsapp"
                else preference is None or preference.sms_ok
            )
            if not opted:
                skipped[name] = Message.Reason.NO_CHANNEL
            elif not phone:
                skipped[name] = Message.Reason.NO_CONTACT
            elif not is_mobile(phone):
                skipped[name] = Message.Reason.NOT_MOBILE
            else:
                return name, "", skipped
    reasons = set(skipped.values())
    reason = (
        Message.Reason.NOT_MOBILE
        if Message.Reason.NOT_MOBILE in reasons
        else Message.Reason.NO_CONTACT
        if reasons == {Message.Reason.NO_CONTACT}
        else Message.Reason.NO_CHANNEL
    )
    return "", reason, skipped


def _site(path: str) -> str:
    return settings.YACHAY_SITE_URL.rstrip("/") + path


@lru_cache(maxsize=16)
def _page(name: str, site: str) -> str:
    """A page's full address (reverse() once per run, not once per message)."""
    return site.rstrip("/") + reverse(name, args=["TOKEN"] if name == "selection:offer" else [])


def _link(rule: Rule, values: dict[str, Any]) -> str:
    from yachay.selection.models import Offer
    from yachay.selection.selectors import offer_token

    site = settings.YACHAY_SITE_URL
    if rule.trigger == "offer_deadline":
        token = offer_token(Offer(pk=values["offer_id"]))
        return _page("selection:offer", site).replace("TOKEN", token)
    if rule.trigger == "certificate_ready":
        return _page("certificates:mine", site)
    if rule.trigger == "session_upcoming":
        return _page("cohorts:me", site)
    return _page("learning:home", site)


@lru_cache(maxsize=4096)
def _shown_datetime(value: dt.datetime, language: str) -> str:
    with translation.override(language):
        return formats.date_format(value.astimezone(LIMA), "DATETIME_FORMAT")


def render(
    rule: Rule, language: str, values: dict[str, Any]
) -> tuple[str, str, str, dict[str, str]]:
    """(subject, body, short text, values shown) of this rule for one person: values as the
    person reads them, in their language (dates in Lima time)."""
    template = rule.template(language)
    language = language if language in rule.templates else "es"
    shown = {
        k: _shown_datetime(v, language) if isinstance(v, dt.datetime) else str(v)
        for k, v in values.items()
        if k != "offer_id" and k[0] != "_"
    }
    shown["link"] = _link(rule, values)
    return (
        templating.render(template.subject, shown)[:200],
        templating.render(template.body, shown),
        templating.render(template.sms, shown),
        shown,
    )


@dataclass
class RunSummary:
    now: dt.datetime
    rules: dict[str, Counter[str]] = field(default_factory=dict)
    skipped_rules: list[str] = field(default_factory=list)  # outside their window
    queued_ids: list[int] = field(default_factory=list)


def messages_evaluate(
    *, now: dt.datetime | None = None, rules: Sequence[Rule] | None = None, actor: Actor = SYSTEM
) -> RunSummary:
    """Evaluate every rule for every person (set-based: a few queries per rule, whatever the
    number of learners) and record one message per rule × person × occurrence: queued,
    suppressed (with why) or held out. Returns what was made; the caller queues the sending."""
    now = now or timezone.now()
    rules = rules_current() if rules is None else rules
    summary = RunSummary(now=now)
    local = now.astimezone(LIMA).time()
    seed = settings.YACHAY_NUDGE_HOLDOUT_SEED
    cap = settings.YACHAY_NUDGE_WEEKLY_CAP
    nudge_rules = [r.id for r in rules if r.nudge]
    week = Counter(
        dict(
            Message.objects.filter(
                rule__in=nudge_rules, status__in=COUNTED, created_at__gt=now - dt.timedelta(days=7)
            )
            .values_list("application_id")
            .annotate(n=Count("id"))
            .values_list("application_id", "n")
        )
    )
    preferences = {p.email: p for p in ContactPreference.objects.all()}
    cache: dict[Any, Any] = {}
    for rule in rules:
        if not rule.enabled or not rule.in_window(local):
            summary.skipped_rules.append(rule.id)
            continue
        counts: Counter[str] = Counter()
        summary.rules[rule.id] = counts
        found = triggers.candidates(rule, now, cache)
        made = set(
            Message.objects.filter(
                rule=rule.id, created_at__gt=now - dt.timedelta(days=120)
            ).values_list("application_id", "occurrence")
        )
        fresh = []
        for c in found:
            if (c.application_id, c.occurrence) not in made:
                made.add((c.application_id, c.occurrence))
                fresh.append(c)
        if not fresh:
            continue
        unsubscribed = set(
            Unsubscription.objects.filter(kind=rule.kind).values_list("email", flat=True)
        )
        # The right of opposition (core.objections): every kind of message engagement sends
        # is a reminder about the program, so an objection to reminders stops them all.
        objectors = objecting((c.values["_email"] for c in fresh), Purpose.REMINDERS)
        rows = []
        for c in fresh:
            email, phone = c.values["_email"], c.values["_phone"]
            status, reason, channel = Message.Status.QUEUED, "", ""
            subject = body = ""
            skipped: dict[str, str] = {}
            if email in unsubscribed:
                status, reason = Message.Status.SUPPRESSED, Message.Reason.UNSUBSCRIBED
            elif normalise_email(email) in objectors:
                status, reason = Message.Status.SUPPRESSED, Message.Reason.OBJECTED
            else:
                channel, reason, skipped = choose_channel(
                    rule, email=email, phone=phone, preference=preferences.get(email)
                )
                if not channel:
                    status = Message.Status.SUPPRESSED
                elif rule.nudge and week[c.application_id] >= cap:
                    status, reason = Message.Status.SUPPRESSED, Message.Reason.FREQUENCY_CAP
                elif holdout.held_out(
                    seed=seed, rule=rule.id, person=c.application_id, share=rule.holdout
                ):
                    status = Message.Status.HELD_OUT
            if status == Message.Status.QUEUED:
                subject, text, short, _values = render(rule, c.language, c.values)
                body = text if channel == "email" else short
                if rule.nudge:
                    week[c.application_id] += 1
            context: dict[str, Any] = {"skipped": skipped} if skipped else {}
            if c.session_id:
                context["session"] = c.session_id
            if status == Message.Status.HELD_OUT:
                context["seed"] = seed
            rows.append(
                Message(
                    rule=rule.id,
                    rule_version=rule.version,
                    kind=rule.kind,
                    occurrence=c.occurrence,
                    application_id=c.application_id,
                    user_id=c.user_id,
                    channel=channel,
                    language=c.language,
                    status=status,
                    reason=reason,
                    subject=subject,
                    body=body,
                    context=context,
                    created_at=now,
                )
            )
            counts[status] += 1
        with transaction.atomic():
            # Another worker may have made some of them since: the unique key keeps theirs.
            Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
            summary.queued_ids.extend(
                Message.objects.filter(
                    rule=rule.id, created_at=now, status=Message.Status.QUEUED
                ).values_list("pk", flat=True)
            )
            _audit(
                actor,
                "engagement.rule_evaluated",
                "engagement.rule",
                rule.id,
                {"version": rule.version, "holdout_seed": seed, **counts},
            )
    return summary


def _audit(
    actor: Actor, action: str, object_type: str, object_id: str, changes: dict[str, Any]
) -> None:
    """An audit row about something that is not one row (a rule is a file; a batch is many)."""
    AuditEvent.objects.create(
        actor=actor.user,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=object_id[:64],
        changes=changes,
    )


def _unsubscribe_url(application_id: int, kind: str) -> str:
    token = signing.dumps({"a": application_id, "k": kind}, salt=UNSUBSCRIBE_SALT)
    return _site(reverse("engagement:unsubscribe", args=[token]))


def unsubscribe_token_read(token: str) -> tuple[int, str] | None:
    """(application id, kind) of a genuine link; None for a forged or damaged one."""
    from yachay.engagement.models import Kind

    try:
        data = signing.loads(token[:300], salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in Kind.values:
        return None
    if not isinstance(data.get("a"), int):
        return None
    return data["a"], data["k"]


#: Message kind -> the personal link of one of its messages, for kinds whose link holds a
#: secret that is not stored (a survey's token): the upper app that makes those messages
#: registers its maker in its ``AppConfig.ready``; the text keeps ``LINK_PLACEHOLDER`` until
#: the moment of sending.
LINK_MAKERS: dict[str, Callable[[Message], str]] = {}
LINK_PLACEHOLDER = "[[link]]"


def _with_link(message: Message, text: str) -> str:
    maker = LINK_MAKERS.get(message.kind)
    if maker is None or LINK_PLACEHOLDER not in text:
        return text
    return text.replace(LINK_PLACEHOLDER, maker(message))


def _outgoing(message: Message, rule: Rule | None, to: str) -> ch.Outgoing:
    headers: dict[str, str] = {}
    attachments: list[tuple[str, bytes, str]] = []
    if message.channel == "email":
        url = _unsubscribe_url(message.application_id, message.kind)
        headers = {
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        session_id = (message.context or {}).get("session")
        if session_id:
            from yachay.cohorts.ics import cohort_calendar
            from yachay.cohorts.models import Session

            session = Session.objects.select_related("cohort").filter(pk=session_id).first()
            if session is not None:
                attachments.append(
                    ("sesion.ics", cohort_calendar(session.cohort, [session]), "text/calendar")
                )
        body = message.body
        with translation.override(message.language):
            from django.utils.translation import gettext

            body += "\n\n-- \n" + gettext("To stop receiving these messages: %(url)s") % {
                "url": url
            }
    else:
        body = message.body
    return ch.Outgoing(
        key=message.key,
        to=to,
        subject=message.subject,
        body=_with_link(message, body),
        short=_with_link(message, message.body),
        language=message.language,
        whatsapp_template=rule.whatsapp_template if rule else "",
        headers=headers,
        attachments=tuple(attachments),
    )


def messages_send(*, message_ids: Sequence[int], actor: Actor = SYSTEM) -> Counter[str]:
    """Send these queued messages, each once: the row is locked and marked in the same
    transaction as the provider's answer, so a second worker waits and then finds it sent.
    A provider that is away raises :class:`channels.ProviderUnavailable` (the queue retries
    the task later; the ones sent before stay sent)."""
    rules = {r.id: r for r in rules_current()}
    counts: Counter[str] = Counter()
    email = ch.EmailChannel()
    others: dict[str, ch.Channel] = {}
    try:
        for message_id in message_ids:
            with transaction.atomic():
                message = (
                    Message.objects.select_for_update()
                    .select_related("application")
                    .filter(pk=message_id, status=Message.Status.QUEUED)
                    .first()
                )
                if message is None:
                    counts["skipped"] += 1
                    continue
                person = message.application
                if message.channel == "email":
                    if email.connection is None:
                        email.open()
                    channel: ch.Channel = email
                    to = person.email
                else:
                    channel = others.setdefault(message.channel, ch.channel_for(message.channel))
                    to = phonenumbers.format_number(
                        phonenumbers.parse(person.phone, "PE"), phonenumbers.PhoneNumberFormat.E164
                    )
                result = channel.send(_outgoing(message, rules.get(message.rule), to))
                message.status = {
                    "sent": Message.Status.SENT,
                    "unknown": Message.Status.UNKNOWN,
                }.get(result.status, Message.Status.FAILED)
                if message.status == Message.Status.FAILED:
                    message.reason = Message.Reason.PROVIDER_REFUSED
                message.provider_id, message.error = result.provider_id[:100], result.error[:300]
                message.sent_at = message.status_at = timezone.now()
                message.save(
                    update_fields=[
                        "status",
                        "reason",
                        "provider_id",
                        "error",
                        "sent_at",
                        "status_at",
                    ]
                )
                counts[message.status] += 1
    finally:
        email.close()
    if counts:
        # The messages' own rows say what each one became; one audit row says who sent them.
        _audit(
            actor,
            "engagement.messages_sent",
            "engagement.message",
            str(message_ids[0]),
            dict(counts),
        )
    return counts


def message_make(
    *,
    application: Application,
    rule: str,
    kind: str,
    occurrence: str,
    subject: str,
    body: str,
    short: str,
    channels: Sequence[str] = ("email", "sms"),
    purpose: str = Purpose.REMINDERS,
    user_id: int | None = None,
    version: str = "",
    now: dt.datetime | None = None,
    actor: Actor = SYSTEM,
) -> tuple[Message, bool]:
    """One message that is not a rule's (a survey's invitation): (message, made now).

    The same respect as a rule's messages (docs/engagement.md, "Respect"): made once per
    ``rule`` × person × ``occurrence`` (a second call returns the first message); suppressed
    when the person unsubscribed from ``kind`` or objected to ``purpose`` (``core.objections``)
    or has no channel they accept. A queued one is sent by ``engagement.tasks.send_messages``
    (the caller queues it after commit); quiet hours are the caller's: make it inside them.
    ``body`` is the email's text, ``short`` the SMS/WhatsApp one; either may hold
    ``LINK_PLACEHOLDER`` (see ``LINK_MAKERS``)."""
    now = now or timezone.now()
    existing = Message.objects.filter(
        rule=rule, application=application, occurrence=occurrence
    ).first()
    if existing is not None:
        return existing, False
    email = application.email
    status, reason, channel = Message.Status.QUEUED, "", ""
    skipped: dict[str, str] = {}
    if Unsubscription.objects.filter(email=_email_key(email), kind=kind).exists():
        status, reason = Message.Status.SUPPRESSED, Message.Reason.UNSUBSCRIBED
    elif objecting([email], purpose):
        status, reason = Message.Status.SUPPRESSED, Message.Reason.OBJECTED
    else:
        preference = ContactPreference.objects.filter(email=_email_key(email)).first()
        channel, reason, skipped = choose_channel(
            channels, email=email, phone=application.phone, preference=preference
        )
        if not channel:
            status = Message.Status.SUPPRESSED
    with transaction.atomic():
        message, made = Message.objects.get_or_create(
            rule=rule[:60],
            application=application,
            occurrence=occurrence[:60],
            defaults={
                "rule_version": version[:16],
                "kind": kind,
                "user_id": user_id,
                "channel": channel,
                "language": application.language or "es",
                "status": status,
                "reason": reason,
                "subject": subject[:200] if status == Message.Status.QUEUED else "",
                "body": (body if channel == "email" else short)
                if status == Message.Status.QUEUED
                else "",
                "context": {"skipped": skipped} if skipped else {},
                "created_at": now,
            },
        )
        if made:
            _audit(
                actor,
                "engagement.message_made",
                "engagement.message",
                str(message.pk),
                {"rule": rule, "status": status, "reason": reason},
            )
    return message, made


def _email_key(email: str) -> str:
    return email.strip().lower()


def unsubscribe(*, application_id: int, kind: str, source: str, actor: Actor = SYSTEM) -> bool:
    """This person no longer gets messages of ``kind``; True if that is new."""
    person = Application.objects.filter(pk=application_id).only("email").first()
    if person is None:
        return False
    with transaction.atomic():
        row, created = Unsubscription.objects.get_or_create(
            email=_email_key(person.email), kind=kind, defaults={"source": source}
        )
        if created:
            audit_record(
                actor=actor,
                action="engagement.unsubscribed",
                obj=row,
                changes={"kind": kind, "source": source},
            )
    return created


def sms_opt_out(*, phone: str, actor: Actor = SYSTEM) -> int:
    """A reply "BAJA" from ``phone``: no more SMS to the people with this number. How many."""
    try:
        number = phonenumbers.format_number(
            phonenumbers.parse(phone, "PE"), phonenumbers.PhoneNumberFormat.E164
        )
    except phonenumbers.NumberParseException:
        return 0
    emails = {
        _email_key(e)
        for e in Application.objects.filter(phone=number).values_list("email", flat=True)
    }
    with transaction.atomic():
        for email in emails:
            pref, _ = ContactPreference.objects.get_or_create(email=email)
            if pref.sms_ok:
                pref.sms_ok = False
                pref.save(update_fields=["sms_ok", "updated_at"])
                audit_record(
                    actor=actor,
                    action="engagement.sms_opt_out",
                    obj=pref,
                    changes={"sms_ok": [True, False]},
                )
    return len(emails)


def preference_set(
    *,
    email: str,
    preferred_channel: str,
    email_ok: bool,
    sms_ok: bool,
    whatsapp: bool,
    actor: Actor,
) -> ContactPreference:
    """A person's channel choices (WhatsApp: their opt-in, dated)."""
    with transaction.atomic():
        pref, _ = ContactPreference.objects.select_for_update().get_or_create(
            email=_email_key(email)
        )
        old = {
            "channel": pref.preferred_channel,
            "email": pref.email_ok,
            "sms": pref.sms_ok,
            "whatsapp": pref.whatsapp_opt_in_at is not None,
        }
        pref.preferred_channel = preferred_channel
        pref.email_ok, pref.sms_ok = email_ok, sms_ok
        if whatsapp and pref.whatsapp_opt_in_at is None:
            pref.whatsapp_opt_in_at = timezone.now()
        elif not whatsapp:
            pref.whatsapp_opt_in_at = None
        pref.save()
        new = {"channel": preferred_channel, "email": email_ok, "sms": sms_ok, "whatsapp": whatsapp}
        audit_record(
            actor=actor,
            action="engagement.preference_set",
            obj=pref,
            changes={k: [old[k], new[k]] for k in new if old[k] != new[k]},
        )
    return pref


# Providers' words → ours; anything else is recorded in the report and leaves the status.
PROVIDER_STATUS = {
    "delivered": Message.Status.DELIVERED,
    "read": Message.Status.READ,
    "failed": Message.Status.FAILED,
    "undelivered": Message.Status.FAILED,
    "bounced": Message.Status.FAILED,
    "rejected": Message.Status.FAILED,
    "sent": Message.Status.SENT,
}
_RANK: dict[str, int] = {
    Message.Status.SENT: 1,
    Message.Status.DELIVERED: 2,
    Message.Status.READ: 3,
    Message.Status.FAILED: 2,
}


def delivery_report_record(*, channel: str, provider_id: str, status: str) -> DeliveryReport:
    """A provider's (already authenticated) report; moves the message's status forward only
    (a late "sent" after "delivered" changes nothing)."""
    provider_id, status = provider_id[:100], status[:30].lower()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(channel=channel, provider_id=provider_id)
            .first()
            if provider_id
            else None
        )
        report = DeliveryReport.objects.create(
            channel=channel, provider_id=provider_id, status=status, message=message
        )
        ours = PROVIDER_STATUS.get(status)
        if (
            message is not None
            and ours is not None
            and _RANK.get(ours, 0) > _RANK.get(message.status, 0)
        ):
            message.status, message.status_at = ours, timezone.now()
            message.save(update_fields=["status", "status_at"])
    return report
