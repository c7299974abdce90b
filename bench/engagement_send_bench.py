"""20,000 emails through the queue to a local SMTP server: each sent exactly once, the rate
recorded; then the same with the worker killed (kill -9) half-way and a new one started.

Run: ``.venv/bin/python bench/engagement_send_bench.py`` (``make bench-engagement-send``).

It makes a fresh PostgreSQL database (``yachay_engage`` by default; ``--db``), an aiosmtpd
server on a free local port that counts what it receives by Message-ID, and ``--messages``
queued email messages (``engagement.Message``) for as many people; then it queues the sending
(``tasks.queue_sending``: one task per 200) and runs the real worker (``manage.py worker``,
PostgreSQL task queue, SMTP) as a child process:

1. clean run: until every message is *sent*; rate = messages / seconds from the first to the
   last received;
2. killed run (same again, fresh messages): kill -9 the worker when half are received, give its
   task back as its stale-task reclaim would (``queue.tasks_reclaim``), start a new worker.

"Exactly once" is checked twice: every message's row says *sent* once, and the server got each
Message-ID once. The Message-ID is the same for every attempt of a message (from its key), so
the transport's count of all deliveries is reported too: a worker killed between the server's
"250 OK" and the commit sends that one message again (at most one per kill, same Message-ID,
which mail programs show once). Results go to ``bench/results/engagement-send.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


class Inbox:
    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.first = self.last = 0.0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        content = envelope.content.decode("utf-8", "replace")  # type: ignore[attr-defined]
        mid = next(
            (
                line.split(":", 1)[1].strip()
                for line in content.splitlines()
                if line.lower().startswith("message-id:")
            ),
            "?",
        )
        with self.lock:
            now = time.perf_counter()
            self.first = self.first or now
            self.last = now
            self.ids[mid] += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--db", default="yachay_engage")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "bench" / "results" / "engagement-send.md"
    )
    args = parser.parse_args()
    psql(f"DROP DATABASE IF EXISTS {args.db} WITH (FORCE)")
    psql(f"CREATE DATABASE {args.db}")
    from aiosmtpd.controller import Controller

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{args.db}",
        "DJANGO_SETTINGS_MODULE": "yachay.settings",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "YACHAY_NUDGES_ENABLED": "0",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    lines = [
        f"## {args.messages:,} emails through the queue to a local SMTP server (PostgreSQL)",
        "",
    ]
    for label, kill in (("clean run", False), ("worker killed half-way", True)):
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            lines.append(run(args, env, inbox, kill=kill, label=label))
        finally:
            controller.stop()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


def make_messages(n: int, tag: str) -> None:
    from django.utils import timezone

    from yachay.engagement.models import Message
    from yachay.intake.models import Application
    from yachay.programs.models import Call, Program

    now = timezone.now()
    program, _ = Program.objects.get_or_create(slug="ia", defaults={"name": "IA", "seats_target": 1, "starts_on": now.date(), "ends_on": now.date()})  # fmt: skip
    call, _ = Call.objects.get_or_create(slug="c", defaults={"program": program, "title": "C", "opens_at": now, "closes_at": now, "seats": 1, "consent_text": "x"})  # fmt: skip
    apps = Application.objects.bulk_create(
        [
            Application(
                call=call, reference=f"{tag}{i:07d}", status="enrolled", source="web", dni=f"{(1 if tag == 'K' else 2)}{i:07d}",
                given_names="Killa", paternal_surname="Quispe", birth_date=dt.date(1990, 1, 1),
                gender="female", email=f"p{tag}{i}@example.pe", phone="+51987654321", ubigeo="150101",
                department="15", segment="entrepreneur", digital_level=3, modality="virtual",
                schedules=[], consent_version="x", consent_at=now, consent_ip="127.0.0.1",
            )
            for i in range(n)
        ],
        batch_size=2000,
    )  # fmt: skip
    Message.objects.bulk_create(
        [
            Message(
                rule="inactive-3d", rule_version="bench", kind="nudges", occurrence=tag,
                application=a, channel="email", status="queued", subject="Tu siguiente lección",
                body="Hola, Killa: tu siguiente lección te espera.", created_at=now,
            )
            for a in apps
        ],
        batch_size=2000,
    )  # fmt: skip


def run(
    args: argparse.Namespace, env: dict[str, str], inbox: Inbox, *, kill: bool, label: str
) -> str:
    from yachay.core import queue
    from yachay.engagement import tasks
    from yachay.engagement.models import Message

    tag = "K" if kill else "C"
    make_messages(args.messages, tag)
    ids = list(Message.objects.filter(occurrence=tag).values_list("pk", flat=True))
    tasks.queue_sending(ids)
    command = [sys.executable, "manage.py", "worker", "--interval", "0.2"]
    worker = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    killed_at = None
    deadline = time.monotonic() + 1800
    try:
        while time.monotonic() < deadline:
            received = sum(inbox.ids.values())
            if kill and killed_at is None and received >= args.messages // 2:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                killed_at = received
                # What the next worker's stale-task reclaim does after YACHAY_TASK_STALE_MINUTES.
                queue.tasks_reclaim(older_than=dt.timedelta(0))
                worker = subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            if not Message.objects.filter(occurrence=tag, status="queued").exists():
                break
            time.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    time.sleep(1)
    sent = Message.objects.filter(occurrence=tag, status="sent").count()
    distinct = len(inbox.ids)
    deliveries = sum(inbox.ids.values())
    twice = sum(1 for n in inbox.ids.values() if n > 1)
    seconds = inbox.last - inbox.first
    rate = deliveries / seconds if seconds else 0
    kill_note = (
        f"; killed (kill -9) after {killed_at:,} received, a new worker took over"
        if killed_at
        else ""
    )
    return (
        f"- {label}{kill_note}: rows sent {sent:,} / {args.messages:,}; distinct Message-IDs received "
        f"{distinct:,}; deliveries {deliveries:,} ({twice} Message-ID(s) delivered twice); "
        f"**{rate:.0f} messages/s** over {seconds:.1f} s"
    )


if __name__ == "__main__":
    raise SystemExit(main())
