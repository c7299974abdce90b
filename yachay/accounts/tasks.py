"""Background entry points: take ids, call services, nothing else."""

from __future__ import annotations

from django_tasks import task


@task()
def send_login_link(*, user_id: int, key: str, next_url: str = "") -> None:
    """``key`` names the request: running this task twice sends one email."""
    from yachay.accounts import services

    services.login_link_send(user_id=user_id, key=key, next_url=next_url)
