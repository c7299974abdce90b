"""Background entry points: take ids, call services, nothing else."""

from __future__ import annotations

from django_tasks import task

from yachay.core.actors import SYSTEM


@task()
def evaluate_completions(*, enrollment_ids: list[int]) -> int:
    """Re-check completion after attendance changed (a check-in, a mark, a roster)."""
    from yachay.cohorts.models import Enrollment
    from yachay.learning import services

    done = 0
    for enrollment in Enrollment.objects.filter(pk__in=enrollment_ids).select_related(
        "user", "cohort__track", "application__call"
    ):
        statuses = services.completions_evaluate(enrollment=enrollment, actor=SYSTEM)
        done += sum(1 for s in statuses if s.complete)
    return done
