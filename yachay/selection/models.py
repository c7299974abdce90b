from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yachay.intake.models import Application
from yachay.programs.models import Call

# Score criteria an admin can weigh; each is a yes/no fact about an application.
CRITERIA = {
    "woman": _("the applicant is a woman"),
    "woman_led": _("the business is led by a woman"),
    "outside_lima": _("lives outside Lima Metropolitana and Callao"),
    "low_digital": _("low digital skills (level 1 or 2)"),
    "sme_owner": _("owns a MYPE"),
    # We do not ask for the size of the business; a RUC of a natural person (prefix 10)
    # is the usual form of a micro-enterprise in Peru, so it stands in for it.
    "micro": _("micro-enterprise (RUC of a natural person, prefix 10)"),
}


def default_weights() -> dict[str, int]:
    return {"woman_led": 3, "outside_lima": 2, "low_digital": 1}


class SelectionPolicy(models.Model):
    """How a call chooses when there are more eligible applicants than seats."""

    class Kind(models.TextChoices):
        LOTTERY = "lottery", _("lottery with a published seed")
        SCORE = "score", _("score from weighted criteria; the lottery breaks ties")

    class Mode(models.TextChoices):
        STRICT = "strict", _("targets are hard: refuse when they cannot all be met")
        CLOSEST = "closest", _("closest feasible: least total shortfall, then priority")

    call = models.OneToOneField(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="selection_policy"
    )
    kind = models.CharField(_("priority"), max_length=10, choices=Kind.choices, default=Kind.SCORE)
    seed = models.CharField(
        _("published lottery seed"),
        max_length=64,
        help_text=_("Publish it before the run, e.g. the numbers of a public draw."),
    )
    weights = models.JSONField(_("criteria weights"), default=default_weights, blank=True)
    mode = models.CharField(_("targets"), max_length=10, choices=Mode.choices, default=Mode.STRICT)
    offer_days = models.PositiveSmallIntegerField(
        _("days to accept an offer"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )

    class Meta:
        verbose_name = _("selection policy")
        verbose_name_plural = _("selection policies")

    def __str__(self) -> str:
        return f"{self.call}: {self.get_kind_display()}"


class SelectionRun(models.Model):
    """One solve of a call's selection: its inputs, solver, result, and whether it was published.

    A run is computed as a dry run; publishing writes its decisions exactly as the admin saw
    them, and is refused when the inputs (applications, eligibility, policy, targets) changed.
    """

    class State(models.TextChoices):
        RUNNING = "running", _("running")
        DRY_RUN = "dry_run", _("dry run")
        PUBLISHED = "published", _("published")
        FAILED = "failed", _("failed")

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="selection_runs"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.RUNNING
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("started by"), max_length=120)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    seed = models.CharField(_("seed"), max_length=64, blank=True)
    mode = models.CharField(_("mode"), max_length=10, blank=True)
    policy = models.JSONField(_("policy"), default=dict, blank=True)
    problem = models.TextField(_("stored inputs (JSON)"), blank=True)
    inputs_hash = models.CharField(_("inputs hash"), max_length=64, blank=True)
    ineligible = models.JSONField(
        _("ineligible applications and their rules"), default=dict, blank=True
    )

    status = models.CharField(_("solver status"), max_length=20, blank=True)
    objective = models.FloatField(_("total priority"), null=True, blank=True)
    total_shortfall = models.PositiveIntegerField(_("total shortfall"), default=0)
    admit_count = models.PositiveIntegerField(_("seats to fill"), default=0)
    admitted_ids = models.JSONField(_("admitted, in order"), default=list, blank=True)
    waitlist_ids = models.JSONField(_("waitlist, in order"), default=list, blank=True)
    decisions_hash = models.CharField(_("decisions hash"), max_length=64, blank=True)
    targets = models.JSONField(_("target table"), default=list, blank=True)
    departments = models.JSONField(_("per department"), default=dict, blank=True)
    shortfalls = models.JSONField(_("shortfalls"), default=list, blank=True)
    solver = models.JSONField(_("solver"), default=dict, blank=True)
    solve_seconds = models.FloatField(_("solve time (s)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("selection run")
        verbose_name_plural = _("selection runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two runs of one call at once: the second insert fails, and is refused.
            models.UniqueConstraint(
                fields=["call"], condition=Q(state="running"), name="one_running_selection_per_call"
            ),
            models.UniqueConstraint(
                fields=["call"],
                condition=Q(state="published"),
                name="one_published_selection_per_call",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.call} ({self.get_state_display()})"


class Decision(models.Model):
    """The published outcome for one application; promotions move waitlisted to admitted."""

    class Outcome(models.TextChoices):
        ADMITTED = "admitted", _("admitted")
        WAITLISTED = "waitlisted", _("waitlisted")
        INELIGIBLE = "ineligible", _("not eligible")

    run = models.ForeignKey(SelectionRun, on_delete=models.CASCADE, related_name="decisions")
    application = models.OneToOneField(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="decision",
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, db_index=True)
    position = models.PositiveIntegerField(_("waitlist position"), null=True, blank=True)
    priority = models.FloatField(_("priority"), default=0)
    rules = models.JSONField(_("rules failed"), default=list, blank=True)
    decided_at = models.DateTimeField(_("decided"), auto_now_add=True)
    # The codes the targets count (copied from the run's inputs), so that promotion reads
    # groups with one indexed query instead of joining 80,000 applications.
    gender = models.CharField(max_length=12, blank=True)
    department_group = models.CharField(max_length=12, blank=True)
    department = models.CharField(max_length=2, blank=True)
    segment = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        indexes = [models.Index(fields=["run", "outcome", "position"])]

    def __str__(self) -> str:
        return f"{self.application} {self.get_outcome_display()}"


class Offer(models.Model):
    """A place offered to an admitted applicant: accept or decline before it expires."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for an answer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("expired")

    decision = models.OneToOneField(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="offer"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("offered at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("answer by"), db_index=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    promoted = models.BooleanField(_("from the waiting list"), default=False)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.decision.application} ({self.get_state_display()})"

    @property
    def holds_seat(self) -> bool:
        return self.state in (self.State.PENDING, self.State.ACCEPTED)
