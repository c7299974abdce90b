"""Learning benchmark: 2,000 learners taking the course on gunicorn + PostgreSQL, beside a static file.

Run it from the repository root:

    .venv/bin/python bench/learning_load.py          # or: make bench-learning
    .venv/bin/python bench/learning_load.py --learners 500 --duration 60   # a quicker look

The figure (issue #5): 2,000 simulated learners (think time 20-30 s: open a lesson, submit a
quiz, open home) against gunicorn + PostgreSQL on this 2-core machine: throughput, p50/p95,
errors; side by side in the same run with a static file from the same server (the ceiling).
Goal: p95 under 300 ms, zero errors.

What it does, every run:

1. drops and creates the PostgreSQL database ``yachay_bench_learning``, migrates it with
   ``bench.settings_bench``, loads the demo program, call and tracks with one applicant per
   learner (``demo.applicants.demo_load``), imports the Spanish course
   (``learning.services.course_import`` of ``content/courses/ia-para-tu-negocio``), creates
   cohorts of the course's track (``--per-cohort`` learners each, in person and virtual,
   six weekly live sessions each, the first one held a week ago), one learner account per
   applicant enrolled ACTIVE, and signs every learner in (a server-side session and a CSRF
   secret: ``bench.checkin_load.learner_accounts`` and ``sign_in``). One more learner, the
   probe, is not part of the load;
2. runs ``collectstatic`` into a temporary ``STATIC_ROOT`` and starts gunicorn on it like the
   other benches (``YACHAY_ENV=production``, DEBUG off; WhiteNoise serves ``/static/``);
3. walks the probe through every page in this process (Django's test client over the whole
   stack) to count the SQL queries of each page and time it alone, without load;
4. simulates the learners from this process with an asyncio client (aiohttp). Each learner
   loops: open home ``/aprender/``, open a lesson, mark it read (POST), open a quiz, submit
   it (POST; the browser follows the redirect to the result at once), with a think time
   drawn uniformly from 20-30 s before each action. The lessons and quizzes of the course
   are taken in turn from a random place, so a learner meets a quiz again only after the
   seven others and most submits are accepted (a submit past ``max_attempts`` is answered
   409: expected, not an error). Answers are realistic: for each question the right answer
   with the learner's skill (uniform 40-95 %) as probability, else a wrong one, always
   option ids the quiz page shows (checked against the page's form); the ``_attempt`` and
   ``csrfmiddlewaretoken`` fields come from the page, as a browser sends them. The schedule
   is open loop and fixed before the phase starts: a request's latency runs from when it was
   due (a learner waits for their previous answer first, so a slow answer delays and counts
   against the next one). Every learner starts at a random place of their loop and at a
   random instant of a think time (the residual of a length-biased one), so the load is
   steady from the first second; the first ``--ramp`` seconds warm the server up and are
   not quoted, the next ``--duration`` seconds are measured. A learner whose loop starts at
   a POST is first shown the page of its form, unmeasured (the *prelude*), so that POST
   too sends what the page gave;
5. **static**: the same schedule again (the same number of requests, the same instants, a
   redirect's follow-up as soon as the previous answer came) to one static file served by
   the same gunicorn, in a phase of its own just after (the order alternates by round): the
   ceiling of this server, client and machine at this arrival pattern;
6. checks the rows (one quiz attempt per accepted submit, numbered without gaps; one lesson
   record per lesson marked read), prints the table and writes a Markdown section to
   ``bench/results/learning.md`` (copy it into docs/benchmarks.md);
7. always stops gunicorn, drops the database and removes the static folder (also on Ctrl-C
   or SIGTERM).

Why a second phase and not static requests interleaved with the pages: interleaved, each
would slow the other (the same five workers and two cores), so the static latencies would
measure the pages' load rather than the server's ceiling, and the machine would carry twice
the figure's load. One after the other, each phase carries exactly the figure's arrivals.

Exit status 0 when no request failed (no 5xx, timeout or reset), every answer was one the
page can give (4xx only as 409 for a submit past the attempts limit) and the rows check
passes; the p95 is reported, not enforced.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp

# Run as a script: make `bench` and `yachay` importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.checkin_load import Learner, _gist, learner_accounts, sign_in
from bench.intake_load import (
    RESULTS_DIR,
    BenchRun,
    Result,
    add_server_args,
    bench_environment,
    cpu_between,
    cpu_sample,
    django_setup,
    fmt_rejected,
    free_port,
    machine,
    parse_server_args,
    run_bench,
    start_gunicorn,
    stop_gunicorn,
    wait_ready,
    with_dbname,
    write_report,
)

if TYPE_CHECKING:
    from yachay.learning.course_format import Question, Quiz

ROOT = Path(__file__).resolve().parent.parent
COURSE_SLUG = "ia-para-tu-negocio"
COURSE_DIR = ROOT / "content" / "courses" / COURSE_SLUG
DEFAULT_DOC = RESULTS_DIR / "learning.md"
GOAL_P95_MS = 300.0
STATIC_FILE = "admin/css/base.css"  # collected from django.contrib.admin: a page-sized file

PAGES_PHASE = "pages"
STATIC_PHASE = "static"
PRELUDE = "prelude"  # pages shown before a pages phase, unmeasured
ALL = "all"
PAGES = ("home", "lesson", "lesson_post", "quiz", "quiz_post", "result")
LOOP = ("home", "lesson", "lesson_post", "quiz", "quiz_post")  # "result" follows quiz_post
LABELS = {
    "home": "home `GET /aprender/`",
    "lesson": "lesson GET",
    "lesson_post": "lesson POST (mark as read, 302)",
    "quiz": "quiz GET",
    "quiz_post": "quiz POST (submit, 302)",
    "result": "result GET (after the submit)",
}
EXPECTED = {  # answers a page gives a signed-in learner following the links
    "home": {"200"},
    "lesson": {"200"},
    "lesson_post": {"302"},
    "quiz": {"200"},
    "quiz_post": {"302", "409"},  # 409: no attempts left
    "result": {"200"},
}

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ATTEMPT_RE = re.compile(r'name="_attempt" value="(\d+)"')
FIELD_RE = re.compile(r'name="(q\.[^"]+)"(?: value="([^"]*)")?')


SHED = "503"  # "estamos con mucha demanda, intenta en un minuto" (yachay/core/overload.py)


def is_error(status: str) -> bool:
    """No answer (timeout, reset, refused) or a server error; a request shed past capacity
    (503 with Retry-After) is counted apart, as :data:`SHED`."""
    return (status.startswith("5") and status != SHED) or not status.isdigit()


# --------------------------------------------------------------------------- the course


@dataclass(frozen=True)
class CourseKey:
    """What the bench knows of the course: its lessons and quizzes in order, with answers."""

    lessons: list[str]
    quizzes: dict[str, Quiz]

    @property
    def quiz_ids(self) -> list[str]:
        return list(self.quizzes)


def course_key() -> CourseKey:
    from yachay.learning import course_format

    loaded = course_format.load_course(COURSE_DIR)
    return CourseKey(
        lessons=[lesson.id for lesson in loaded.lessons()],
        quizzes={quiz.id: quiz for quiz in loaded.quizzes()},
    )


def lesson_path(activity: str) -> str:
    return f"/aprender/{COURSE_SLUG}/leccion/{activity}/"


def quiz_path(activity: str) -> str:
    return f"/aprender/{COURSE_SLUG}/cuestionario/{activity}/"


def result_path(activity: str) -> str:
    return quiz_path(activity) + "resultado/"


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def answer_fields(question: Question, right: bool, rng: random.Random) -> list[tuple[str, str]]:
    """The form fields a learner sends for one question: the right answer, or a wrong one."""
    name = f"q.{question.id}"
    kind = question.type
    if kind == "single":
        good = [o.id for o in question.options if o.correct]
        bad = [o.id for o in question.options if not o.correct]
        return [(name, rng.choice(good if right or not bad else bad))]
    if kind == "multiple":
        ids = [o.id for o in question.options]
        correct = {o.id for o in question.options if o.correct}
        chosen = set(correct)
        if not right:
            chosen = set(rng.sample(ids, rng.randint(1, len(ids))))
            if chosen == correct:
                chosen ^= {rng.choice(ids)}
        return [(name, i) for i in ids if i in chosen]  # in the page's order
    if kind == "true_false":
        truth = bool(question.answer) if right else not question.answer
        return [(name, "true" if truth else "false")]
    if kind == "numeric":
        exact = float(question.answer or 0)
        value = exact if right else exact + 10 * (question.tolerance + 1) * rng.choice((-1, 1))
        text = _number(value)
        return [(name, text.replace(".", ",") if rng.random() < 0.5 else text)]
    if kind == "text":
        if right and question.accept:
            return [(name, rng.choice(question.accept))]
        return [(name, "no estoy seguro")]
    if kind == "ordering":
        order = [item.id for item in question.items]
        if not right and len(order) > 1:
            wrong = order[:]
            while wrong == order:
                rng.shuffle(wrong)
            order = wrong
        return [(f"{name}.{item}", str(n)) for n, item in enumerate(order, start=1)]
    raise ValueError(f"unknown question type {kind!r}")


def quiz_answers(quiz: Quiz, skill: float, rng: random.Random) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for question in quiz.questions:
        out.extend(answer_fields(question, rng.random() < skill, rng))
    return out


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Step:
    page: str  # one of PAGES
    # Seconds from the phase's start when due. A follow-up has its submit's (which places it
    # in the window or not) and is due when the submit's answer comes.
    at: float
    activity: str = ""  # lesson or quiz id
    follows: bool = False  # a redirect the browser follows at once


@dataclass
class Walker:
    """One learner's way through the course across phases and rounds."""

    skill: float  # chance of answering a question right
    lesson_start: int
    quiz_start: int
    loop: int = 0  # loops begun
    place: int = 0  # index in LOOP of the next action

    def lesson(self, key: CourseKey) -> str:
        return key.lessons[(self.lesson_start + self.loop) % len(key.lessons)]

    def quiz(self, key: CourseKey) -> str:
        return key.quiz_ids[(self.quiz_start + self.loop) % len(key.quizzes)]


def walkers(learners: int, key: CourseKey, seed: int) -> list[Walker]:
    rng = random.Random(f"{seed}-walkers")
    return [
        Walker(
            skill=rng.uniform(0.4, 0.95),
            lesson_start=rng.randrange(len(key.lessons)),
            quiz_start=rng.randrange(len(key.quizzes)),
            place=rng.randrange(len(LOOP)),
        )
        for _ in range(learners)
    ]


def plan(
    walker: Walker, key: CourseKey, rng: random.Random, horizon: float, think: tuple[float, float]
) -> list[Step]:
    """The learner's requests due before ``horizon`` (seconds), advancing the walker.

    The first one comes after the rest of a think time already under way: a gap drawn as an
    observer arriving at a random instant sees it (length-biased: longer gaps are likelier
    to be under way), then a uniform part of it. Every learner starts at a random place of
    the loop too, so the arrivals and the page mix are steady from the start."""
    low, high = think
    gap = math.sqrt(low * low + rng.random() * (high * high - low * low))
    at = rng.uniform(0.0, gap)
    steps: list[Step] = []
    while at < horizon:
        page = LOOP[walker.place]
        activity = (
            walker.lesson(key)
            if page.startswith("lesson")
            else walker.quiz(key)
            if page.startswith("quiz")
            else ""
        )
        steps.append(Step(page, at, activity))
        if page == "quiz_post":
            steps.append(Step("result", at, activity, follows=True))
        walker.place += 1
        if walker.place == len(LOOP):
            walker.place = 0
            walker.loop += 1
        at += rng.uniform(low, high)
    return steps


# --------------------------------------------------------------------------- measuring


@dataclass
class Memory:
    """What a learner's browser holds between requests: the messages cookie, and the form of
    the last lesson or quiz page it showed."""

    messages: str = ""
    page: str = ""  # "lesson:<id>" or "quiz:<id>"
    token: str = ""  # its csrfmiddlewaretoken
    attempt: str = ""  # a quiz page's _attempt
    fields: set[tuple[str, str]] = field(default_factory=set)  # (name, value) of its controls
    names: set[str] = field(default_factory=set)


@dataclass
class Run(Result):
    """One page type (or all, or the static file) in one phase of one round, over the
    measured window (``Result``'s percentiles and CPU)."""

    phase: str = ""
    page: str = ""
    peak: int = 0
    served_ms: list[float] = field(default_factory=list)  # latencies of the expected answers
    shed_ms: list[float] = field(default_factory=list)  # latencies of the 503s

    def served_pct(self, q: float) -> float:
        return _percentile(self.served_ms, q)

    def shed_pct(self, q: float) -> float:
        return _percentile(self.shed_ms, q)

    @property
    def shed_share(self) -> float:
        return self.statuses[SHED] / self.answers if self.answers else 0.0

    @property
    def served_share(self) -> float:
        return len(self.served_ms) / self.answers if self.answers else 0.0

    @property
    def answers(self) -> int:
        return sum(self.statuses.values())

    @property
    def answered_rate(self) -> float:
        return self.answers / self.window_s

    @property
    def max_ms(self) -> float:
        return max(self.latencies_ms, default=float("nan"))


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


@dataclass
class Phase:
    kind: str
    round: int
    runs: dict[str, Run]  # page (or ALL) -> its measured window
    every: Counter[tuple[str, str]] = field(default_factory=Counter)  # (page, status), all
    mismatched: int = 0  # answers naming a field or option the quiz page did not show
    no_form: Counter[str] = field(default_factory=Counter)  # POSTs without the page's form
    lessons_read: set[tuple[int, str]] = field(default_factory=set)  # (user, lesson) 302
    cut: int = 0  # learners whose loop the phase's time bound stopped
    with_messages: int = 0  # requests carrying a messages cookie (a message to show)

    @property
    def all(self) -> Run:
        return self.runs[ALL]

    def error_count(self) -> int:
        return sum(n for (_p, s), n in self.every.items() if is_error(s)) + self.cut

    def unexpected(self) -> Counter[str]:
        """Answers no page gives a learner following its links (a 403 for CSRF, a 422...)."""
        out: Counter[str] = Counter()
        for (page, status), n in self.every.items():
            expected = EXPECTED[page] if self.kind == PAGES_PHASE else {"200"}
            if status not in expected and not is_error(status) and status != SHED:
                out[f"{page} {status}"] += n
        return out


def cookie_header(learner: Learner, memory: Memory) -> str:
    text = f"sessionid={learner.session_key}; csrftoken={learner.csrf}"
    return text + (f"; messages={memory.messages}" if memory.messages else "")


def remember_page(memory: Memory, label: str, html: str) -> None:
    memory.page = label
    token = CSRF_RE.search(html)
    attempt = ATTEMPT_RE.search(html)
    memory.token = token.group(1) if token else ""
    memory.attempt = attempt.group(1) if attempt else ""
    found = FIELD_RE.findall(html)
    memory.names = {name for name, _value in found}
    memory.fields = {(name, value) for name, value in found}


async def run_phase(
    *,
    kind: str,
    round_no: int,
    plans: list[list[Step]],
    learners: list[Learner],
    memories: list[Memory],
    walking: list[Walker],
    key: CourseKey,
    base_url: str,
    static_path: str,
    args: argparse.Namespace,
    gunicorn_pid: int,
) -> Phase:
    """Send every planned request when due (open loop), one learner's one after another;
    record the answers of requests due in the measured window, and every answer."""
    ramp, horizon = args.ramp, args.ramp + args.duration
    # Offered in the window (a follow-up has its submit's instant).
    requests = sum(1 for steps in plans for s in steps if ramp <= s.at < horizon)
    runs = {
        page: Run(
            page,
            clients=len(learners),
            pace=requests / args.duration,
            round=round_no,
            window_s=args.duration,
            phase=kind,
            page=page,
        )
        for page in [*PAGES, ALL]
    }
    phase = Phase(kind, round_no, runs)
    in_flight = 0
    samples = []
    rng = random.Random(f"{args.seed}-{kind}-{round_no}-answers")
    origin = base_url
    start = time.perf_counter() + 1.0  # time to schedule every learner before the first is due

    async def sampler() -> None:
        await asyncio.sleep(max(0.0, start + ramp - time.perf_counter()))
        samples.append(cpu_sample(gunicorn_pid, args.db_name))
        await asyncio.sleep(max(0.0, start + horizon - time.perf_counter()))
        samples.append(cpu_sample(gunicorn_pid, args.db_name))

    def request_for(
        step: Step, learner: Learner, memory: Memory, walker: Walker
    ) -> tuple[str, str, list[tuple[str, str]] | None, dict[str, str]]:
        headers = {
            "Cookie": cookie_header(learner, memory),
            "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
            "Accept-Language": "es-PE,es;q=0.9",
        }
        if kind == STATIC_PHASE:
            return "GET", static_path, None, headers
        if step.page == "home":
            return "GET", "/aprender/", None, headers
        if step.page == "lesson":
            return "GET", lesson_path(step.activity), None, headers
        if step.page == "quiz":
            return "GET", quiz_path(step.activity), None, headers
        if step.page == "result":
            return "GET", result_path(step.activity), None, headers
        # A form POST as a browser sends it from the page it showed.
        is_lesson = step.page == "lesson_post"
        path = lesson_path(step.activity) if is_lesson else quiz_path(step.activity)
        label = f"{'lesson' if is_lesson else 'quiz'}:{step.activity}"
        shown = memory.page == label
        data: list[tuple[str, str]] = []
        if shown and memory.token:
            data.append(("csrfmiddlewaretoken", memory.token))
        else:
            # No form on the page (a lesson read before, a quiz without attempts left) or the
            # page did not load: the token a script would send (the secret itself).
            phase.no_form[step.page] += 1
            headers["X-CSRFToken"] = learner.csrf
        if not is_lesson:
            if shown and memory.attempt:
                data.append(("_attempt", memory.attempt))
            answers = quiz_answers(key.quizzes[step.activity], walker.skill, rng)
            if shown and memory.names:
                for name, value in answers:
                    if name not in memory.names or (
                        (name, "") not in memory.fields and (name, value) not in memory.fields
                    ):
                        phase.mismatched += 1
            data.extend(answers)
        headers["Origin"] = origin
        headers["Referer"] = origin + path
        return "POST", path, data, headers

    async def learner_loop(
        session: aiohttp.ClientSession,
        learner: Learner,
        steps: list[Step],
        memory: Memory,
        walker: Walker,
    ) -> None:
        nonlocal in_flight
        previous = start
        status = ""
        for step in steps:
            if step.follows and status != "302":
                continue  # the submit was not answered with a redirect: nothing to follow
            due = previous if step.follows else start + step.at
            if (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            method, path, data, headers = request_for(step, learner, memory, walker)
            phase.with_messages += bool(memory.messages) and kind == PAGES_PHASE
            raw = b""
            messages = None
            in_flight += 1
            phase.all.peak = max(phase.all.peak, in_flight)
            try:
                async with session.request(
                    method, base_url + path, data=data, headers=headers, allow_redirects=False
                ) as response:
                    raw = await response.read()
                    status = str(response.status)
                    messages = response.cookies.get("messages")
            except TimeoutError:
                status = "timeout"
            except aiohttp.ClientError as exc:
                status = type(exc).__name__
            finally:
                in_flight -= 1
            previous = time.perf_counter()
            phase.every[(step.page, status)] += 1
            if kind == PAGES_PHASE:
                if messages is not None:
                    memory.messages = messages.coded_value if messages.value else ""
                if status == "200" and step.page in ("lesson", "quiz"):
                    remember_page(memory, f"{step.page}:{step.activity}", raw.decode())
                if step.page == "lesson_post" and status == "302":
                    phase.lessons_read.add((learner.user_id, step.activity))
            if ramp <= step.at < horizon:  # a follow-up counts where its submit counts
                latency = (previous - due) * 1000
                expected = EXPECTED[step.page] if kind == PAGES_PHASE else {"200"}
                for run in (phase.runs[step.page], phase.all):
                    run.latencies_ms.append(latency)
                    run.statuses[status] += 1
                    if status in expected:
                        run.accepted += 1
                        run.served_ms.append(latency)
                    elif status == SHED:
                        run.shed_ms.append(latency)

    bound = horizon + 3 * args.timeout + 15  # bounded even if the server stalls
    # Every learner is a phone of their own. An idle connection is kept 3 s, less than the
    # server's keep-alive (5 s, gunicorn.conf.py), as a browser does not send a form on a
    # connection the server is closing: reusing one after the server's timeout showed up as
    # resets of POSTs that a browser would have retried on a new connection.
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=3)
    timeout = aiohttp.ClientTimeout(total=args.timeout)
    tasks: list[asyncio.Task[None]] = []
    try:
        async with (
            aiohttp.ClientSession(
                connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
            ) as session,
            asyncio.timeout(bound),
            asyncio.TaskGroup() as group,
        ):
            group.create_task(sampler())
            for learner, steps, memory, walker in zip(
                learners, plans, memories, walking, strict=True
            ):
                tasks.append(
                    group.create_task(learner_loop(session, learner, steps, memory, walker))
                )
    except TimeoutError:
        phase.cut = sum(1 for t in tasks if t.cancelled())
    if len(samples) == 2:
        phase.all.cpu = cpu_between(samples[0], samples[1])
    return phase


# --------------------------------------------------------------------------- database


@dataclass(frozen=True)
class Prepared:
    learners: list[Learner]
    probe: Learner
    cohorts: int
    sessions: int
    activities: str  # "13 lessons, 7 quizzes"


def prepare(learners: int, seed: int, per_cohort: int) -> Prepared:
    """Migrate; the demo program, call and tracks with one applicant per learner (and one for
    the probe); the course imported; cohorts of its track with six weekly sessions each (the
    first held a week ago); every applicant a learner account enrolled ACTIVE, signed in."""
    from django.core.management import call_command
    from django.db import connections, transaction
    from django.utils import timezone

    from yachay.cohorts.models import Cohort, Enrollment, Session
    from yachay.core.actors import SYSTEM
    from yachay.core.choices import Schedule
    from yachay.demo.applicants import demo_load
    from yachay.demo.classroom import weekly_sessions
    from yachay.intake.models import Application
    from yachay.learning.services import course_import

    call_command("migrate", interactive=False, verbosity=0)
    total = learners + 1  # the probe
    demo = demo_load(applicants=total, seed=seed)
    imported = course_import(path=COURSE_DIR, actor=SYSTEM)
    track = demo.program.tracks.get(slug=COURSE_SLUG)
    if imported.course is None or not imported.course.tracks.filter(pk=track.pk).exists():
        raise RuntimeError(f"the course is not linked to the track {COURSE_SLUG!r}")
    now = timezone.now()
    today = timezone.localdate()
    slots = [choice.value for choice in Schedule]
    with transaction.atomic():
        # There is no cohort service yet (cohorts are edited in the admin, learners placed by
        # cohorts_assign); the tests and the demo classroom create them the same way.
        cohorts = []
        for n in range(math.ceil(total / per_cohort)):
            virtual = n % 2 == 1
            cohorts.append(
                Cohort.objects.create(
                    call=demo.call,
                    track=track,
                    name=f"IA para tu negocio · {'Virtual' if virtual else 'Lima'} · {n + 1}",
                    modality=Cohort.Modality.VIRTUAL if virtual else Cohort.Modality.IN_PERSON,
                    department="" if virtual else "15",
                    venue="" if virtual else f"CITE Lima, aula {n + 1}",
                    slot=slots[n % len(slots)],
                    capacity=per_cohort,
                    starts_on=today - dt.timedelta(weeks=1),
                    ends_on=today + dt.timedelta(weeks=5),
                )
            )
        first = now - dt.timedelta(weeks=1)
        sessions = Session.objects.bulk_create(
            [s for cohort in cohorts for s in weekly_sessions(cohort, first)]
        )
        apps = list(Application.objects.filter(call=demo.call).order_by("pk")[:total])
        if len(apps) < total:
            raise RuntimeError(f"demo_load made {len(apps)} applicants, not {total}")
        users = learner_accounts(apps)
        enrollments = Enrollment.objects.bulk_create(
            Enrollment(
                application=app,
                user=user,
                cohort=cohorts[i // per_cohort],
                status=Enrollment.Status.ACTIVE,
                status_changed_at=now,
            )
            for i, (app, user) in enumerate(zip(apps, users, strict=True))
        )
    signed = sign_in(users, enrollments)
    connections.close_all()
    return Prepared(
        learners=signed[:learners],
        probe=signed[learners],
        cohorts=len(cohorts),
        sessions=len(sessions),
        activities=f"{imported.lessons} lessons, {imported.quizzes} quizzes",
    )


def collect_static() -> tuple[str, int]:
    """collectstatic into this run's STATIC_ROOT; the URL path and size of the bench's file."""
    from django.conf import settings
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    storage = staticfiles_storage
    assert isinstance(storage, ManifestFilesMixin)  # hashed names, as in production
    stored = Path(settings.STATIC_ROOT) / storage.stored_name(STATIC_FILE)
    return storage.url(STATIC_FILE), stored.stat().st_size


def check_static(base_url: str, path: str) -> None:
    import urllib.request

    with urllib.request.urlopen(base_url + path, timeout=5) as response:
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")


@dataclass
class Probe:
    """One page walked alone by the probe learner in this process."""

    queries: list[str] = field(default_factory=list)
    times_ms: list[float] = field(default_factory=list)
    size: int = 0

    @property
    def ms(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else float("nan")


def probe(learner: Learner, key: CourseKey, passes: int = 5) -> dict[str, Probe]:
    """Walk the probe learner through the loop ``passes`` times in this process (Django's test
    client over the whole stack; a new lesson and quiz each pass). The queries of each page
    from the second pass (caches warm), its time alone as the median of the later ones.
    Raises if a page answers what it should not: the load would be meaningless."""
    from django.conf import settings
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = learner.session_key
    rng = random.Random("probe")
    found = {page: Probe() for page in PAGES}

    def visit(n: int, page: str, path: str, data: dict[str, list[str]] | None = None) -> str:
        call = client.get if page in ("home", "lesson", "quiz", "result") else client.post
        t0 = time.perf_counter()
        if n == 1:
            with CaptureQueriesContext(connection) as captured:
                response: Any = call(path, data)
            found[page].queries = [_gist(q["sql"]) for q in captured.captured_queries]
        else:
            response = call(path, data)
        if n >= 2:
            found[page].times_ms.append((time.perf_counter() - t0) * 1000)
        if str(response.status_code) not in EXPECTED[page] - {"409"}:
            raise RuntimeError(f"the probe's {page} {path} answered {response.status_code}")
        found[page].size = len(response.content)
        return response.content.decode()

    for n in range(passes):
        lesson = key.lessons[n % len(key.lessons)]
        quiz = key.quiz_ids[n % len(key.quizzes)]
        visit(n, "home", "/aprender/")
        visit(n, "lesson", lesson_path(lesson))
        visit(n, "lesson_post", lesson_path(lesson))
        shown = ATTEMPT_RE.search(visit(n, "quiz", quiz_path(quiz)))
        data: dict[str, list[str]] = {"_attempt": [shown.group(1) if shown else ""]}
        for name, value in quiz_answers(key.quizzes[quiz], 0.7, rng):
            data.setdefault(name, []).append(value)
        visit(n, "quiz_post", quiz_path(quiz), data)
        visit(n, "result", result_path(quiz))
    connections.close_all()
    return found


def check_rows(phases: list[Phase], learners: list[Learner]) -> tuple[bool, list[str]]:
    """One quiz attempt per submit answered 302, numbered 1, 2, 3 without gaps; one lesson
    record per (learner, lesson) marked read."""
    from django.db import connections
    from django.db.models import Count, Max

    from yachay.learning.models import LessonProgress, QuizAttempt

    ids = [learner.user_id for learner in learners]
    attempts = QuizAttempt.objects.filter(user_id__in=ids)
    stored = attempts.count()
    gaps = sum(
        1
        for row in attempts.order_by()
        .values("user_id", "activity_id")
        .annotate(n=Count("id"), top=Max("number"))
        if row["n"] != row["top"]
    )
    pages = [ph for ph in phases if ph.kind == PAGES_PHASE]
    accepted = sum(ph.every[("quiz_post", "302")] for ph in pages)
    refused = sum(ph.every[("quiz_post", "409")] for ph in pages)
    read: set[tuple[int, str]] = set().union(*(ph.lessons_read for ph in pages))
    lesson_rows = LessonProgress.objects.filter(user_id__in=ids).count()
    connections.close_all()
    ok = stored == accepted and not gaps and lesson_rows == len(read)
    return ok, [
        f"quiz submits answered 302: {accepted}, quiz attempts stored: {stored}, learners' "
        f"quizzes whose attempts are not numbered 1…n: {gaps}; refused past the attempts "
        f"limit (409): {refused}",
        f"lessons marked read (distinct learner and lesson, answered 302): {len(read)}, lesson "
        f"records stored: {lesson_rows}",
        f"rows: {'OK' if ok else 'FAILED'}",
    ]


# --------------------------------------------------------------------------- reporting


def row_text(ph: Phase) -> str:
    r = ph.all
    cpu = busy = "?"
    if r.cpu:
        cpu = ", ".join(f"{who} {r.cpu_ms(who):.1f}" for who in ("gunicorn", "postgres", "client"))
        busy = f"ours {r.ours:.2f}, machine {r.cpu['machine']:.2f}"
    by_page = "  ".join(
        f"{page} {ph.runs[page].pct(95):.0f}" for page in PAGES if ph.runs[page].latencies_ms
    )
    return (
        f"{ph.kind:<6} round {ph.round}: {r.answers} requests in the window, "
        f"{r.answered_rate:5.1f} answers/s  p50 {r.pct(50):6.1f}  p95 {r.pct(95):6.1f}  "
        f"p99 {r.pct(99):6.1f}  max {r.max_ms:6.0f} ms  peak in flight {r.peak}  "
        f"errors (whole phase) {ph.error_count()}  unexpected {fmt_rejected(ph.unexpected())}"
        f"  served {100 * r.served_share:.1f}% (p95 {r.served_pct(95):.0f} ms)  shed "
        f"{100 * r.shed_share:.1f}% (p95 {r.shed_pct(95):.0f} ms)"
        f"  CPU ms/answer: {cpu}; cores busy: {busy}"
        + (f"\n        p95 by page: {by_page}" if ph.kind == PAGES_PHASE else "")
    )


def _median(runs: list[Run], value: Any) -> float:
    return statistics.median(value(r) for r in runs)


def table_row(label: str, runs: list[Run], *, cpu: bool) -> str:
    rounds = ", ".join(f"{r.pct(95):.0f}" for r in runs)
    statuses: Counter[str] = Counter()
    for r in runs:
        statuses.update(r.statuses)
    errors = Counter({s: n for s, n in statuses.items() if is_error(s)})
    fours = Counter({s: n for s, n in statuses.items() if s.startswith("4")})
    cpu_text = busy = "—"
    if cpu and all(r.cpu for r in runs):
        cpu_text = " / ".join(
            f"{_median(runs, lambda r, w=who: r.cpu_ms(w)):.1f}"
            for who in ("gunicorn", "postgres", "client")
        )
        busy = (
            f"{_median(runs, lambda r: r.ours):.2f} / "
            f"{_median(runs, lambda r: r.cpu['machine']):.2f}"
        )
    return (
        f"| {label} | {sum(r.answers for r in runs)} "
        f"| {_median(runs, lambda r: r.answered_rate):.1f} "
        f"| {_median(runs, lambda r: r.pct(50)):.0f} "
        f"| **{_median(runs, lambda r: r.pct(95)):.0f}** ({rounds}) "
        f"| {_median(runs, lambda r: r.pct(99)):.0f} | {_median(runs, lambda r: r.max_ms):.0f} "
        f"| {sum(errors.values()) if errors else 0}{f' ({fmt_rejected(errors)})' if errors else ''} "
        f"| {fmt_rejected(fours)} | {cpu_text} | {busy} |"
    )


def table_markdown(phases: list[Phase]) -> list[str]:
    pages = [ph for ph in phases if ph.kind == PAGES_PHASE]
    static = [ph for ph in phases if ph.kind == STATIC_PHASE]
    lines = [
        "| page | requests in the window | answers/s | p50 ms | p95 ms (rounds) | p99 ms | max ms "
        "| errors | 4xx | CPU ms per answer: gunicorn / postgres / client "
        "| cores busy: ours / machine |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]  # fmt: skip
    for page in PAGES:
        lines.append(table_row(LABELS[page], [ph.runs[page] for ph in pages], cpu=False))
    lines.append(table_row("**all learner pages**", [ph.all for ph in pages], cpu=True))
    lines.append(
        table_row(
            "**static file, same arrivals** (the ceiling)", [ph.all for ph in static], cpu=True
        )
    )
    return lines


def overload_markdown(phases: list[Phase]) -> list[str]:
    """Served, shed (503 "try again in a minute") and failed, over all learner pages: what
    issue #17 asks of a load past capacity."""
    pages = [ph for ph in phases if ph.kind == PAGES_PHASE]
    lines = [
        "| round | requests in the window | served | shed (503, Retry-After) | errors "
        "| p95 of the served ms | p50 / p95 / max of the shed ms | client's share of our CPU |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for ph in pages:
        r = ph.all
        errors = sum(n for s, n in r.statuses.items() if is_error(s))
        share = r.cpu["client"] / r.ours if r.cpu and r.ours else float("nan")
        shed = (
            f"{r.shed_pct(50):.0f} / {r.shed_pct(95):.0f} / {max(r.shed_ms):.0f}"
            if r.shed_ms
            else "—"
        )
        lines.append(
            f"| {ph.round} | {r.answers} | {100 * r.served_share:.1f}% "
            f"| {100 * r.shed_share:.1f}% | {errors} | **{r.served_pct(95):.0f}** | {shed} "
            f"| {100 * share:.0f}% |"
        )
    return lines


def probe_markdown(found: dict[str, Probe]) -> list[str]:
    lines = [
        "| page | SQL queries | alone: ms (median of "
        f"{len(next(iter(found.values())).times_ms)}) | HTML bytes |",
        "| --- | ---: | ---: | ---: |",
    ]
    for page in PAGES:
        p = found[page]
        size = f"{p.size:,}" if p.size else "— (redirect)"
        lines.append(f"| {LABELS[page]} | {len(p.queries)} | {p.ms:.1f} | {size} |")
    lines.append("")
    for page in PAGES:
        counts = Counter(found[page].queries)
        text = ", ".join(
            f"{q}{f' ×{counts[q]}' if counts[q] > 1 else ''}"
            for q in dict.fromkeys(found[page].queries)
        )
        lines.append(f"- {LABELS[page]}: {text}.")
    return lines


def cost_text(pages: list[Phase], args: argparse.Namespace) -> str:
    """What one learner request costs, and how many learners the cores would carry."""
    runs = [ph.all for ph in pages if ph.all.cpu]
    if not runs:
        return ""
    everyone = ("gunicorn", "postgres", "client")
    total = _median(runs, lambda r: sum(r.cpu_ms(w) for w in everyone))
    server = _median(runs, lambda r: sum(r.cpu_ms(w) for w in everyone[:2]))
    offered = _median(runs, lambda r: r.pace)
    per_learner = offered / args.learners
    cores = os.cpu_count() or 1
    rate, rate_server = cores * 1000 / total, cores * 1000 / server
    return (
        f"Per answer (median of the rounds) a learner page costs {total:.1f} ms of CPU "
        f"(server {server:.1f}, client {total - server:.1f}). At that cost the {cores} cores, "
        f"given to the bench alone, would answer about {rate:.0f} pages/s with the client on "
        f"board ({rate_server:.0f}/s with the client elsewhere): about "
        f"{rate / per_learner:,.0f} learners ({rate_server / per_learner:,.0f}) at this think "
        f"time, before queueing pushes the p95 up well ahead of that."
    )


@dataclass(frozen=True)
class Verdict:
    met: bool
    text: str
    errors: int
    unexpected: Counter[str]


def verdict(phases: list[Phase]) -> Verdict:
    pages = [ph for ph in phases if ph.kind == PAGES_PHASE]
    p95 = _median([ph.all for ph in pages], lambda r: r.pct(95))
    errors = sum(ph.error_count() for ph in phases)
    unexpected: Counter[str] = Counter()
    for ph in phases:
        unexpected.update(ph.unexpected())
    worst = max(
        PAGES, key=lambda page: _median([ph.runs[page] for ph in pages], lambda r: r.pct(95))
    )
    worst_p95 = _median([ph.runs[worst] for ph in pages], lambda r: r.pct(95))
    over = [
        LABELS[page]
        for page in PAGES
        if _median([ph.runs[page] for ph in pages], lambda r: r.pct(95)) >= GOAL_P95_MS
    ]
    met = p95 < GOAL_P95_MS and errors == 0 and not unexpected
    text = (
        f"p95 of all learner pages {p95:.0f} ms {'<' if p95 < GOAL_P95_MS else '≥'} "
        f"{GOAL_P95_MS:.0f} ms; slowest page type: {LABELS[worst]}, p95 {worst_p95:.0f} ms"
        + (f" (page types at or over {GOAL_P95_MS:.0f} ms: {', '.join(over)})" if over else "")
        + f"; errors over the whole run, ramp-up and static phase included: {errors}"
        + (f"; answers no page should give: {fmt_rejected(unexpected)}" if unexpected else "")
    )
    return Verdict(met, text, errors, unexpected)


def report(
    args: argparse.Namespace,
    phases: list[Phase],
    prepared: Prepared,
    found: dict[str, Probe],
    rows: tuple[bool, list[str]],
    static: tuple[str, int],
    host: dict[str, str],
    started: dt.datetime,
) -> str:
    pages = [ph for ph in phases if ph.kind == PAGES_PHASE]
    judged = verdict(phases)
    server = f"gunicorn `{args.worker_class}`, {args.workers} workers"
    if args.worker_class == "gthread":
        server += f" × {args.threads} threads"
    if args.worker_class == "repo":
        server = (
            f"gunicorn with the repository's `gunicorn.conf.py` (what `make run` serves): "
            f"{args.workers} threaded workers (`yachay.core.serving.ThreadWorker`) × "
            f"{args.threads if args.threads > 1 else 16} threads, keep-alive 5 s, backlog "
            "2048; at most `YACHAY_OVERLOAD_ACTIVE`=2 requests per worker in the application, "
            "the others wait at most `YACHAY_OVERLOAD_WAIT_MS`=500 ms, then 503 (shed); a "
            "psycopg pool of at most 4 PostgreSQL connections per worker"
        )
    command = ".venv/bin/python bench/learning_load.py" + (
        " " + " ".join(args.argv) if args.argv else ""
    )
    offered = _median([ph.all for ph in pages], lambda r: r.pace)
    mean_think = (args.think_min + args.think_max) / 2
    mismatched = sum(ph.mismatched for ph in pages)
    no_form: Counter[str] = Counter()
    for ph in pages:
        no_form.update(ph.no_form)
    ratio = _median([ph.all for ph in pages], lambda r: r.pct(95)) / _median(
        [ph.all for ph in phases if ph.kind == STATIC_PHASE], lambda r: r.pct(95)
    )
    out = [
        f"## Learning pages: {args.learners:,} learners taking the course (gunicorn + PostgreSQL)",
        "",
        f"Command: `{command}` (or `make bench-learning`). Run {started:%Y-%m-%d %H:%M} UTC.",
        "",
        f"- Machine: {host['cpu']}; {host['software']}; {host['load']}. Shared and noisy: "
        f"{args.rounds} round{'s' if args.rounds > 1 else ''}; with more than one, the table "
        "quotes medians (p95 of each round in brackets).",
        f"- Server: {server}, "
        "`YACHAY_ENV=production` (`bench.settings_bench`), DEBUG off, static files collected into a temporary `STATIC_ROOT` and "
        "served by WhiteNoise from the same workers. Plain HTTP on loopback "
        "(`SECURE_SSL_REDIRECT=false`; TLS would end at a proxy).",
        f"- Data: the demo program, call and tracks with {args.learners + 1:,} applicants "
        "(`demo.applicants.demo_load`); the Spanish course imported (`learning.services."
        f"course_import` of `content/courses/{COURSE_SLUG}`: {prepared.activities}); "
        f"{prepared.cohorts} cohorts of its track ({args.per_cohort} learners each, in person "
        f"and virtual, {prepared.sessions} live sessions in all, the first of each held a week "
        "ago, so home shows the next one and completion counts attendance); one learner "
        "account per applicant enrolled ACTIVE and signed in (a server-side Django session "
        "as `django.contrib.auth.login` leaves it, and a CSRF cookie). One more learner, the "
        "probe, walks the pages alone (below) and is not part of the load.",
        f"- Load: {args.learners:,} learners simulated by an asyncio client (aiohttp) in a "
        "second process on the same cores. Each loops: home, a lesson, *mark as read* "
        "(POST), a quiz, *send my answers* (POST; the browser follows the redirect to the "
        f"result at once), with a think time uniform in {args.think_min:g}–{args.think_max:g} s "
        "before each action; lessons and quizzes in course order from a random place. "
        "Answers: per question the right one with the learner's skill (uniform 40–95 %) as "
        "probability, else a wrong one, always options the page shows (checked against the "
        "form; `_attempt` and `csrfmiddlewaretoken` from the page, cookies as a browser keeps "
        "them, the messages cookie included). Open loop: the schedule is fixed before the "
        "phase, each request's latency runs from when it was due (a learner's requests go one "
        "after another, so a late answer delays the next and counts against it). Every "
        "learner starts at a random place of the loop and instant of a think time, so the "
        f"load is steady from the first second: about {offered:.0f} requests/s offered "
        f"(6 requests per {5 * mean_think:g} s per learner). {args.ramp:g} s of warm-up, "
        f"then {args.duration:g} s measured: the table counts the requests due in that "
        "window.",
        f"- **static**: the same schedule again (same number of requests, same instants, each "
        f"follow-up as soon as the previous answer came) to `{static[0]}` ({static[1]:,} bytes, "
        f"`{STATIC_FILE}` as collectstatic stores it; WhiteNoise), in a phase of its own just "
        "after the pages (the order alternates by round). Interleaving both would have each "
        "slow the other and double the machine's load; one after the other, each phase "
        "carries exactly the figure's arrivals and the static one is the ceiling of this "
        "server, client and machine.",
        "",
        *table_markdown(phases),
        "",
        "Served, shed and failed over all learner pages (served: the answer the page gives; "
        'shed: 503 with Retry-After, "estamos con mucha demanda"; the p95 of the served '
        "counts only them; the client's share: its CPU over ours, client + gunicorn + "
        "PostgreSQL):",
        "",
        *overload_markdown(phases),
        "",
        "Errors: 5xx other than the shed 503, timeouts and resets. 4xx: by code; 409 on a quiz submit is the attempts "
        "limit (expected; the learners rarely meet it, as they take the quizzes in turn). CPU "
        "ms per answer: CPU time of gunicorn (master and workers), of PostgreSQL (the bench "
        "database's backends and the shared WAL writer, checkpointer...) and of the load "
        "client over the window, divided by the answers: the cost of one request, which noise "
        "from other work on the machine disturbs far less than the latencies. Cores busy: ours "
        "(client + gunicorn + PostgreSQL) against the whole machine (`/proc/stat`); where the "
        "machine is busier than we are, other work was running.",
        "",
        f"All pages / static file p95: {ratio:.1f}. Peak requests in flight: "
        f"{max(ph.all.peak for ph in pages)} (pages), "
        f"{max(ph.all.peak for ph in phases if ph.kind == STATIC_PHASE)} (static). "
        f'Requests carrying a messages cookie ("Lesson marked as read." on the page after '
        f"the POST): {sum(ph.with_messages for ph in pages)}. "
        f"Answers not on the quiz page as shown: {mismatched}. Before each pages phase, the "
        f"{sum(sum(ph.every.values()) for ph in phases if ph.kind == PRELUDE)} learners whose "
        "loop starts at a POST were shown the page of its form (unmeasured, a few at a time; "
        "their errors count). POSTs sent without the page's form: "
        f"{fmt_rejected(no_form)} (a lesson read before shows no form: sent with the CSRF "
        "secret in `X-CSRFToken`, as a script would).",
        "",
        cost_text(pages, args),
        "",
        "Each page walked alone by the probe learner in the bench process (Django's test "
        "client through the whole stack, no load; queries from the second pass, times the "
        "median of the later passes, a new lesson and quiz each pass):",
        "",
        *probe_markdown(found),
        "",
        f"Figure ({args.learners:,} learners, think time {args.think_min:g}–"
        f"{args.think_max:g} s, p95 < {GOAL_P95_MS:.0f} ms, zero errors): "
        f"**{'met' if judged.met else 'not met'}** — {judged.text}.",
        "",
        "Rows afterwards:",
        "",
        *(f"- {line}" for line in rows[1]),
        "",
    ]
    return "\n".join(out)


# --------------------------------------------------------------------------- main


async def prelude(
    *,
    round_no: int,
    plans: list[list[Step]],
    learners: list[Learner],
    memories: list[Memory],
    base_url: str,
    args: argparse.Namespace,
) -> Phase:
    """Before a pages phase: every learner whose first action is a POST is shown the page the
    form comes from (a lesson or a quiz), unmeasured and a few at a time, as their browser
    showed it before the phase began; a learner's first POST then sends the page's form."""
    phase = Phase(PRELUDE, round_no, {ALL: Run(ALL, len(learners), 0.0, round_no, 1.0)})
    todo = []
    for learner, steps, memory in zip(learners, plans, memories, strict=True):
        if steps and steps[0].page in ("lesson_post", "quiz_post"):
            page = steps[0].page.removesuffix("_post")
            if memory.page != f"{page}:{steps[0].activity}":
                todo.append((learner, memory, page, steps[0].activity))
    gate = asyncio.Semaphore(4)
    timeout = aiohttp.ClientTimeout(total=args.timeout)

    async def show(
        session: aiohttp.ClientSession, learner: Learner, memory: Memory, page: str, activity: str
    ) -> None:
        path = lesson_path(activity) if page == "lesson" else quiz_path(activity)
        headers = {"Cookie": cookie_header(learner, memory), "Accept-Language": "es-PE,es;q=0.9"}
        async with gate:
            try:
                async with session.get(base_url + path, headers=headers) as response:
                    raw = await response.read()
                    status = str(response.status)
            except TimeoutError:
                status = "timeout"
            except aiohttp.ClientError as exc:
                status = type(exc).__name__
        phase.every[(page, status)] += 1
        if status == "200":
            remember_page(memory, f"{page}:{activity}", raw.decode())

    async with (
        aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as session,
        asyncio.TaskGroup() as group,
    ):
        for learner, memory, page, activity in todo:
            group.create_task(show(session, learner, memory, page, activity))
    return phase


def run_all(
    args: argparse.Namespace,
    prepared: Prepared,
    key: CourseKey,
    base_url: str,
    static_path: str,
    gunicorn_pid: int,
) -> list[Phase]:
    learners = prepared.learners
    memories = [Memory() for _ in learners]
    walking = walkers(len(learners), key, args.seed)
    horizon = args.ramp + args.duration
    phases: list[Phase] = []
    for round_no in range(1, args.rounds + 1):
        rng = random.Random(f"{args.seed}-plan-{round_no}")
        think = (args.think_min, args.think_max)
        plans = [plan(w, key, rng, horizon, think) for w in walking]
        order = [PAGES_PHASE, STATIC_PHASE] if round_no % 2 else [STATIC_PHASE, PAGES_PHASE]
        for kind in order:
            if kind == PAGES_PHASE:
                shown = asyncio.run(
                    prelude(
                        round_no=round_no,
                        plans=plans,
                        learners=learners,
                        memories=memories,
                        base_url=base_url,
                        args=args,
                    )
                )
                phases.append(shown)
                print(
                    f"prelude round {round_no}: {sum(shown.every.values())} lesson and quiz "
                    f"pages shown to learners who start at a POST "
                    f"({fmt_rejected(Counter(s for (_p, s) in shown.every.elements()))})",
                    flush=True,
                )
            ph = asyncio.run(
                run_phase(
                    kind=kind,
                    round_no=round_no,
                    plans=plans,
                    learners=learners,
                    memories=memories,
                    walking=walking,
                    key=key,
                    base_url=base_url,
                    static_path=static_path,
                    args=args,
                    gunicorn_pid=gunicorn_pid,
                )
            )
            phases.append(ph)
            print(row_text(ph), flush=True)
            time.sleep(args.pause)
    return phases


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    p.add_argument("--learners", type=int, default=2000, help="simulated learners")
    p.add_argument("--duration", type=float, default=180.0, help="measured seconds per phase")
    p.add_argument("--ramp", type=float, default=20.0, help="warm-up seconds per phase")
    p.add_argument("--rounds", type=int, default=1, help="repeat both phases, quote medians")
    p.add_argument("--think-min", type=float, default=20.0, help="think time, seconds")
    p.add_argument("--think-max", type=float, default=30.0, help="think time, seconds")
    p.add_argument("--per-cohort", type=int, default=40, help="learners per cohort")
    p.add_argument("--pause", type=float, default=5.0, help="seconds between phases")
    add_server_args(p, db_name="yachay_bench_learning", output=DEFAULT_DOC)
    args = parse_server_args(p, argv)
    if min(args.learners, args.rounds, args.per_cohort) < 1 or args.duration <= 0:
        p.error("learners, rounds, per-cohort and duration must be positive")
    if args.ramp < 0 or not 0 < args.think_min <= args.think_max:
        p.error("ramp must be >= 0 and 0 < think-min <= think-max")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = dt.datetime.now(dt.UTC)
    host = machine(args.pg_url)
    env = bench_environment(with_dbname(args.pg_url, args.db_name))

    def body(run: BenchRun) -> int:
        django_setup(env)
        t0 = time.perf_counter()
        prepared = prepare(args.learners, args.seed, args.per_cohort)
        key = course_key()
        print(
            f"{len(prepared.learners)} learners in {prepared.cohorts} cohorts, enrolled and "
            f"signed in ({time.perf_counter() - t0:.1f} s)",
            flush=True,
        )
        static = collect_static()
        found = probe(prepared.probe, key)
        for page in PAGES:
            print(
                f"{page}: {len(found[page].queries)} queries, {found[page].ms:.1f} ms alone",
                flush=True,
            )
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        run.server = start_gunicorn(args, env, port, log_name="learning-gunicorn.log")
        wait_ready(run.server, base_url)
        check_static(base_url, static[0])
        print(
            f"gunicorn ({args.worker_class}, {args.workers} workers, {args.threads} threads) "
            f"on {base_url}; {args.rounds} round(s) of 2 phases of {args.ramp:g} + "
            f"{args.duration:g} s",
            flush=True,
        )
        phases = run_all(args, prepared, key, base_url, static[0], run.server.pid)
        stop_gunicorn(run.server)  # every request has been answered: count rows on a quiet DB
        rows = check_rows(phases, prepared.learners)
        write_report(args, report(args, phases, prepared, found, rows, static, host, started))
        judged = verdict(phases)
        return 0 if judged.errors == 0 and not judged.unexpected and rows[0] else 1

    with tempfile.TemporaryDirectory(prefix="yachay-bench-static-") as static_root:
        env["STATIC_ROOT"] = static_root
        return run_bench(args, body)


if __name__ == "__main__":
    sys.exit(main())
