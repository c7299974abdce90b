"""Importing course folders: versions by content, all or nothing, the command's output."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yachay.core.actors import SYSTEM
from yachay.core.models import AuditEvent
from yachay.learning import selectors, services
from yachay.learning.course_format import CourseErrors, load_course, resolve_lesson_html
from yachay.learning.grading import grade_quiz
from yachay.learning.models import (
    Activity,
    Completion,
    Course,
    CourseAsset,
    CourseVersion,
    LessonProgress,
    QuizAttempt,
)
from yachay.learning.tests.conftest import (
    DEMO,
    HALF,
    MINI_MODULES,
    RIGHT,
    RULES,
    Learning,
    import_,
    lesson_md,
    mini_files,
    write_course,
    write_mini,
)
from yachay.learning.tests.test_demo_course import correct_answer
from yachay.programs.models import Program, Track

pytestmark = pytest.mark.django_db

# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Course,
            CourseVersion,
            Activity,
            CourseAsset,
            LessonProgress,
            QuizAttempt,
            Completion,
            AuditEvent,
        )
    }


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_course", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_the_demo_course_with_every_activity_its_rules_and_its_tracks(
    program: Program,
) -> None:
    track = Track.objects.create(program=program, name="IA", slug="ia-para-tu-negocio")
    Track.objects.create(program=program, name="Otro", slug="otro")
    report = services.course_import(path=DEMO, actor=SYSTEM)
    loaded = load_course(DEMO)

    course = Course.objects.get(slug="ia-para-tu-negocio")
    assert report.created_course and not report.unchanged
    assert course.current_version == report.version
    assert list(course.tracks.all()) == [track]
    version = course.current_version
    assert version is not None
    assert (version.number, version.label, version.content_hash) == (1, "1.0", loaded.content_hash)
    assert version.rules == {
        "lessons_all": True,
        "quizzes_min_score": 70,
        "final_min_score": 70,
        "attendance_min_percent": 75,
    }
    rows = list(version.activities.order_by("position"))
    assert [a.activity_id for a in rows] == list(loaded.activity_ids())
    assert [a.kind for a in rows].count("lesson") == 13
    assert [a.kind for a in rows][-1] == "final"
    # Each stored quiz rebuilds into exactly the quiz the loader read, and grades the same.
    for quiz in loaded.quizzes():
        row = next(a for a in rows if a.activity_id == quiz.id)
        assert row.as_quiz() == quiz
        assert row.max_attempts == quiz.max_attempts
        assert row.points_possible == quiz.points_possible()
        answers = {q.id: correct_answer(q) for q in quiz.questions}
        assert grade_quiz(row.as_quiz(), answers).score_percent == 100.0
    lesson = next(a for a in rows if a.kind == "lesson")
    assert lesson.html == loaded.lessons()[0].html
    assert AuditEvent.objects.filter(action="course.import").count() == 1


def test_importing_the_same_content_twice_changes_nothing(learning: Learning) -> None:
    before = counts()
    report = services.course_import(path=learning.folder, actor=SYSTEM)
    assert report.unchanged and not report.restored
    assert report.version == learning.course.current_version
    assert counts() == before
    out, _err = run(str(learning.folder))
    assert out.startswith("unchanged")
    assert counts() == before


def test_changed_content_makes_a_new_current_version_and_keeps_the_old_one(
    learning: Learning,
) -> None:
    old = learning.course.current_version
    assert old is not None
    (learning.folder / "lessons/l1.md").write_text(lesson_md("l1", body="Texto nuevo."))
    out, _err = run(str(learning.folder))
    course = Course.objects.get(pk=learning.course.pk)
    assert course.current_version is not None
    assert course.current_version.number == 2
    assert out.startswith("imported version 2 (")
    assert CourseVersion.objects.filter(pk=old.pk).exists()
    assert old.activities.count() == course.current_version.activities.count() == 5
    assert "Texto nuevo" in course.current_version.activities.get(activity_id="l1").html
    assert "Texto nuevo" not in old.activities.get(activity_id="l1").html


def test_importing_an_earlier_content_again_makes_that_version_current(
    learning: Learning,
) -> None:
    original = (learning.folder / "lessons/l1.md").read_text()
    (learning.folder / "lessons/l1.md").write_text(lesson_md("l1", body="Otra cosa."))
    import_(learning.folder)
    (learning.folder / "lessons/l1.md").write_text(original)
    report = services.course_import(path=learning.folder, actor=SYSTEM)
    assert report.restored and not report.unchanged
    assert report.version is not None and report.version.number == 1
    assert Course.objects.get(pk=learning.course.pk).current_version_id == report.version.pk
    assert CourseVersion.objects.count() == 2


def test_an_update_keeps_progress_on_surviving_ids_and_a_learner_mid_course_goes_on(
    learning: Learning,
) -> None:
    user, course, actor = learning.learner, learning.course, learning.actor
    services.lesson_complete(user=user, course=course, activity_id="l1", actor=actor)
    services.lesson_complete(user=user, course=course, activity_id="l2", actor=actor)
    services.quiz_submit(user=user, course=course, activity_id="q1", answers=HALF, actor=actor)
    # Version 2: l2 is gone, a new lesson l4 comes before q1, q1's wording changes.
    files = mini_files()
    files["quizzes/q1.yaml"] = files["quizzes/q1.yaml"].replace("¿Es verdad?", "¿Es cierto?")
    files["lessons/l4.md"] = lesson_md("l4")
    (learning.folder / "lessons/l2.md").unlink()
    modules = [
        ("m1", ["lessons/l1.md", "lessons/l4.md", "quizzes/q1.yaml"]),
        ("m2", ["lessons/l3.md", "quizzes/final.yaml"]),
    ]
    write_course(learning.folder, modules, files, version="1.1", completion=RULES)
    course = import_(learning.folder)

    outline = selectors.learner_outline(user, course)
    assert outline is not None
    states = {a.activity_id: a for a in outline.activities}
    assert list(states) == ["l1", "l4", "q1", "l3", "final"]
    assert states["l1"].done and not states["l4"].done
    assert states["q1"].best_score == 50 and states["q1"].attempts_used == 1
    assert states["q1"].attempts_left == 1
    assert outline.next is not None and outline.next.activity_id == "l4"
    # The learner goes on in the new version; the removed lesson is no longer there.
    services.lesson_complete(user=user, course=course, activity_id="l4", actor=actor)
    attempt = services.quiz_submit(
        user=user, course=course, activity_id="q1", answers=RIGHT, actor=actor
    )
    assert attempt.number == 2 and attempt.version_id == course.current_version_id
    with pytest.raises(services.LearningRefused) as refused:
        services.lesson_complete(user=user, course=course, activity_id="l2", actor=actor)
    assert refused.value.status == 404
    status = services.completion_evaluate(user=user, course=course, actor=actor)
    assert [m.activity_id for m in status.missing] == ["l3", "final"]


def test_a_broken_course_imports_nothing_and_the_command_prints_file_and_line(
    learning: Learning,
) -> None:
    before = counts()
    quiz = learning.folder / "quizzes" / "q1.yaml"
    quiz.write_text(quiz.read_text().replace("type: true_false", "type: essay"))
    (learning.folder / "lessons/l3.md").write_text(lesson_md("l3") + "\n![](../images/x.png)\n")
    with pytest.raises(CourseErrors):
        services.course_import(path=learning.folder, actor=SYSTEM)
    assert counts() == before

    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_course", str(learning.folder), stdout=io.StringIO(), stderr=err)
    assert "3 errors" in str(failed.value)
    assert err.getvalue().splitlines() == [
        f"{learning.folder}/quizzes/q1.yaml:19: questions[1].type: unknown question type "
        "'essay' (single, multiple, true_false, numeric, text, ordering)",
        f"{learning.folder}/lessons/l3.md:8: image ../images/x.png: alt text is required: "
        "![what the image shows](../images/x.png)",
        f"{learning.folder}/lessons/l3.md:8: image ../images/x.png: no such file: images/x.png",
    ]
    assert counts() == before


def test_a_missing_folder_is_reported_once_without_a_doubled_path(db: None) -> None:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_course", "/no/such/course", stderr=err, stdout=io.StringIO())
    assert err.getvalue().strip() == "/no/such/course:1: no such course folder"


def test_check_validates_and_writes_nothing(
    tmp_path: Path, django_assert_num_queries: object
) -> None:
    folder = write_mini(tmp_path / "mini")
    with django_assert_num_queries(0):  # type: ignore[operator]
        out, _err = run(str(folder), "--check")
    assert out.strip() == "valid: 2 modules, 3 lessons, 2 quizzes"
    assert all(n == 0 for n in counts().values())


def test_the_command_accepts_the_course_yaml_and_names_errors_from_its_folder(
    tmp_path: Path,
) -> None:
    folder = write_mini(tmp_path / "mini")
    (folder / "lessons/l2.md").unlink()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_course",
            str(folder / "course.yaml"),
            "--check",
            stderr=err,
            stdout=io.StringIO(),
        )
    assert err.getvalue().startswith(f"{folder}/course.yaml:")
    assert "no such file: lessons/l2.md" in err.getvalue()


def test_lesson_images_are_stored_and_resolved_for_the_page(tmp_path: Path) -> None:
    files = mini_files()
    files["lessons/l1.md"] = lesson_md("l1", body="Mira:\n\n![Una bodega](../images/bodega.png)")
    folder = write_course(tmp_path / "mini", MINI_MODULES, files, completion=RULES)
    (folder / "images").mkdir()
    (folder / "images/bodega.png").write_bytes(PNG)
    course = import_(folder)

    asset = selectors.course_asset(course, "images/bodega.png")
    assert asset is not None
    assert (asset.content_type, bytes(asset.content), asset.size) == ("image/png", PNG, len(PNG))
    lesson = selectors.current_activity(course, "l1")
    assert lesson is not None and lesson.images == ["images/bodega.png"]
    html = resolve_lesson_html(
        lesson.html,
        lesson_url=lambda i: f"/cursos/mini/{i}/",
        asset_url=lambda p: f"/cursos/mini/v1/{p}",
    )
    assert '<img src="/cursos/mini/v1/images/bodega.png" alt="Una bodega">' in html
    # A changed image is new content: a new version, with its own copy.
    (folder / "images/bodega.png").write_bytes(PNG + b"\0")
    course = import_(folder)
    assert CourseAsset.objects.count() == 2
    new = selectors.course_asset(course, "images/bodega.png")
    assert new is not None and new.sha256 != asset.sha256
    assert selectors.course_asset(course, "images/bodega.png", version_number=1) == asset
    assert selectors.course_asset(course, "images/otra.png", version_number=1) is None


def test_tracks_are_linked_by_slug_in_every_program_and_unknown_slugs_are_reported(
    tmp_path: Path, program: Program
) -> None:
    other = Program.objects.create(
        name="Otro", slug="otro", seats_target=10, starts_on=program.starts_on,
        ends_on=program.ends_on,
    )  # fmt: skip
    a = Track.objects.create(program=program, name="IA", slug="ia")
    b = Track.objects.create(program=other, name="IA", slug="ia")
    folder = write_mini(tmp_path / "mini", tracks=("ia", "nadie"))
    _out, err = run(str(folder))
    course = Course.objects.get()
    assert set(course.tracks.all()) == {a, b}
    assert course.track_slugs == ["ia", "nadie"]
    assert "no track has the slug 'nadie'" in err
    # A Track made later is linked by the next import, even of the same content.
    c = Track.objects.create(program=program, name="Nadie", slug="nadie")
    report = services.course_import(path=folder, actor=SYSTEM)
    assert report.unchanged and report.tracks_changed
    assert set(course.tracks.all()) == {a, b, c}
    assert AuditEvent.objects.filter(action="course.link_tracks").count() == 1
