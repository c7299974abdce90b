"""Course as code: read a course folder (YAML + Markdown) into plain, frozen data.

The format is specified in ``docs/course-format.md``; in short::

    course.yaml            slug, title, version, language, summary, tracks,
                           modules (each: id, title, items = paths of lessons and quizzes),
                           completion rules
    lessons/*.md           YAML front matter (id, title, minutes) + CommonMark with tables
    quizzes/*.yaml         id, title, kind (quiz | final), max_attempts, questions
    images/*               images referenced by lessons, by relative path

:func:`load_course` reads a folder and returns a :class:`Course`, or raises
:class:`CourseErrors` listing *every* problem it found, each with the file (relative to the
course folder) and the 1-based line it is on. Nothing here touches the database or Django: the
importer (a service) turns a :class:`Course` into rows.

Error messages name the place in the file as a path of keys and 0-based list positions
(``modules[2].items[1]: no such file: lessons/07.md``), after the line number.

Where each part lives
=====================

Import from the package itself (``from yachay.learning.course_format import load_course``),
which re-exports every public name. Its modules, each importing only those listed before it:

* ``model``: the parsed course (:class:`Course`, :class:`Lesson`, :class:`Quiz`, ...), the
  format's limits, :class:`CourseError` and :class:`CourseErrors`;
* ``patterns``: text answers, normalised, and the patterns a text question may use;
* ``sanitize``: lesson HTML, sanitised, and :func:`resolve_lesson_html` for the web;
* ``yaml_reader``: YAML read with line numbers, every problem reported;
* ``folder``: the files of a course folder, read safely;
* ``lessons``: front matter and Markdown, images and links checked;
* ``quizzes``: quiz files and their questions;
* ``loader``: :func:`load_course`: course.yaml, then its lessons and quizzes, then the content
  hash.
"""

from __future__ import annotations

from yachay.learning.course_format.loader import load_course
from yachay.learning.course_format.model import (
    FORMAT_VERSION,
    IMAGE_SUFFIXES,
    LANGUAGES,
    MAX_ANSWER_LENGTH,
    MAX_FILE_BYTES,
    MAX_PATTERN_LENGTH,
    QUESTION_TYPES,
    CompletionRules,
    Course,
    CourseError,
    CourseErrors,
    Item,
    Lesson,
    Module,
    Option,
    Question,
    QuestionType,
    Quiz,
)
from yachay.learning.course_format.model import LESSON_SCHEME as LESSON_SCHEME
from yachay.learning.course_format.model import MAX_POINTS as MAX_POINTS
from yachay.learning.course_format.model import MAX_TITLE_LENGTH as MAX_TITLE_LENGTH
from yachay.learning.course_format.model import MAX_VERSION_LENGTH as MAX_VERSION_LENGTH
from yachay.learning.course_format.model import QuizKind as QuizKind
from yachay.learning.course_format.patterns import compile_pattern, normalize_text, pattern_problem
from yachay.learning.course_format.sanitize import resolve_lesson_html, sanitize_html

__all__ = [
    "FORMAT_VERSION",
    "IMAGE_SUFFIXES",
    "LANGUAGES",
    "MAX_ANSWER_LENGTH",
    "MAX_FILE_BYTES",
    "MAX_PATTERN_LENGTH",
    "QUESTION_TYPES",
    "CompletionRules",
    "Course",
    "CourseError",
    "CourseErrors",
    "Item",
    "Lesson",
    "Module",
    "Option",
    "Question",
    "QuestionType",
    "Quiz",
    "compile_pattern",
    "load_course",
    "normalize_text",
    "pattern_problem",
    "resolve_lesson_html",
    "sanitize_html",
]
