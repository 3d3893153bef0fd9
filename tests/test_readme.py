"""The README's code runs as written.

Every ```python block is a complete program: it runs in a subprocess, in a fresh working folder
holding the input files the README names (``a.nml``, ``b.zip``, ``cell1.nml``, ``cell2.nml``,
``tasks.csv``), against a fake server whose URL and admin token come from ``WK_URL`` and
``WK_TOKEN``, and nothing else. It must exit 0 with nothing on stderr: no traceback, no warning
logged or raised. A block holding pytest tests runs under pytest (with pytest-asyncio in its
default mode, as a user who pastes it gets) and all its tests must pass.

The ```sh blocks name commands: each ``wkapi`` command and option named must exist, as must
the extras, nox sessions and scripts. The first ```sh block (the set-up commands) is what
``.ci/run`` runs, from a fresh clone.

A block that cannot run would be fenced ```python no-run and listed in :data:`NOT_RUN` with
the reason; there are none.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import TASK_ROWS, Stage
from wkapi.cli import cli
from wkapi.testing import FakeWebknossos

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
README = ROOT / "README.md"

#: Blocks fenced ```python no-run, by their first line, and why each cannot run.
NOT_RUN: dict[str, str] = {}


@dataclass(frozen=True)
class Block:
    language: str
    info: str  # what follows the language on the fence line
    code: str
    line: int  # of the opening fence
    heading: str  # the section it is in

    @property
    def name(self) -> str:
        return f"README.md:{self.line} ({self.heading})"


def readme_blocks() -> list[Block]:
    blocks = []
    heading = ""
    fence: tuple[str, str, int] | None = None
    lines: list[str] = []
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        if fence is None:
            if line.startswith("#"):
                heading = line.lstrip("#").strip()
            elif line.startswith("```"):
                language, _, info = line[3:].strip().partition(" ")
                fence, lines = (language, info.strip(), number), []
        elif line.startswith("```"):
            blocks.append(Block(fence[0], fence[1], "\n".join(lines) + "\n", fence[2], heading))
            fence = None
        else:
            lines.append(line)
    assert fence is None, f"README.md:{fence[2]}: a code block is not closed"
    return blocks


BLOCKS = readme_blocks()
PYTHON = [b for b in BLOCKS if b.language == "python" and "no-run" not in b.info.split()]
SHELL = [b for b in BLOCKS if b.language == "sh"]


def test_every_python_block_runs_or_says_why_not() -> None:
    python = [b for b in BLOCKS if b.language == "python"]
    not_run = {b.code.splitlines()[0]: b.name for b in python if b not in PYTHON}
    assert sorted(not_run) == sorted(NOT_RUN), f"blocks fenced no-run: {not_run}"
    assert len(PYTHON) >= 8
    assert {b.language for b in BLOCKS} <= {"python", "sh"}


# -- the Python blocks -------------------------------------------------------------------------


def block_environment(server: FakeWebknossos) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WK_", "PYTEST_"))}
    env.update(WK_URL=server.url, WK_TOKEN=server.tokens["admin"])
    return env


async def run_block(block: Block, stage: Stage) -> tuple[int, str, str]:
    if "def test_" in block.code:
        script = stage.work / "test_readme_example.py"
        command = ["-m", "pytest", "-q", "-p", "no:cacheprovider", script.name]
    else:
        script = stage.work.parent / "readme_block.py"
        command = ["-W", "default", str(script)]
    script.write_text(block.code, encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *command,
        cwd=stage.work,
        env=block_environment(stage.server),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def exported(stage: Stage) -> None:
    lines = (stage.work / "out" / "manifest.jsonl").read_text().splitlines()
    assert len(lines) >= 4  # three finished task annotations and the compound ZIP
    assert all('"status":"ok"' in line.replace(" ", "") for line in lines), lines


def downloaded(stage: Stage) -> None:
    assert [p.name for p in (stage.work / "exports").iterdir()] == ["axon_tracing.nml"]


def created_tasks(stage: Stage) -> None:
    assert stage.project_tasks() == 3 + TASK_ROWS


def created_from_files(stage: Stage) -> None:
    assert stage.project_tasks() == 3 + 2


#: What a block leaves behind, for the blocks whose code holds the key.
EFFECTS: dict[str, Callable[[Stage], None]] = {
    'to="exports/"': downloaded,
    'load_task_specs("tasks.csv")': created_tasks,
    '["cell1.nml", "cell2.nml"]': created_from_files,
    'wk.export.annotations("out/"': exported,
}


def block_ids(blocks: list[Block]) -> list[str]:
    """``<section>-<n>``: the section's heading as a slug, numbered within the section."""
    ids: list[str] = []
    for block in blocks:
        slug = re.sub(r"[^a-z0-9]+", "-", block.heading.lower()).strip("-")
        ids.append(f"{slug}-{sum(i.rsplit('-', 1)[0] == slug for i in ids) + 1}")
    return ids


@pytest.mark.parametrize("block", PYTHON, ids=block_ids(PYTHON))
async def test_python_block_runs_as_written(block: Block, readme_stage: Stage) -> None:
    stage = readme_stage
    status, out, err = await run_block(block, stage)
    assert status == 0, f"{block.name} failed:\n{out}\n{err}"
    if "def test_" in block.code:
        tests = len(re.findall(r"^async def test_|^def test_", block.code, re.MULTILINE))
        assert f"{tests} passed" in out, out
    else:
        assert err == "", f"{block.name} wrote to stderr (a warning or a log line):\n{err}"
        assert out.strip(), f"{block.name} printed nothing"
    for key, effect in EFFECTS.items():
        if key in block.code:
            effect(stage)


def test_every_effect_names_a_block() -> None:
    for key in EFFECTS:
        assert any(key in b.code for b in PYTHON), f"no README block holds {key!r}"


# -- the shell blocks --------------------------------------------------------------------------


def set_up_commands() -> list[str]:
    """The README's set-up commands: the first two command lines of its first ```sh block
    (what ``.ci/run`` runs)."""
    lines = [line for line in SHELL[0].code.splitlines() if line.strip()]
    return lines[:2]


def test_the_set_up_commands_install_and_test() -> None:
    demo, tests = set_up_commands()
    assert demo.endswith("wkapi demo")
    assert '".[cli]"' in demo
    assert tests.endswith("python -m pytest")
    assert '".[test]"' in tests


def command_lines() -> list[str]:
    """Every command of the ```sh blocks after the set-up block, comments dropped."""
    lines = []
    for block in SHELL[1:]:
        for line in block.code.splitlines():
            command = line.split(" #", 1)[0].strip()
            if command:
                lines.append(command)
    return lines


def check_wkapi_command(words: list[str]) -> None:
    path = []
    for word in words:
        if not re.fullmatch(r"[a-z][a-z-]*", word):
            break
        path.append(word)
    options = [w.split("=", 1)[0] for w in words if w.startswith("-")]
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="wkapi")
    assert result.exit_code == 0, f"wkapi {' '.join(path)}: {result.output}"
    for option in options:
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", result.output), (
            f"wkapi {' '.join(path)} has no option {option}"
        )


def check_command(line: str) -> None:
    words = shlex.split(line)
    extras = set(metadata.metadata("wkapi").get_all("Provides-Extra") or [])
    noxfile = (ROOT / "noxfile.py").read_text()
    if words[0] == "wkapi":
        check_wkapi_command(words[1:])
    elif words[0] == "export":
        assert all(re.fullmatch(r"WK_[A-Z_]+=.*", w) for w in words[1:]), line
    elif words[:2] == ["pip", "install"] or words[:4] == ["python", "-m", "pip", "install"]:
        (spec,) = (w for w in words if w.startswith(".["))
        assert set(spec[2:-1].split(",")) <= extras, f"{line}: extras are {sorted(extras)}"
    elif words[0] == "nox":
        for session in words[words.index("-s") + 1 :] if "-s" in words else []:
            assert f"def {session}(" in noxfile, f"{line}: no nox session {session}"
    elif words[0].startswith(".ci/"):
        script = ROOT / words[0]
        assert script.is_file(), f"{line}: no such script"
        assert os.access(script, os.X_OK), f"{line}: not executable"
    else:
        pytest.fail(f"the README names a command this test does not know: {line!r}")


def test_the_command_lines_name_what_exists() -> None:
    lines = command_lines()
    assert any(line.startswith("wkapi export") for line in lines)
    for line in lines:
        check_command(line)
