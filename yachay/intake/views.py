from __future__ import annotations

import datetime as dt
import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yachay.core.actors import PUBLIC
from yachay.core.caching import personal_data
from yachay.core.http import client_ip, ratelimit
from yachay.core.session_notes import note_read, note_write
from yachay.intake import selectors, services
from yachay.intake.forms import ApplicationForm
from yachay.intake.models import Application
from yachay.programs.models import Call


def _call_or_404(slug: str) -> Call:
    call = selectors.open_call(slug)
    if call is None:
        raise Http404(_("There is no call with this address."))
    return call


# The "application sent" page shows what was sent only to the browser that sent it, for
# an hour: it is not a link anyone holding it can open (issue #10).
SENT_PAGE_SECONDS = 3600
SENT = "intake_sent"


def _sent(request: HttpRequest, call: Call, key: uuid.UUID, email: str) -> HttpResponse:
    """Remember in this session what was sent, and show the "application sent" page.

    A new application and a DNI that had already applied get this same answer: the page
    says where the reference went, never whether the DNI was known."""
    note_write(request, kind=SENT, key=str(key), data={"call": call.slug, "email": email})
    return redirect("intake:apply_done", slug=call.slug, key=key)


def _submission_key(raw: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


@personal_data
@require_http_methods(["GET", "POST"])
@ratelimit("apply", "YACHAY_RATELIMIT_FORM")
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_or_404(slug)
    context: dict[str, object] = {"call": call, "state": call.state()}
    if not call.is_open():
        return render(
            request, "intake/apply.html", context, status=200 if request.method == "GET" else 409
        )

    if request.method == "GET":
        context |= {"form": ApplicationForm(call=call), "submission_key": uuid.uuid4()}
        return render(request, "intake/apply.html", context)

    key = _submission_key(request.POST.get("submission_key")) or uuid.uuid4()
    if note_read(request, kind=SENT, key=str(key), max_age=SENT_PAGE_SECONDS):
        return redirect("intake:apply_done", slug=call.slug, key=key)  # the same form again
    done = selectors.application_by_submission_key(call, key)
    if done is not None:  # the same form sent again (from another tab, or lost cookies)
        return _sent(request, call, key, done.email)

    if "update_places" in request.POST:
        # No JavaScript: the person asked for the province/district lists of their choice.
        form = ApplicationForm.keeping(request.POST, call=call)
        return render(request, "intake/apply.html", context | {"form": form, "submission_key": key})

    form = ApplicationForm(request.POST, call=call)
    if form.is_valid():
        try:
            app = services.application_submit(
                call=call,
                data=form.cleaned_data,
                consent_ip=client_ip(request),
                actor=PUBLIC,
                source=Application.Source.WEB,
                submission_key=key,
            )
        except services.CallNotOpen:
            return render(
                request, "intake/apply.html", context | {"state": call.state()}, status=409
            )
        except services.DuplicateApplication as dup:
            if dup.existing.submission_key != key:  # not a double click: someone again
                # The reference goes to the address on file; the page is the same as for a
                # new application, so that the form does not tell who has applied.
                services.application_reference_resend(application=dup.existing, actor=PUBLIC)
            return _sent(request, call, key, form.cleaned_data["email"])
        else:
            return _sent(request, call, key, app.email)
    return render(
        request, "intake/apply.html", context | {"form": form, "submission_key": key}, status=422
    )


@personal_data
def apply_done(request: HttpRequest, slug: str, key: uuid.UUID) -> HttpResponse:
    """What was sent, to the browser that sent it and for an hour; a neutral page else."""
    call = _call_or_404(slug)
    note = note_read(request, kind=SENT, key=str(key), max_age=SENT_PAGE_SECONDS)
    context: dict[str, object] = {"call": call}
    if note is not None and note[0].get("call") == call.slug:
        context |= {
            "email": str(note[0].get("email", "")),
            "sent_at": dt.datetime.fromtimestamp(note[1], tz=dt.UTC),
        }
    return render(request, "intake/apply_done.html", context)


def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The call's start page: who may apply, what it costs and asks, then "Empezar"."""
    call = selectors.call_public(slug)
    if call is None:
        raise Http404(_("There is no call with this address."))
    return render(request, "intake/call.html", {"facts": selectors.call_facts(call), "call": call})


def home(request: HttpRequest) -> HttpResponse:
    calls = Call.objects.select_related("program").order_by("-opens_at")[:20]
    return render(request, "intake/home.html", {"calls": calls})
