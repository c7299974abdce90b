"""Pages: the unsubscribe link (public, signed), the providers' webhooks (signed), and staff
pages (a person's messages; each rule's figures and hold-out comparison)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from yachay.accounts.http import AuthedHttpRequest
from yachay.core.caching import no_store, personal_data
from yachay.engagement import selectors, services
from yachay.engagement.models import Kind, Message, Unsubscription

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
