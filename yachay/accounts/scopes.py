"""Object-level scopes: which rows a user may see. Used by the admin and the API."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from yachay.accounts.models import Role, User

M = TypeVar("M", bound=Model)


def scope_by_department(qs: QuerySet[M], user: User | None, *, field: str) -> QuerySet[M]:
    """All rows for program admins, their departments' rows for coordinators, none otherwise."""
    if user is None or not user.is_active:
        return qs.none()
    if user.is_program_admin:
        return qs
    if user.role == Role.COORDINATOR:
        return qs.filter(**{f"{field}__in": user.departments or []})
    return qs.none()
