"""The parsed course: plain frozen data, the format's limits, and the errors a course
folder can have (each with its file and line)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

FORMAT_VERSION = 1
MAX_FILE_BYTES = 1024 * 1024
MAX_PATTERN_LENGTH = 200
MAX_ANSWER_LENGTH = 1000
MAX_TITLE_LENGTH = 200
MAX_VERSION_LENGTH = 50
MAX_POINTS = 100
LANGUAGES = ("es", "en")
QUESTION_TYPES = ("single", "multiple", "true_false", "numeric", "text", "ordering")
QuestionType: TypeAlias = Literal["single", "multiple", "true_false", "numeric", "text", "ordering"]
QuizKind: TypeAlias = Literal["quiz", "final"]
# No SVG: an SVG opened at its own URL runs its scripts on our origin.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
LESSON_SCHEME = "lesson"


@dataclass(frozen=True)
class CourseError:
    """One problem in a course folder. ``file`` is relative to the course folder."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class CourseErrors(Exception):
    """Every problem found in a course folder, in file order, then line order."""

    def __init__(self, errors: Sequence[CourseError]) -> None:
        self.errors: tuple[CourseError, ...] = tuple(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


@dataclass(frozen=True)
class Option:
    """An option of a single/multiple question, or an item of an ordering question."""

    id: str
    text: str
    correct: bool = False
    feedback: str = ""


@dataclass(frozen=True)
class Question:
    """One question. Which fields matter depends on ``type`` (see docs/course-format.md).

    ``answer`` is a bool for ``true_false`` and a float for ``numeric``; ``items`` holds an
    ordering question's items in the correct order.
    """

    id: str
    type: QuestionType
    prompt: str
    explanation: str
    points: int = 1
    options: tuple[Option, ...] = ()
    answer: bool | float | None = None
    tolerance: float = 0.0
    unit: str = ""
    accept: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    items: tuple[Option, ...] = ()
    feedback_true: str = ""
    feedback_false: str = ""


@dataclass(frozen=True)
class Lesson:
    """A lesson: sanitised HTML (see the module docstring for its links and images)."""

    id: str
    title: str
    minutes: int | None
    html: str
    source_path: str
    images: tuple[str, ...] = ()


@dataclass(frozen=True)
class Quiz:
    id: str
    title: str
    kind: QuizKind
    max_attempts: int  # 0 = unlimited
    questions: tuple[Question, ...]
    source_path: str

    def points_possible(self) -> int:
        return sum(question.points for question in self.questions)


Item: TypeAlias = Lesson | Quiz


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class CompletionRules:
    """Rules that must all hold for a learner to complete the course; ``None`` = no rule."""

    lessons_all: bool = False
    quizzes_min_score: int | None = None
    final_min_score: int | None = None
    attendance_min_percent: int | None = None


@dataclass(frozen=True)
class Course:
    slug: str
    title: str
    version: str
    language: str
    summary: str
    tracks: tuple[str, ...]
    modules: tuple[Module, ...]
    completion: CompletionRules
    content_hash: str

    def items(self) -> Iterator[Item]:
        for module in self.modules:
            yield from module.items

    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(item for item in self.items() if isinstance(item, Lesson))

    def quizzes(self) -> tuple[Quiz, ...]:
        """Every quiz, the final assessment included, in course order."""
        return tuple(item for item in self.items() if isinstance(item, Quiz))

    def final_quiz(self) -> Quiz | None:
        return next((quiz for quiz in self.quizzes() if quiz.kind == "final"), None)

    def activity_ids(self) -> tuple[str, ...]:
        """Ids of the lessons and quizzes, in the order learners meet them."""
        return tuple(item.id for item in self.items())
