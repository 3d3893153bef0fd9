"""The test suite's layout: every folder a package, fixtures only in ``conftest.py``, and no
module importing a conftest or a test module.

A fixture defined in a test module is visible to that module alone, and one imported from a
conftest or from another test module runs that module's code twice (once as pytest loads it, once
on import) and makes the tests in it look like they belong to the importer. So what two modules
share lives in their folder's ``helpers.py`` (plain code) or ``conftest.py`` (fixtures).

The scan reads each file's syntax tree, so a fixture written inside a string (a pytester
source, a docstring) is not counted.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
SKIPPED_DIRS = {"__pycache__", ".pytest_cache", ".hypothesis"}
#: The decorators that make a fixture, by the full dotted name they resolve to.
FIXTURE_DECORATORS = {"pytest.fixture", "pytest_asyncio.fixture"}


def suite_files(root: Path) -> Iterator[Path]:
    """The Python files under ``root / "tests"``."""
    for path in sorted((root / "tests").rglob("*.py")):
        if not SKIPPED_DIRS.intersection(path.relative_to(root).parts):
            yield path


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> the full dotted name it was imported as."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """The full dotted name of ``pytest.fixture``, ``fixture(scope=...)`` and the like."""
    if isinstance(node, ast.Call):
        node = node.func
    attributes = []
    while isinstance(node, ast.Attribute):
        attributes.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([aliases.get(node.id, node.id), *reversed(attributes)])


def fixtures_defined(tree: ast.Module) -> list[tuple[int, str]]:
    """Line and name of each function decorated as a fixture."""
    aliases = _aliases(tree)
    return [
        (node.lineno, node.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(_dotted(d, aliases) in FIXTURE_DECORATORS for d in node.decorator_list)
    ]


def _is_forbidden(module: str, root: Path) -> bool:
    """Whether ``module`` is a conftest or test module of the repository (not, say, a
    library's ``aiohttp.test_utils``)."""
    last = module.rsplit(".", 1)[-1]
    path = root.joinpath(*module.split("."))
    in_repository = path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()
    return (last == "conftest" or last.startswith("test_")) and in_repository


def forbidden_imports(tree: ast.Module, package: list[str], root: Path) -> list[tuple[int, str]]:
    """Line and name of each conftest or test module imported by a module of ``package``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if _is_forbidden(a.name, root)]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            if _is_forbidden(source, root):
                found.append((node.lineno, source))
                continue
            for alias in node.names:  # `from tests.x import test_y`: a module, not a name
                imported = f"{source}.{alias.name}"
                if _is_forbidden(imported, root):
                    found.append((node.lineno, imported))
    return found


def problems_in_tree(root: Path) -> list[str]:
    found = []
    for path in suite_files(root):
        where = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=where)
        if path.name != "conftest.py":
            for line, name in fixtures_defined(tree):
                found.append(f"{where}:{line}: fixture {name!r} outside conftest.py")
        for line, name in forbidden_imports(tree, list(path.parent.relative_to(root).parts), root):
            found.append(f"{where}:{line}: imports {name}")
    for folder in sorted({p.parent for p in suite_files(root)}):
        if not (folder / "__init__.py").is_file():
            found.append(f"{folder.relative_to(root).as_posix()}: not a package (no __init__.py)")
    return found


def test_fixtures_live_in_conftest_and_no_module_imports_a_conftest_or_a_test() -> None:
    assert problems_in_tree(ROOT) == []


def test_the_scan_covers_the_suite() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in suite_files(ROOT)}
    assert {"tests/conftest.py", "tests/test_layout.py", "tests/cli/conftest.py"} <= names
    assert not any("__pycache__" in n for n in names)


# -- the scanner itself, on planted files -------------------------------------------------------

BAD = [
    ("tests/x/test_a.py", "import pytest\n@pytest.fixture\ndef f(): pass"),
    ("tests/x/test_a.py", "import pytest\n@pytest.fixture(scope='module')\nasync def f(): pass"),
    ("tests/x/helpers.py", "import pytest_asyncio\n@pytest_asyncio.fixture\nasync def f(): pass"),
    ("tests/x/test_a.py", "from pytest import fixture\n@fixture\ndef f(): pass"),
    ("tests/x/test_a.py", "import pytest as pt\n@pt.fixture()\ndef f(): pass"),
    ("tests/x/test_a.py", "from tests.x.conftest import SOMETHING"),
    ("tests/x/test_a.py", "from .conftest import SOMETHING"),
    ("tests/x/test_a.py", "from . import conftest"),
    ("tests/x/test_a.py", "import tests.x.conftest"),
    ("tests/x/test_a.py", "from tests.x.test_b import SHARED"),
    ("tests/y/test_a.py", "from ..x.test_b import SHARED"),
    ("tests/x/helpers.py", "from tests.x import test_b"),
    ("tests/x/test_a.py", "import tests.x.test_b as other"),
]
GOOD = [
    ("tests/x/conftest.py", "import pytest\n@pytest.fixture\ndef f(): pass"),
    ("tests/x/conftest.py", "from tests.x.helpers import SHARED"),
    ("tests/x/test_a.py", "SOURCE = '''\nimport pytest\n@pytest.fixture\ndef f(): pass\n'''"),
    ("tests/x/test_a.py", "import pytest\n@pytest.mark.parametrize('a', [1])\ndef test_f(a): pass"),
    ("tests/x/test_a.py", "from tests.x.helpers import test_data_for, SHARED"),
    ("tests/x/test_a.py", "from . import helpers"),
    ("tests/x/test_a.py", "from aiohttp.test_utils import TestServer\nimport aiohttp.test_utils"),
]


def _plant(root: Path, name: str, source: str) -> None:
    for folder in ("tests", "tests/x", "tests/y"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "__init__.py").write_text("")
    for existing in ("tests/x/conftest.py", "tests/x/test_b.py", "tests/x/helpers.py"):
        (root / existing).write_text("SHARED = SOMETHING = 1\n")
    (root / name).write_text(f"{source}\n")


@pytest.mark.parametrize(("name", "source"), BAD)
def test_the_scan_flags_a_planted_fixture_or_import(tmp_path: Path, name: str, source: str) -> None:
    _plant(tmp_path, name, source)
    problems = problems_in_tree(tmp_path)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{name}:")


@pytest.mark.parametrize(("name", "source"), GOOD)
def test_the_scan_leaves_legitimate_code_alone(tmp_path: Path, name: str, source: str) -> None:
    _plant(tmp_path, name, source)
    assert problems_in_tree(tmp_path) == []


def test_the_scan_flags_a_folder_that_is_not_a_package(tmp_path: Path) -> None:
    _plant(tmp_path, "tests/x/test_a.py", "A = 1")
    (tmp_path / "tests/z").mkdir()
    (tmp_path / "tests/z/test_c.py").write_text("C = 1\n")
    assert problems_in_tree(tmp_path) == ["tests/z: not a package (no __init__.py)"]
