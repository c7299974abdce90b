from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yachay.core.actors import SYSTEM
from yachay.learning.course_format import CourseErrors
from yachay.learning.services import course_import


class Command(BaseCommand):
    help = (
        "Import a course folder (course-as-code): all or nothing. With --check, validate it "
        "and write nothing. Every error is printed as PATH/file:line: message."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The course folder (or its course.yaml).")
        parser.add_argument(
            "--check", action="store_true", help="Validate only; touch no database."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        given: str = options["path"]
        path = Path(given)
        # Errors name files relative to the course folder; prefix the folder as typed.
        folder = str(path.parent) if path.name == "course.yaml" and path.is_file() else given
        folder = folder.rstrip("/") or "/"
        try:
            report = course_import(path=path, actor=SYSTEM, check=options["check"])
        except CourseErrors as errors:
            for error in errors.errors:
                if error.file == str(path):  # the folder itself (missing)
                    self.stderr.write(str(error))
                else:
                    self.stderr.write(f"{folder}/{error}")
            n = len(errors.errors)
            raise CommandError(
                f"{n} error{'s' if n != 1 else ''}; nothing imported." if n else "nothing imported."
            ) from None
        for slug in report.unknown_tracks:
            self.stderr.write(f"warning: no track has the slug {slug!r} (course.yaml tracks)")
        short = report.content_hash[:12]
        if report.checked:
            self.stdout.write(
                f"valid: {report.modules} modules, {report.lessons} lessons, "
                f"{report.quizzes} quizzes"
            )
        elif report.unchanged:
            number = report.version.number if report.version else "?"
            self.stdout.write(f"unchanged: {report.slug} is version {number} ({short})")
        elif report.restored:
            number = report.version.number if report.version else "?"
            self.stdout.write(f"restored version {number} ({short}) of {report.slug}")
        else:
            number = report.version.number if report.version else "?"
            self.stdout.write(f"imported version {number} ({short}) of {report.slug}")
