"""``wkapi fake-server`` and ``wkapi demo`` as subprocesses, and the ``wkapi`` console script."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.cli.helpers import REPO, cli_env, run_cli


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "term"])
def test_fake_server_serves_until_stopped(stop: signal.Signals) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "wkapi.cli", "fake-server", "--port", "0", "--release", "23.08"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
        cwd=REPO,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Fake WEBKNOSSOS 23.08 serving at http://127.0.0.1:"), first
        url = first.split(" at ")[1].strip()
        token_lines = [process.stdout.readline() for _ in range(6)]
        assert any(line.strip().startswith("admin") for line in token_lines)
        with urllib.request.urlopen(f"{url}/api/buildinfo", timeout=10) as answer:
            info = json.loads(answer.read())
        assert info["webknossos"]["version"] == "23.08"
        process.send_signal(stop)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_fake_server_reports_a_busy_port(tmp_path: Path) -> None:
    env = cli_env(TMPDIR=str(tmp_path))
    first = subprocess.Popen(
        [sys.executable, "-m", "wkapi.cli", "fake-server", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        assert first.stdout is not None
        port = first.stdout.readline().rsplit(":", 1)[1].strip()
        assert len(list(tmp_path.glob("wkapi-fake-*"))) == 1
        second = run_cli("fake-server", "--port", port, env=env, timeout=30)
        assert second.returncode == 1
        assert second.stderr.startswith(f"error: cannot serve on 127.0.0.1:{port}")
        assert len(list(tmp_path.glob("wkapi-fake-*"))) == 1  # the failed one left nothing
    finally:
        first.terminate()
        first.wait(timeout=20)
    assert list(tmp_path.glob("wkapi-fake-*")) == []


def test_fake_server_refuses_an_unknown_release() -> None:
    result = run_cli("fake-server", "--release", "banana", "--port", "0", timeout=30)
    assert result.returncode == 2
    assert "'banana' is not one of '23.08', '25.01'" in result.stderr


@pytest.mark.parametrize("text", ["nan", "inf"])
def test_fake_server_refuses_a_latency_that_is_not_finite(text: str) -> None:
    """``inf`` would hang every request, ``nan`` makes no sense: both are usage errors, as for
    ``python -m wkapi.testing``."""
    result = run_cli("fake-server", "--latency", text, "--port", "0", timeout=30)
    assert result.returncode == 2, result.stderr
    assert "Invalid value for '--latency'" in result.stderr
    assert f"must be a finite number, got {text}" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("demo", "--latency", "nan"),
        ("demo", "--finish", "nan"),
        ("tasks", "create", "tasks.csv", "--give-up-after", "nan"),
        ("export", "--user", "5b1e45faa000009d00abc003", "--give-up-after", "inf"),
    ],
)
def test_every_number_option_refuses_what_is_not_finite(args: tuple[str, ...]) -> None:
    """click's FloatRange lets ``nan`` through (its comparisons are false); a usage error,
    never a traceback from deeper down."""
    result = run_cli(*args, timeout=30)
    assert result.returncode == 2, result.stderr
    assert "is not a finite number" in result.stderr
    assert "Traceback" not in result.stderr


def test_fake_server_takes_the_options_of_python_m_wkapi_testing() -> None:
    """Both read one option table: the same flags, defaults and choices."""
    from wkapi.cli._cmd_server import fake_server
    from wkapi.testing._options import SERVE_OPTIONS

    params = {param.name: param for param in fake_server.params}
    for option in SERVE_OPTIONS:
        param = params[option.name]
        assert param.opts == [option.flag]
        assert param.default == option.default
    served = {name for name in params if name not in ("as_json", "quiet", "verbose")}
    assert served == {option.name for option in SERVE_OPTIONS}


def test_demo_json(tmp_path: Path) -> None:
    result = run_cli(
        "demo", "--tasks", "40", "--finish", "0.5", "--out", str(tmp_path), "--json", timeout=120
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True
    stages = {stage["stage"]: stage for stage in data["stages"]}
    assert list(stages) == [
        "create project",
        "create tasks",
        "annotate (simulated)",
        "export",
        "upload one back",
        "verify round trip",
    ]
    assert all(stage["ok"] for stage in stages.values())
    assert stages["create tasks"]["items"] == 40
    assert stages["export"]["items"] == 40
    assert stages["export"]["bytes"] > 0
    # compared by content (a server writes a new file), saying what was compared
    detail = stages["verify round trip"]["detail"]
    assert detail.startswith("same content: "), detail
    assert re.fullmatch(r"same content: \d+ trees, \d+ nodes, \d+ edges, .*", detail), detail
    assert len(list(tmp_path.glob("Task/*/*.nml"))) == 40
    assert (tmp_path / "manifest.jsonl").is_file()


def test_demo_human_defaults() -> None:
    result = run_cli("demo", timeout=120)
    assert result.returncode == 0, result.stderr
    for stage in ("create tasks", "export", "upload one back", "verify round trip"):
        assert stage in result.stdout
    assert "200 tasks" in result.stdout
    assert "200 annotations" in result.stdout
    assert " NO " not in result.stdout
    assert "fake WEBKNOSSOS" in result.stderr


def test_console_script() -> None:
    script = Path(sys.executable).with_name("wkapi")
    found = str(script) if script.exists() else shutil.which("wkapi")
    if found is None:
        pytest.skip("the wkapi console script is not installed (pip install -e .[cli])")
    result = subprocess.run(
        [found, "--version"], capture_output=True, text=True, env=cli_env(), timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("wkapi, version ")
