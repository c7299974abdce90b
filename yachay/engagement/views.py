"""Pages: the unsubscribe link (public, signed), the providers' webhooks (signed), and staff
pages (a person's messages; each rule's figures and hold-out comparison)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import math
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from yachay.accounts.http import AuthedHttpRequest
from yachay.core.actors import Actor
from yachay.core.caching import no_store, personal_data
from yachay.engagement import risk, risk_text, selectors, services
from yachay.engagement.models import (
    Kind,
    Message,
    RiskAction,
    RiskMethod,
    RiskModel,
    RiskScore,
    Unsubscription,
)

logger = logging.getLogger("yachay.engagement")
STAFF_LOGIN = "accounts:staff_login"


@csrf_exempt  # RFC 8058: mail programs POST without a form; the signed token is the key
@require_http_methods(["GET", "POST"])
@personal_data
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link would do and a button (link scanners must not unsubscribe
    anyone); POST (the button, or the mail program's one-click) does it. A forged or damaged
    link changes nothing and says so."""
    found = services.unsubscribe_token_read(token)
    if found is None:
        return render(request, "engagement/unsubscribe.html", {"invalid": True}, status=400)
    application_id, kind = found
    label = dict(Kind.choices)[kind]
    done = False
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        services.unsubscribe(
            application_id=application_id,
            kind=kind,
            source=Unsubscription.Source.ONE_CLICK if one_click else Unsubscription.Source.LINK,
        )
        done = True
    return render(
        request, "engagement/unsubscribe.html", {"kind": label, "done": done, "token": token}
    )


def _twilio_valid(request: HttpRequest) -> bool:
    """Twilio's X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + each POST parameter's
    name and value, sorted by name))."""
    secret = settings.YACHAY_TWILIO_AUTH_TOKEN
    given = request.headers.get("X-Twilio-Signature", "")
    if not secret or not given:
        return False
    url = settings.YACHAY_SITE_URL.rstrip("/") + request.get_full_path()
    data = url + "".join(f"{k}{v}" for k in sorted(request.POST) for v in request.POST.getlist(k))
    expected = base64.b64encode(hmac.new(secret.encode(), data.encode(), hashlib.sha1).digest())
    return hmac.compare_digest(expected.decode(), given)


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    if not _twilio_valid(request):
        return HttpResponse(status=403)
    services.delivery_report_record(
        channel="sms",
        provider_id=request.POST.get("MessageSid", ""),
        status=request.POST.get("MessageStatus", ""),
    )
    return HttpResponse(status=204)


OPT_OUT_WORDS = {"BAJA", "STOP", "ALTO", "CANCELAR"}


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """An SMS reply: "BAJA" (or STOP) stops SMS to that number."""
    if not _twilio_valid(request):
        return HttpResponse(status=403)
    if request.POST.get("Body", "").strip().upper().rstrip(".!") in OPT_OUT_WORDS:
        services.sms_opt_out(phone=request.POST.get("From", ""))
    return HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?><Response></Response>', content_type="text/xml"
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    """The Cloud API's webhook: GET is its subscription check (hub.verify_token), POST its
    status reports, signed with the app secret (X-Hub-Signature-256: sha256=<hex HMAC>)."""
    if request.method == "GET":
        token = settings.YACHAY_WHATSAPP_VERIFY_TOKEN
        if (
            token
            and request.GET.get("hub.mode") == "subscribe"
            and hmac.compare_digest(request.GET.get("hub.verify_token", ""), token)
        ):
            return HttpResponse(
                request.GET.get("hub.challenge", "")[:100], content_type="text/plain"
            )
        return HttpResponse(status=403)
    secret = settings.YACHAY_WHATSAPP_APP_SECRET
    given = request.headers.get("X-Hub-Signature-256", "")
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    if not secret or not hmac.compare_digest(expected, given):
        return HttpResponse(status=403)
    try:
        data: Any = json.loads(request.body)
        statuses = [
            status
            for entry in data.get("entry", [])
            for change in entry.get("changes", [])
            for status in change.get("value", {}).get("statuses", [])
        ]
    except (ValueError, AttributeError, TypeError):
        return HttpResponse(status=400)
    for status in statuses:
        if isinstance(status, dict):
            services.delivery_report_record(
                channel="whatsapp",
                provider_id=str(status.get("id", "")),
                status=str(status.get("status", "")),
            )
    return HttpResponse(status=204)


@login_required(login_url=STAFF_LOGIN)
def person(request: AuthedHttpRequest, application_id: int) -> HttpResponse:
    """Every message made for one person: sent, held out or not sent and why."""
    found = selectors.person_for_staff(request.user, application_id)
    titles = {rule.id: rule.title for rule in services.rules_current()}
    score = selectors.risk_score_of(found)
    response = render(
        request,
        "engagement/person.html",
        {
            "person": found,
            "messages_made": [
                # A message that is not a rule's (a survey's invitation) says its kind.
                (m, titles.get(m.rule) or capfirst(m.get_kind_display()))
                for m in selectors.messages_of(found)
            ],
            "risk": (
                _score_shown(score)
                if (score := selectors.risk_score_of(found)) is not None
                else None
            ),
            "risk_actions": selectors.risk_actions_of(found),
        },
    )
    no_store(response)
    return response


def _program_staff(request: AuthedHttpRequest) -> None:
    if not (request.user.is_program_admin or request.user.is_coordinator):
        if request.user.works_with_cohorts:
            raise PermissionDenied
        raise Http404


@login_required(login_url=STAFF_LOGIN)
def rule_list(request: AuthedHttpRequest) -> HttpResponse:
    _program_staff(request)
    counts = selectors.counts_by_rule()
    rows = [
        (
            rule,
            sum(counts.get(rule.id, {}).get(s, 0) for s in selectors.NUDGED),
            counts.get(rule.id, {}).get(Message.Status.HELD_OUT, 0),
            counts.get(rule.id, {}).get(Message.Status.SUPPRESSED, 0),
        )
        for rule in services.rules_current()
    ]
    return render(request, "engagement/rule_list.html", {"rows": rows})


def _shown(result: tuple[float, float, float, float, float] | None) -> dict[str, Any] | None:
    """The comparison in words and numbers a person reads: shares in %, the difference in
    percentage points, signed."""
    if result is None:
        return None
    nudged, held, difference, low, high = result

    def points(x: float) -> str:
        return (
            f"{x * 100:+.1f}".replace(".", ",")
            if translation.get_language() == "es"
            else f"{x * 100:+.1f}"
        )

    def share(x: float) -> str:
        return points(x).lstrip("+") + " %"

    return {
        "nudged": share(nudged),
        "held": share(held),
        "difference": points(difference),
        "low": points(low),
        "high": points(high),
        "clear": low > 0 or high < 0,
    }


@login_required(login_url=STAFF_LOGIN)
def rule_detail(request: AuthedHttpRequest, rule_id: str) -> HttpResponse:
    _program_staff(request)
    rule = next((r for r in services.rules_current() if r.id == rule_id), None)
    if rule is None:
        raise Http404
    comparison = selectors.came_back(rule.id)
    reasons = dict(Message.Reason.choices)
    suppressed = [
        (str(reasons.get(reason, reason)), n)
        for reason, n in sorted(selectors.suppressed_by_reason(rule.id).items())
    ]
    return render(
        request,
        "engagement/rule_detail.html",
        {
            "rule": rule,
            "comparison": comparison,
            "result": _shown(comparison.result()),
            "suppressed": suppressed,
            "holdout_percent": round(rule.holdout * 100),
            "seed": settings.YACHAY_NUDGE_HOLDOUT_SEED,
            "small": _("fewer than 10"),
        },
    )


# --- at risk --------------------------------------------------------------------------------


def _percent(x: float | None) -> str:
    return "—" if x is None else f"{round(x * 100)} %"


def _decimal(x: float | None, places: int = 2) -> str:
    if x is None:
        return "—"
    return formats.number_format(round(x, places), places)


def _iso_date(value: str | None) -> str:
    try:
        return formats.date_format(dt.date.fromisoformat(value or ""), "DATE_FORMAT")
    except ValueError:
        return "—"


def _score_shown(score: RiskScore) -> dict[str, Any]:
    reasons = score.reasons or []
    # Nobody needs a call for a low score: no suggestion (the form stays, to record any act).
    action = risk.suggested_action(reasons) if score.band != risk.LOW else ""
    return {
        "score": score,
        "band": score.get_band_display(),
        "figure": (
            _percent(score.probability)
            if score.method == RiskMethod.MODEL
            else ngettext("%(n)s point", "%(n)s points", score.points or 0)
            % {"n": score.points or 0}
        ),
        "reasons": [risk_text.reason_text(r) for r in reasons],
        "action": action,
        "action_text": risk_text.suggestion_text(action) if action else "",
    }


def _methods_in_force() -> list[dict[str, Any]]:
    """Per program: the model (with its date) or the rule, and why."""
    out = []
    for model in selectors.risk_models_latest():
        out.append(
            {
                "program": model.program.name,
                "model": model,
                "why": [str(risk_text.MISSED.get(c, c)) for c in model.missed],
                "excluded": [
                    risk_text.group_text(g["kind"], g["group"])
                    for g in model.fairness
                    if not g.get("used")
                ],
            }
        )
    return out


def _risk_staff(request: AuthedHttpRequest) -> None:
    if not request.user.works_with_cohorts:
        raise Http404


@login_required(login_url=STAFF_LOGIN)
@require_safe
def risk_list(request: AuthedHttpRequest) -> HttpResponse:
    """This week's learners at risk in the user's scope, with reasons, a suggested action,
    and a form to record what was done."""
    _risk_staff(request)
    band = request.GET.get("banda", "")
    band = {"alto": "high", "medio": "medium", "todos": "all"}.get(band, "")
    scores, total = selectors.risk_at_risk(request.user, band=band)
    response = render(
        request,
        "engagement/risk_list.html",
        {
            "rows": [_score_shown(s) for s in scores],
            "total": total,
            "shown": len(scores),
            "band": band,
            "week": selectors.risk_week(),
            "methods": _methods_in_force(),
            "kinds": risk_text.FORM_KINDS,
            "can_read_card": request.user.is_program_admin or request.user.is_coordinator,
        },
    )
    no_store(response)
    return response


@login_required(login_url=STAFF_LOGIN)
@require_POST
def risk_act(request: AuthedHttpRequest, enrollment_id: int) -> HttpResponse:
    """Record that the user acted on a learner at risk. Bad input: the form again, with a
    message and what was typed (400); outside the user's scope: 403; unknown: 404."""
    enrollment = selectors.risk_enrollment_for_staff(request.user, enrollment_id)
    kind = request.POST.get("kind", "")
    # A browser sends each line break as CR LF (and counts it as one character against the
    # textarea's maxlength); a lone CR is a line break too.
    note = request.POST.get("note", "").replace("\r\n", "\n").replace("\r", "\n")
    error = ""
    if kind not in RiskAction.Kind.values:
        error = _("Choose what you did: called, sent a message or offered help.")
    elif len(note) > services.NOTE_MAX:
        error = _("The note is too long: at most %(n)s characters.") % {"n": services.NOTE_MAX}
    elif any(ord(c) < 32 and c not in "\n\t" for c in note):
        error = _("The note has characters that cannot be stored; please type it again.")
    if error:
        response = render(
            request,
            "engagement/risk_act.html",
            {
                "enrollment": enrollment,
                "error": error,
                "kind": kind,
                "note": note[: services.NOTE_MAX * 2].replace("\x00", ""),
                "kinds": risk_text.FORM_KINDS,
            },
            status=400,
        )
        no_store(response)
        return response
    _action, made = services.risk_action_record(
        enrollment=enrollment,
        kind=kind,
        note=note,
        actor=Actor.of_user(request.user),
    )
    name = enrollment.application.listed_name
    if made:
        messages.success(request, _("Recorded: %(name)s.") % {"name": name})
    else:
        messages.info(request, _("This was already recorded for %(name)s.") % {"name": name})
    return redirect(reverse("engagement:risk") + f"#e{enrollment.pk}")


@login_required(login_url=STAFF_LOGIN)
@require_safe
def risk_model_card(request: AuthedHttpRequest) -> HttpResponse:
    """The model card: data, features and coefficients in words, evaluation, calibration,
    fairness, dates, the method in force and the limits. Program admins and coordinators."""
    _program_staff(request)
    cards = []
    for entry in _methods_in_force():
        model: RiskModel = entry["model"]
        m = model.metrics
        features = []
        for name, coef, scale in zip(
            model.features, model.coefficients, model.scaler_scale, strict=False
        ):
            label = risk_text.FEATURE_TEXT.get(name, name)
            odds = math.exp(coef)
            features.append(
                {
                    "label": label,
                    "coef": _decimal(coef),
                    "odds": _decimal(odds),
                    "up": coef > 0.05,
                    "down": coef < -0.05,
                    "scale": _decimal(scale, 1),
                }
            )
        bins = [
            {
                "range": f"{_percent(b['low'])} – {_percent(b['high'])}",
                "n": b["n"],
                "predicted": _percent(b["predicted"]),
                "observed": _percent(b["observed"]),
            }
            for b in m.get("bins", [])
        ]
        fairness = [
            {
                "kind": _("gender") if g["kind"] == "gender" else _("place"),
                "group": risk_text.group_text(g["kind"], g["group"]),
                "learners": g["learners"],
                "not_completed": g["not_completed"],
                "auc": _decimal(g.get("auc")),
                "used": g.get("used"),
                "why": str(risk_text.GROUP_WHY.get(g.get("why", ""), "")),
            }
            for g in model.fairness
        ]
        cards.append(
            {
                **entry,
                "m": {
                    "auc_mean": _decimal(m.get("auc_mean")),
                    "auc_sd": _decimal(m.get("auc_sd")),
                    "auc": _decimal(m.get("auc")),
                    "runs": ", ".join(_decimal(r) for r in m.get("runs", [])),
                    "n_runs": len(m.get("runs", [])),
                    "brier": _decimal(m.get("brier"), 3),
                    "brier_base": _decimal(m.get("brier_base"), 3),
                },
                "d": model.data,
                "first": _iso_date(model.data.get("first_start")),
                "last": _iso_date(model.data.get("last_start")),
                "share": _percent(model.data.get("not_completed_share")),
                "features": features,
                "bins": bins,
                "fairness": fairness,
            }
        )
    response = render(
        request,
        "engagement/risk_model.html",
        {
            "cards": cards,
            "methods": _methods_in_force(),
            "history": selectors.risk_model_history(),
            "bar": {
                "auc": _decimal(risk.AUC_MIN),
                "sd": _decimal(risk.AUC_SD_MAX),
                "runs": risk.RUNS,
                "gap": _decimal(risk.GROUP_GAP),
                "eval_share": _percent(risk.EVAL_SHARE),
                "min_group": risk.MIN_GROUP,
            },
            "rule": {
                "inactive": risk.RULE_INACTIVE_DAYS,
                "long": risk.RULE_LONG_INACTIVE_DAYS,
                "attendance": _percent(risk.RULE_ATTENDANCE),
                "behind": risk.RULE_BEHIND_LESSONS,
                "quiz": _percent(risk.RULE_QUIZ),
                "high": risk.RULE_HIGH,
                "medium": risk.RULE_MEDIUM,
            },
            "bands": {"high": _percent(risk.MODEL_HIGH), "medium": _percent(risk.MODEL_MEDIUM)},
        },
    )
    no_store(response)
    return response
