"""Course as code (moved into a package; split by concern in the next commit)."""

from yachay.learning.course_format.loader import *  # noqa: F403
from yachay.learning.course_format.loader import __all__  # noqa: F401
