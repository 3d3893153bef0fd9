"""Nothing in the repository refers to a path outside it.

A user's clone has nothing beside it, so code, tests, benchmarks and CI scripts may read only
what the repository holds. The scanner flags, line by line:

- a chain of ``..`` steps that climbs out of the repository, resolved both against the
  file's own folder (as in a script's ``$(dirname "$0")`` or ``Path(__file__).parent``) and
  against the repository root (a path relative to the working directory). A lone ``..``, or
  one that continues a path built before it (after a ``/``), counts from the file's folder;
- a ``Path(__file__)`` chain of ``.parent`` / ``.parents[k]`` (and ``/ ".."``), or nested
  ``os.path.dirname(__file__)`` calls, that leaves the repository;
- an absolute path into a developer's machine (under ``/home``, ``/Users``, ``/root``,
  ``/work``, ``/mnt``, a Windows user folder); system paths (``/tmp``, ``/dev/null``,
  ``/proc``, ``/etc``, ``/usr/bin/env``) are fine;
- the reference material's folder (``shared`` then ``spec``, as one path or as separate
  strings joined by ``/`` or ``,``);
- a step up from the repository root or the working directory (a ``.parent`` of a name such
  as ``ROOT`` or ``REPO`` or of the current directory, or ``..`` joined to one);
- the user's home (``Path``'s ``home``, expanding a user, a string starting with a tilde).

A line that holds such a string on purpose, as hostile input that is never opened, ends with
the marker ``repo-paths: not a path``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
#: What is scanned: the folders the issue names, and the scripts at the root.
SCANNED = ("wkapi", "tests", "benchmarks", ".ci", "noxfile.py", "pyproject.toml")
SKIPPED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"}
MARKER = "repo-paths: not a path"

# Built from pieces so that this file does not flag itself.
_REFERENCE = re.compile("shared" + r"[\"'\s]*[/\\,][\"'\s/\\,]*" + "spec", re.IGNORECASE)
_STEP_UP = r"\s*(?:\.parent\b|\.parents\[\d+\]|[/,]\s*[\"']\.\.[\"'])"
# A name for the repository's root (ROOT, REPO, repo_root, ...) or the working directory.
_ROOT_UP = re.compile(
    r"(?:\b\w*(?:ROOT|REPO|REPOSITORY|root|repo)\b\)?|Path\.cwd\(\)|os\.getcwd\(\))"
    r"(?:\.resolve\(\)|\.absolute\(\))?" + _STEP_UP
)
_HOME = re.compile("Path" + r"\.home\(\)|" + "expanduser" + r"\(|(?<=[\"'])~[/\\]")
_PERSONAL = re.compile(
    r"(?<![\w.~:/\\-])"  # not inside a URL, a longer path or a name
    r"(?:/(?:home|Users|root|work|mnt|media|srv|scratch)/|[A-Za-z]:\\+(?:Users|home)\\)"
)
# A chain of ".." components, not part of "..." or of a longer name.
_CLIMB = re.compile(r"(?<![\w.])\.\.(?:[/\\]+\.\.)*(?![\w.])(?P<rest>[/\\]+[\w.~-]+)?")
# Characters that start a path of its own; after anything else ("x/..", "`..") the chain
# continues a path built before it and is resolved against the file's folder only.
_PATH_START = " \t\"'(=,[:"
_FILE_CHAIN = re.compile(
    r"Path\(\s*__file__\s*\)"
    r"(?P<chain>(?:\.resolve\(\)|\.absolute\(\)|\.parent\b|\.parents\[\d+\])*)"
    r"(?P<up>(?:\s*/\s*[\"']\.\.[\"'])*)"
)
_DIRNAME_CHAIN = re.compile(
    r"(?P<calls>(?:os\.path\.dirname\(\s*)+)(?:os\.path\.(?:abspath|realpath)\(\s*)?__file__"
)


def _stays_inside(base: PurePosixPath, levels: int, root: PurePosixPath) -> bool:
    """Whether going ``levels`` folders up from ``base`` stays inside ``root``."""
    depth = len(base.relative_to(root).parts)
    return levels <= depth


def _climbs(text: str) -> Iterator[tuple[int, bool]]:
    """For each ``..`` chain: how many levels it climbs, and whether it starts a path."""
    for match in _CLIMB.finditer(text):
        chain = match.group(0)[: match.start("rest") - match.start()] if match["rest"] else None
        levels = (chain or match.group(0)).count("..")
        before = text[match.start() - 1] if match.start() else " "
        named = match["rest"] is not None or levels > 1
        yield levels, named and before in _PATH_START


def _file_chain_levels(match: re.Match[str]) -> int:
    """Folders above the file's own that a ``Path(__file__)`` chain ends in (0: its folder)."""
    levels = -1  # Path(__file__) is the file itself
    for step in re.findall(r"\.parent\b|\.parents\[(\d+)\]", match["chain"]):
        levels += int(step) + 1 if step else 1
    levels += match["up"].count("..")
    return max(levels, -1)


def problems_in_text(text: str, path: PurePosixPath, root: PurePosixPath) -> list[str]:
    """What in ``text`` (the content of ``path``, inside ``root``) refers outside ``root``."""
    folder = path.parent
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if MARKER in line:
            continue
        where = f"{path.relative_to(root)}:{number}"
        if _REFERENCE.search(line):
            found.append(f"{where}: names the reference material outside the repository")
        if _PERSONAL.search(line):
            found.append(f"{where}: an absolute path into a developer's machine")
        if _ROOT_UP.search(line):
            found.append(f"{where}: a step up from the repository root or working directory")
        if _HOME.search(line):
            found.append(f"{where}: a path in the user's home")
        for levels, starts_a_path in _climbs(line):
            if not _stays_inside(folder, levels, root) or (
                starts_a_path and not _stays_inside(root, levels, root)
            ):
                found.append(f"{where}: a '..' path that climbs out of the repository")
                break
        for match in _FILE_CHAIN.finditer(line):
            levels = _file_chain_levels(match)
            if levels > 0 and not _stays_inside(folder, levels, root):
                found.append(f"{where}: a Path(__file__) chain that leaves the repository")
        for match in _DIRNAME_CHAIN.finditer(line):
            levels = match["calls"].count("dirname") - 1
            if not _stays_inside(folder, levels, root):
                found.append(f"{where}: an os.path.dirname(__file__) chain that leaves it")
    return found


def scanned_files(root: Path) -> Iterator[Path]:
    """The text files of the scanned folders and scripts."""
    for name in SCANNED:
        top = root / name
        candidates = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in candidates:
            if not path.is_file() or SKIPPED_DIRS.intersection(path.relative_to(root).parts):
                continue
            data = path.read_bytes()
            if b"\0" not in data:
                yield path


def problems_in_tree(root: Path) -> list[str]:
    base = PurePosixPath(root.as_posix())
    found = []
    for path in scanned_files(root):
        text = path.read_bytes().decode("utf-8", errors="replace")
        found += problems_in_text(text, PurePosixPath(path.as_posix()), base)
    return found


def test_nothing_in_the_repository_refers_outside_it() -> None:
    assert problems_in_tree(ROOT) == []


def test_the_scan_covers_the_folders() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in scanned_files(ROOT)}
    assert "wkapi/__init__.py" in names
    assert ".ci/run" in names
    assert "tests/resources/v5_routes.txt" in names or any(n.endswith(".txt") for n in names)
    assert any(n.startswith("benchmarks/") for n in names)
    assert not any("__pycache__" in n for n in names)


# -- the scanner itself, on planted files -------------------------------------------------------

# Planted lines, each with the file it sits in (relative to a fake root at depth 2 or 1).
_UP = ".."
_FILE = "Path(__" + "file__)"
_DIRNAME = "os.path.dirname("
BAD = [
    ("tests/resources/test_x.py", f'SPEC = {_FILE}.resolve().parents[2].parent / "x.md"'),
    ("tests/resources/test_x.py", f"SPEC = {_FILE}.parent.parent.parent.parent"),
    ("tests/resources/test_x.py", f'ROOT = {_FILE}.parents[1] / "{_UP}" / "{_UP}"'),
    ("tests/test_x.py", f"HERE = {_DIRNAME * 3}__file__)))"),
    ("tests/resources/test_x.py", f'open("{_UP}/{_UP}/{_UP}/{"shared"}/routes.md")'),
    ("tests/test_x.py", f'data = Path("{_UP}/other_checkout/data.csv")'),
    (".ci/run", f'cd "$(dirname "$0")/{_UP}/{_UP}"'),
    (".ci/run", f"source {_UP}/venv/bin/activate"),
    ("wkapi/_x.py", "# see " + "shared" + "/spec/webknossos-rest-api-v5.md"),
    ("tests/test_x.py", 'REF = "' + "/work" + '/shared/design.md"'),
    ("benchmarks/b.py", "OUT = " + repr("/home" + "/jdoe/bench-out")),
    ("benchmarks/b.py", "OUT = " + repr("/Users" + "/jdoe/bench-out")),
    ("tests/test_x.py", "X = " + repr("C:" + "\\Users\\jdoe\\x.csv")),
    ("tests/resources/test_x.py", "SPEC = ROOT" + '.parent / "data" / "v5.md"'),
    ("tests/resources/test_x.py", 'SPEC = HERE / "' + "shared" + '" / "spec" / "v5.md"'),
    ("tests/resources/test_x.py", "SPEC = os.path.join(ROOT" + f', "{_UP}", "data", "x.md")'),
    ("tests/resources/test_x.py", "SPEC = Path.cwd()" + '.parent / "other" / "x.md"'),
    ("tests/resources/test_x.py", 'NOTES = Path("' + "~" + '/notes.md").' + "expanduser" + "()"),
    ("tests/resources/test_x.py", "NOTES = Path." + "home() / 'notes.md'"),
    ("benchmarks/b.py", "OUT = REPO_ROOT" + ".parents[0] / 'out'"),
    ("tests/test_x.py", 'REF = ("' + "shared" + '", "spec")'),
]
GOOD = [
    ("tests/cli/conftest.py", f"REPO = {_FILE}.resolve().parents[2]"),
    ("benchmarks/b.py", f"sys.path.insert(0, str({_FILE}.resolve().parents[1]))"),
    ("tests/test_x.py", f"HERE = {_DIRNAME * 2}__file__))"),
    (".ci/run", f'cd "$(dirname "$0")/{_UP}"'),
    ("tests/x/test_y.py", f'("attachment; filename=x", "{_UP}/y.nml")  # {MARKER}'),
    ("tests/x/test_y.py", "tmp = Path('/tmp/x'); null = open('/dev/null')"),
    ("tests/x/test_y.py", 'status = Path("/proc/self/status"); bad = "/etc/passwd"'),
    ("tests/x/test_y.py", 'await wk.get("/users/:id"); url = "http://h/home/x"'),
    ("wkapi/_x.py", f"Compared as absolute paths: every relative path, ``{_UP}/x`` included"),
    ("wkapi/_x.py", f'# no "." or "{_UP}": drop leading dots'),
    ("wkapi/_x.py", ".. code-block:: python"),
    ("wkapi/_x.py", "more = ...; text = 'wait...'"),
    ("tests/x/test_y.py", "#!/usr/bin/env bash"),
    ("tests/x/test_y.py", 'DATA = ROOT / "tests" / "resources"; saved.parent.mkdir()'),
    ("benchmarks/b.py", "print_table(rows, str(workdir.parent)); root.mkdir()"),
    ("tests/x/test_y.py", "shared_spec = spec_shared = 'shared memory spec'"),
]


@pytest.mark.parametrize(("name", "line"), BAD)
def test_the_scanner_flags_a_planted_reference_outside(
    tmp_path: Path, name: str, line: str
) -> None:
    root = tmp_path / "repo"
    (root / name).parent.mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    (root / name).write_text(f"ok = 1\n{line}\n")
    problems = problems_in_tree(root)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{name}:2: ")


@pytest.mark.parametrize(("name", "line"), GOOD)
def test_the_scanner_leaves_legitimate_paths_alone(tmp_path: Path, name: str, line: str) -> None:
    root = tmp_path / "repo"
    (root / name).parent.mkdir(parents=True)
    (root / name).write_text(f"{line}\n")
    assert problems_in_tree(root) == []
