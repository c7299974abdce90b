"""The house's floors: an app imports only the apps below it (docs/development.md).

Every module under ``yachay/`` is parsed with ``ast``; each ``import x`` and
``from x import y`` counts, at module level or inside a function or a ``TYPE_CHECKING``
block. Exempt: test modules (``tests/``), migrations, and the project's root modules
(``settings.py``, ``urls.py``, ``api.py``, ``wsgi.py``, ``conftest.py``), which wire every
app together.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

# From the ground up: an app may import those before it, never one after it.
FLOORS = (
    "core",
    "accounts",
    "programs",
    "intake",
    "selection",
    "cohorts",
    "learning",
    "certificates",
    "engagement",
    "surveys",
    "impact",
    "reports",
    "privacy",
    "demo",
)

# Upward imports that another change removes. Each one names that change; the test fails
# when an entry is no longer needed, so that it is deleted rather than left to excuse a
# new one.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}

PACKAGE = "yachay"
ROOT = Path(__file__).resolve().parents[2]  # the yachay/ package


@dataclass(frozen=True)
class Upward:
    path: str  # relative to the package, e.g. "accounts/views.py"
    line: int
    app: str
    imported_app: str
    statement: str  # e.g. "from yachay.cohorts import selectors"

    def __str__(self) -> str:
        return (
            f"{PACKAGE}/{self.path}:{self.line}: {self.app} imports {self.imported_app}, "
            f"a floor above it: {self.statement}"
        )


def _exempt(rel: Path) -> bool:
    parts = rel.parts
    return len(parts) == 1 or "tests" in parts or "migrations" in parts


def _modules(root: Path) -> Iterator[tuple[Path, Path]]:
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if not _exempt(rel):
            yield path, rel


def _imported(node: ast.Import | ast.ImportFrom, rel: Path, package: str) -> list[str]:
    """The modules an import statement names (``from yachay import x`` names yachay.x)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: resolve against the importing module's package
        # The module's package: drop its own name (or "__init__", for a package).
        here = [package, *rel.with_suffix("").parts][:-1]
        base = here[: len(here) - (node.level - 1)]
        module = ".".join([*base, node.module] if node.module else base)
    else:
        module = node.module or ""
    return [module, *(f"{module}.{alias.name}" for alias in node.names)]


def upward_imports(root: Path, floors: Sequence[str], package: str = PACKAGE) -> list[Upward]:
    """Every import, at any depth of a module, of an app on a higher floor than its own."""
    found: list[Upward] = []
    for path, rel in _modules(root):
        app = rel.parts[0]
        if app not in floors:
            continue  # reported by unplaced_apps
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for name in _imported(node, rel, package):
                parts = name.split(".")
                if len(parts) < 2 or parts[0] != package or parts[1] not in floors:
                    continue
                if floors.index(parts[1]) > floors.index(app):
                    statement = ast.unparse(node)
                    found.append(Upward(rel.as_posix(), node.lineno, app, parts[1], statement))
                    break  # one line per statement
    return found


def unplaced_apps(root: Path, floors: Sequence[str]) -> list[str]:
    """Folders of the package holding Python code but missing from the floors."""
    return sorted({rel.parts[0] for _, rel in _modules(root)} - set(floors))


# The house itself ----------------------------------------------------------------------


def test_no_app_imports_an_app_above_it() -> None:
    found = upward_imports(ROOT, FLOORS)
    unexpected = [u for u in found if (u.path, u.statement) not in KNOWN_UPWARD]
    assert not unexpected, "Imports that point up a floor (see docs/development.md):\n" + (
        "\n".join(map(str, unexpected))
    )
    stale = set(KNOWN_UPWARD) - {(u.path, u.statement) for u in found}
    assert not stale, f"Known exceptions no longer needed: delete them from KNOWN_UPWARD: {stale}"


def test_every_app_has_a_floor_in_the_order_of_installed_apps() -> None:
    assert not unplaced_apps(ROOT, FLOORS), "Give each new app its floor in FLOORS"
    ours = [a.removeprefix(f"{PACKAGE}.") for a in settings.INSTALLED_APPS if a.startswith(PACKAGE)]
    assert tuple(ours) == FLOORS


# The checker, on a small house of its own ------------------------------------------------


def build(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


FAKE_FLOORS = ("core", "shop", "top")


@pytest.fixture
def house(tmp_path: Path) -> Path:
    return build(
        tmp_path / "yachay",
        {
            "core/__init__.py": "",
            "core/ok.py": "import os\nfrom django.db import models\n",
            "shop/__init__.py": "",
            "shop/down.py": "from yachay.core import ok\nimport yachay.core.ok\n"
            "from . import down\n",
            "shop/late.py": "def f():\n    if True:\n        from yachay.top.views import x\n",
            "shop/whole.py": "import yachay.top.tasks as t\n",
            "shop/name.py": "from yachay import top\n",
            "shop/relative.py": "from ..top import models\n",
            "shop/pkg/__init__.py": "from ...top.models import M\n",
            "core/typing.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from yachay.shop.models import S\n",
            "top/__init__.py": "",
            "top/all.py": "from yachay.core import ok\nfrom yachay.shop import down\n",
            # Exempt: tests, migrations, the root's wiring modules.
            "core/tests/test_x.py": "from yachay.top import all\n",
            "shop/migrations/0001_initial.py": "from yachay.top import all\n",
            "settings.py": "import yachay.top\n",
            "urls.py": "from yachay.top import all\n",
        },
    )


def test_the_checker_finds_upward_imports_of_every_form_at_any_depth(house: Path) -> None:
    found = {(u.path, u.line, u.imported_app) for u in upward_imports(house, FAKE_FLOORS)}
    assert found == {
        ("shop/late.py", 3, "top"),  # inside a function
        ("shop/whole.py", 1, "top"),  # import x.y.z as t
        ("shop/name.py", 1, "top"),  # from yachay import top
        ("shop/relative.py", 1, "top"),  # from ..top import models
        ("shop/pkg/__init__.py", 1, "top"),  # relative, from a package's __init__
        ("core/typing.py", 3, "shop"),  # a type-only import counts too
    }


def test_the_checker_names_the_file_line_and_import(house: Path) -> None:
    late = next(u for u in upward_imports(house, FAKE_FLOORS) if u.path == "shop/late.py")
    assert str(late) == (
        "yachay/shop/late.py:3: shop imports top, a floor above it: from yachay.top.views import x"
    )


def test_the_checker_reports_an_app_without_a_floor(house: Path) -> None:
    build(house, {"newapp/models.py": "from yachay.top import all\n"})
    assert unplaced_apps(house, FAKE_FLOORS) == ["newapp"]
    assert unplaced_apps(house, (*FAKE_FLOORS, "newapp")) == []
