"""Quota-aware allocation of seats (moved into a package; split by concern in the next commit)."""

from yachay.selection.allocation.problem import *  # noqa: F403
from yachay.selection.allocation.problem import __all__  # noqa: F401
