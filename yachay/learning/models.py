"""Courses imported from their folders (course-as-code), and learners' progress in them.

A course has immutable *versions*; each import of changed content adds one and makes it
current. Learners' progress (lessons done, quiz attempts, completion) is keyed by the course
and the activity's stable **id**, not by the version, so a new version keeps every learner's
progress on the ids it still has (see docs/course-format.md, "Versions").
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yachay.learning import course_format as cf
from yachay.programs.models import Track


class Course(models.Model):
    """A course, as its ``course.yaml`` describes it; the content lives in its versions."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=5)
    summary = models.TextField(_("summary"), blank=True)
    # Resolved from course.yaml's track slugs at each import: every Track with such a slug.
    tracks = models.ManyToManyField(
        Track, verbose_name=_("tracks"), blank=True, related_name="courses"
    )
    track_slugs = models.JSONField(_("track slugs in course.yaml"), default=list, blank=True)
    current_version = models.ForeignKey(
        "CourseVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title", "slug"]

    def __str__(self) -> str:
        return self.title


class CourseVersion(models.Model):
    """One imported state of a course's content. Never edited once written."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("number"))
    label = models.CharField(_("version label"), max_length=50)
    content_hash = models.CharField(_("content hash"), max_length=64)
    # dataclasses.asdict(course_format.CompletionRules)
    rules = models.JSONField(_("completion rules"), default=dict)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("course version")
        verbose_name_plural = _("course versions")
        ordering = ["course", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="course_version_number"),
            models.UniqueConstraint(
                fields=["course", "content_hash"], name="course_version_content_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_id} v{self.number} ({self.label})"

    @property
    def completion_rules(self) -> cf.CompletionRules:
        known = {f.name for f in dataclasses.fields(cf.CompletionRules)}
        return cf.CompletionRules(**{k: v for k, v in (self.rules or {}).items() if k in known})


def quiz_to_json(quiz: cf.Quiz) -> dict[str, Any]:
    """Everything grading needs, as JSON (answers included: never send it to a browser)."""
    data = dataclasses.asdict(quiz)
    data.pop("source_path", None)
    return data


def _dataclass_from(cls: type[Any], data: dict[str, Any], **nested: Any) -> Any:
    known = {f.name for f in dataclasses.fields(cls)}
    values = {k: v for k, v in data.items() if k in known}
    values.update(nested)
    return cls(**values)


def quiz_from_json(data: dict[str, Any], *, source_path: str = "") -> cf.Quiz:
    """The pure :class:`course_format.Quiz` back from :func:`quiz_to_json`'s output."""
    questions = tuple(
        _dataclass_from(
            cf.Question,
            q,
            options=tuple(_dataclass_from(cf.Option, o) for o in q.get("options") or ()),
            items=tuple(_dataclass_from(cf.Option, o) for o in q.get("items") or ()),
            accept=tuple(q.get("accept") or ()),
            patterns=tuple(q.get("patterns") or ()),
        )
        for q in data.get("questions") or ()
    )
    return _dataclass_from(cf.Quiz, data, questions=questions, source_path=source_path)


class Activity(models.Model):
    """A lesson, quiz or final assessment of one version, in course order."""

    class Kind(models.TextChoices):
        LESSON = "lesson", _("lesson")
        QUIZ = "quiz", _("quiz")
        FINAL = "final", _("final assessment")

    version = models.ForeignKey(
        CourseVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="activities",
    )
    activity_id = models.CharField(_("id"), max_length=60)
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    module_id = models.CharField(_("module id"), max_length=60)
    module_title = models.CharField(_("module"), max_length=200)
    module_position = models.PositiveSmallIntegerField(_("module position"))
    position = models.PositiveIntegerField(_("position"))  # in the whole course, from 0
    title = models.CharField(_("title"), max_length=200)
    minutes = models.PositiveSmallIntegerField(_("minutes"), null=True, blank=True)
    source_path = models.CharField(_("file"), max_length=300)
    # Lessons: sanitised HTML with ``lesson:<id>`` links and course-relative image paths,
    # for course_format.resolve_lesson_html.
    html = models.TextField(_("HTML"), blank=True)
    images = models.JSONField(_("images"), default=list, blank=True)
    # Quizzes: quiz_to_json(quiz), answers included.
    quiz = models.JSONField(_("quiz"), null=True, blank=True)
    max_attempts = models.PositiveIntegerField(_("maximum attempts"), default=0)  # 0: unlimited
    points_possible = models.PositiveIntegerField(_("points possible"), default=0)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "activity_id"], name="activity_id_once"),
            models.UniqueConstraint(fields=["version", "position"], name="activity_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.title}"

    @property
    def is_quiz(self) -> bool:
        return self.kind in (self.Kind.QUIZ, self.Kind.FINAL)

    def as_quiz(self) -> cf.Quiz:
        """The pure quiz that :func:`grading.grade_quiz` grades."""
        if not self.is_quiz or self.quiz is None:
            raise ValueError(f"{self.activity_id} is not a quiz")
        # Built once per row object (the quiz is frozen dataclasses): the learner pages share
        # one Activity per process (selectors.course_shape), and a submit reads it three times.
        cached = self.__dict__.get("_as_quiz")
        if cached is not None and cached[0] is self.quiz:
            return cast(cf.Quiz, cached[1])
        quiz = quiz_from_json(self.quiz, source_path=self.source_path)
        self.__dict__["_as_quiz"] = (self.quiz, quiz)
        return quiz


class CourseAsset(models.Model):
    """An image a lesson of this version shows, stored in the database (at most 1 MB)."""

    version = models.ForeignKey(
        CourseVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="assets"
    )
    path = models.CharField(_("path"), max_length=300)  # relative to the course folder
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))
    content = models.BinaryField(_("content"))

    class Meta:
        verbose_name = _("course image")
        verbose_name_plural = _("course images")
        constraints = [
            models.UniqueConstraint(fields=["version", "path"], name="course_asset_path_once")
        ]
        indexes = [models.Index(fields=["sha256"])]

    def __str__(self) -> str:
        return self.path


class LessonProgress(models.Model):
    """A lesson a learner finished; by stable id, so it survives new versions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="lesson_progress",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="lesson_progress"
    )
    activity_id = models.CharField(_("lesson id"), max_length=60)
    completed_at = models.DateTimeField(_("completed at"), default=timezone.now)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            # Also the index for "this learner's progress in this course".
            models.UniqueConstraint(
                fields=["user", "course", "activity_id"], name="lesson_done_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.course_id}/{self.activity_id}"


class QuizAttempt(models.Model):
    """One submitted attempt at a quiz, graded on submission; numbered per learner and quiz."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="quiz_attempts"
    )
    version = models.ForeignKey(
        CourseVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="+"
    )
    activity_id = models.CharField(_("quiz id"), max_length=60)
    number = models.PositiveIntegerField(_("attempt"))
    answers = models.JSONField(_("answers"), default=dict)
    # Per question id: correct, points, points_possible, answered, feedback, explanation.
    results = models.JSONField(_("results"), default=dict)
    score_percent = models.DecimalField(_("score (%)"), max_digits=4, decimal_places=1)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["user", "course", "activity_id", "number"]
        constraints = [
            # A double submit cannot make two attempts with the same number; also the index
            # for "this learner's attempts in this course".
            models.UniqueConstraint(
                fields=["user", "course", "activity_id", "number"], name="quiz_attempt_number_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.course_id}/{self.activity_id} #{self.number}"


class QuizAttemptGrant(models.Model):
    """One more attempt at a quiz for one learner, given by their instructor (or a
    coordinator or program admin in scope) after they used every attempt without passing.
    The learner may make ``max_attempts`` plus one attempt per grant."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="quiz_attempt_grants",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="attempt_grants"
    )
    activity_id = models.CharField(_("quiz id"), max_length=60)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("extra quiz attempt")
        verbose_name_plural = _("extra quiz attempts")
        ordering = ["user", "course", "activity_id", "granted_at"]
        indexes = [
            models.Index(fields=["course", "user", "activity_id"], name="attempt_grant_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.course_id}/{self.activity_id} +1"


class Completion(models.Model):
    """A learner completed a course. Written once, never revoked by later content."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="completions",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="completions"
    )
    version = models.ForeignKey(
        CourseVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed at"), default=timezone.now)
    # What held when it was written: rules, best scores, attendance.
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("completion")
        verbose_name_plural = _("completions")
        ordering = ["-completed_at"]
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="completion_once")]
        indexes = [models.Index(fields=["course", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.course_id} {self.completed_at:%Y-%m-%d}"
