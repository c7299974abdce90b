from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from yachay.core.admin import ProgramAdminOnly
from yachay.core.choices import Modality, Segment
from yachay.programs.models import Call, Program, Target, Track


def segment_field(label: Any, *, required: bool) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=capfirst(label),
        choices=Segment.choices,
        widget=forms.CheckboxSelectMultiple,
        required=required,
    )


class TargetInline(admin.TabularInline):
    model = Target
    extra = 1


class TrackForm(forms.ModelForm):
    audience = segment_field(_("audience segments"), required=False)

    class Meta:
        model = Track
        fields = "__all__"


class TrackInline(admin.StackedInline):
    model = Track
    form = TrackForm
    extra = 0
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Program)
class ProgramAdmin(ProgramAdminOnly):
    list_display = ("name", "seats_target", "starts_on", "ends_on")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = [TargetInline, TrackInline]


class CallForm(forms.ModelForm):
    allowed_segments = segment_field(_("allowed segments"), required=True)
    ruc_required_segments = segment_field(_("segments that must give a RUC"), required=False)
    modalities = forms.MultipleChoiceField(
        label=capfirst(_("modalities offered")),
        choices=Modality.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Offer at least one modality.")},
    )

    class Meta:
        model = Call
        fields = "__all__"


@admin.register(Call)
class CallAdmin(ProgramAdminOnly):
    form = CallForm
    list_display = ("title", "program", "opens_at", "closes_at", "seats")
    list_filter = ("program",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    fieldsets = [
        (None, {"fields": ["program", "title", "slug", "description"]}),
        (_("Dates and seats"), {"fields": ["opens_at", "closes_at", "seats"]}),
        (
            _("Who may apply"),
            {"fields": ["min_age", "max_age", "allowed_segments", "ruc_required_segments"]},
        ),
        (
            _("The course, as the call page shows it"),
            {"fields": ["modalities", "length_weeks", "hours_per_week", "certificate"]},
        ),
        (_("Consent"), {"fields": ["consent_version", "consent_text"]}),
    ]
