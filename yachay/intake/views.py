from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yachay.core.actors import PUBLIC
from yachay.core.http import client_ip, ratelimit
from yachay.intake import selectors, services
from yachay.intake.forms import ApplicationForm
from yachay.intake.models import Application
from yachay.programs.models import Call


def _call_or_404(slug: str) -> Call:
    call = selectors.open_call(slug)
    if call is None:
        raise Http404(_("There is no call with this address."))
    return call


def _submission_key(raw: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


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
    done = selectors.application_by_submission_key(call, key)
    if done is not None:  # the same form sent again: show what the first one made
        return redirect("intake:apply_done", slug=call.slug, key=done.submission_key)

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
            if dup.existing.submission_key == key:
                return redirect("intake:apply_done", slug=call.slug, key=key)
            form.add_error(
                "dni",
                _(
                    "Someone with this DNI already applied to this call. If it was you, "
                    "check your application's status with the code we emailed you."
                ),
            )
        else:
            return redirect("intake:apply_done", slug=call.slug, key=app.submission_key)
    return render(
        request, "intake/apply.html", context | {"form": form, "submission_key": key}, status=422
    )


def apply_done(request: HttpRequest, slug: str, key: uuid.UUID) -> HttpResponse:
    call = _call_or_404(slug)
    app = selectors.application_by_submission_key(call, key)
    if app is None:
        raise Http404(_("We could not find this application."))
    return render(request, "intake/apply_done.html", {"call": call, "app": app})


def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The call's start page: who may apply, what it costs and asks, then "Empezar"."""
    call = selectors.call_public(slug)
    if call is None:
        raise Http404(_("There is no call with this address."))
    return render(request, "intake/call.html", {"facts": selectors.call_facts(call), "call": call})


def home(request: HttpRequest) -> HttpResponse:
    calls = Call.objects.select_related("program").order_by("-opens_at")[:20]
    return render(request, "intake/home.html", {"calls": calls})
