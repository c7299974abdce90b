from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yachay.core.actors import SYSTEM
from yachay.learning.course_format import CourseErrors
from yachay.surveys.services import survey_import, surveys_import_all


class Command(BaseCommand):
    help = (
        "Import the surveys (survey-as-code): every folder of YACHAY_SURVEYS_DIR, or the folders "
        "given. All or nothing. With --check, validate and write nothing. Every error is "
        "printed as FOLDER/survey.yaml:line: message."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", help="Survey folders (default: all of them).")
        parser.add_argument(
            "--check", action="store_true", help="Validate only; touch no database."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        check = options["check"]
        try:
            if options["paths"]:
                reports = []
                for given in options["paths"]:
                    try:
                        reports.append(survey_import(path=Path(given), actor=SYSTEM, check=check))
                    except CourseErrors as errors:
                        folder = given.rstrip("/")
                        if folder.endswith("survey.yaml"):
                            folder = str(Path(folder).parent)
                        for error in errors.errors:
                            self.stderr.write(f"{folder}/{error}")
                        raise CommandError(
                            f"{len(errors.errors)} error(s) in {folder}; nothing imported."
                        ) from None
            else:
                reports = surveys_import_all(actor=SYSTEM, check=check)
        except CourseErrors as errors:
            for error in errors.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(errors.errors)} error(s); nothing imported.") from None
        for report in reports:
            short = report.content_hash[:12]
            if report.status == "checked":
                self.stdout.write(f"valid: {report.slug} ({report.questions} questions, {short})")
            else:
                self.stdout.write(
                    f"{report.status}: {report.slug} version {report.version} ({short})"
                )
