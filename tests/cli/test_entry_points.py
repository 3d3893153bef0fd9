"""The ways to start the command line: the installed ``wkapi`` script, ``python -m wkapi`` and
``python -m wkapi.cli``; and what each says when the ``cli`` extra is not installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wkapi.cli import MISSING_EXTRA

SCRIPT = shutil.which("wkapi", path=str(Path(sys.executable).parent))
ENTRY_POINTS = {
    "script": [str(SCRIPT)],
    "python -m wkapi": [sys.executable, "-m", "wkapi"],
    "python -m wkapi.cli": [sys.executable, "-m", "wkapi.cli"],
}

# Stands in for a missing package: found first on sys.path (through PYTHONPATH), so importing
# it fails as in an environment without it.
ABSENT = 'raise ModuleNotFoundError("No module named {name!r}", name={name!r})\n'


def run(
    command: list[str], *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    if env is None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WK_")}
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def without_packages(folder: Path, *names: str) -> dict[str, str]:
    """An environment in which importing ``names`` fails as if they were not installed."""
    for name in names:
        (folder / name).mkdir()
        (folder / name / "__init__.py").write_text(ABSENT.format(name=name))
    env = {k: v for k, v in os.environ.items() if not k.startswith("WK_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH")]))
    return env


def test_the_script_is_installed() -> None:
    assert SCRIPT is not None, f"no wkapi script beside {sys.executable}"


def assert_one_line_hint(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr == MISSING_EXTRA + "\n"
    assert 'pip install "wkapi[cli]"' in done.stderr


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
@pytest.mark.parametrize("missing", [("click", "rich"), ("click",), ("rich",)])
def test_without_the_extra_one_line_says_how_to_install_it(
    tmp_path: Path, entry: str, missing: tuple[str, ...]
) -> None:
    env = without_packages(tmp_path, *missing)
    assert_one_line_hint(run(ENTRY_POINTS[entry], "--help", env=env))


@pytest.mark.parametrize("args", [(), ("demo",), ("info", "--url", "http://127.0.0.1:9")])
def test_without_the_extra_every_command_gets_the_hint(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    env = without_packages(tmp_path, "click", "rich")
    assert_one_line_hint(run(ENTRY_POINTS["script"], *args, env=env))


def test_the_library_works_without_the_extra(tmp_path: Path) -> None:
    code = "import wkapi, wkapi.testing, wkapi.jobs; print(wkapi.Client('http://127.0.0.1:9'))"
    done = run([sys.executable, "-c", code], env=without_packages(tmp_path, "click", "rich"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Client(")


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("tasks", "create", "--help")])
def test_python_dash_m_wkapi_is_the_wkapi_command(args: tuple[str, ...]) -> None:
    script = run(ENTRY_POINTS["script"], *args)
    module = run(ENTRY_POINTS["python -m wkapi"], *args)
    assert script.returncode == module.returncode == 0, script.stderr + module.stderr
    assert module.stdout == script.stdout
    assert module.stdout.strip()


def test_python_dash_m_wkapi_passes_failures_on() -> None:
    # A usage error: the same status and message as the script's.
    script = run(ENTRY_POINTS["script"], "no-such-command")
    module = run(ENTRY_POINTS["python -m wkapi"], "no-such-command")
    assert script.returncode == module.returncode == 2
    assert module.stderr == script.stderr
    assert "no-such-command" in module.stderr
