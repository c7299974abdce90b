"""Applications decided before their status followed their fate get it now.

Lives in cohorts, the highest app whose data it reads (decisions, offers, enrollments).
"""

from django.db import migrations
from django.db.models import Q


def backfill(apps, schema_editor):
    Application = apps.get_model("intake", "Application")
    Decision = apps.get_model("selection", "Decision")
    Enrollment = apps.get_model("cohorts", "Enrollment")
    published = Decision.objects.filter(run__state="published")
    # Later steps last, so that each application ends at the furthest it reached.
    steps = [
        ("ineligible", published.filter(outcome="ineligible")),
        ("waitlisted", published.filter(outcome="waitlisted")),
        ("admitted", published.filter(outcome="admitted")),
        ("declined", published.filter(offer__state="declined")),
        ("expired", published.filter(offer__state="expired")),
    ]
    for status, decisions in steps:
        Application.objects.filter(pk__in=decisions.values("application_id")).update(status=status)
    enrolled = Enrollment.objects.filter(Q(cohort__isnull=False))
    Application.objects.filter(
        pk__in=Enrollment.objects.filter(cohort__isnull=True).values("application_id")
    ).update(status="accepted")
    Application.objects.filter(pk__in=enrolled.values("application_id")).update(status="enrolled")


class Migration(migrations.Migration):
    dependencies = [
        ("cohorts", "0003_attendance"),
        ("intake", "0002_application_status_fate"),
        ("selection", "0003_run_admit_count"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
