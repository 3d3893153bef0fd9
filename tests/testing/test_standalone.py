"""Releases, starting and options of a standalone fake server: only the releases it knows, a
failed start that leaves nothing behind, and ``python -m wkapi.testing`` without click."""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from wkapi.testing import FakeWebknossos, known_releases
from wkapi.testing._options import SERVE_OPTIONS, add_serve_arguments

REPO = Path(__file__).resolve().parents[2]


def test_known_releases() -> None:
    assert list(known_releases()) == ["23.08", "25.01"]
    assert FakeWebknossos().release == FakeWebknossos(release=None).release == "25.01"
    assert FakeWebknossos(release="23.08").release == "23.08"


@pytest.mark.parametrize("release", ["banana", "23.09", "25.01.0", ""])
def test_an_unknown_release_is_refused_naming_the_known_ones(release: str) -> None:
    with pytest.raises(ValueError, match=f"unknown release {release!r}") as caught:
        FakeWebknossos(release=release)
    assert "'23.08'" in str(caught.value)
    assert "'25.01'" in str(caught.value)


def test_a_release_that_is_no_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="release must be a string or None, not float") as caught:
        FakeWebknossos(release=23.08)  # type: ignore[arg-type]
    assert "'23.08'" in str(caught.value)


async def test_a_failed_start_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    async with FakeWebknossos(port=0) as first:
        port = int(first.url.rsplit(":", 1)[1])
        assert len(list(tmp_path.glob("wkapi-fake-*"))) == 1
        second = FakeWebknossos(port=port)
        with pytest.raises(OSError, match="address already in use"):
            await second.start()
        assert len(list(tmp_path.glob("wkapi-fake-*"))) == 1  # only the first one's
        await second.stop()  # harmless after a failed start
        with pytest.raises(RuntimeError, match="not running"):
            _ = second.url
    assert list(tmp_path.glob("wkapi-fake-*")) == []


def _parse(*argv: str) -> dict[str, object]:
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    return vars(parser.parse_args(argv))


def test_the_options_parse_into_the_servers_keywords() -> None:
    assert _parse() == {option.name: option.default for option in SERVE_OPTIONS}
    parsed = _parse(
        "--port", "0", "--release", "23.08", "--seed", "3", "--latency", "0.5",
        "--chunked-downloads", "--max-upload-bytes", "4096", "--host", "127.0.0.1",
    )  # fmt: skip
    server = FakeWebknossos(**parsed)  # type: ignore[arg-type]
    assert (server.release, server._ctx.latency, server._ctx.max_upload_bytes) == (
        "23.08",
        0.5,
        4096,
    )
    assert server._ctx.chunked_downloads is True


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"latency": -1}, "latency must be a finite number >= 0, not -1"),
        ({"latency": float("nan")}, "latency must be a finite number >= 0, not nan"),
        ({"latency": float("inf")}, "latency must be a finite number >= 0, not inf"),
        ({"max_upload_bytes": 0}, "max_upload_bytes must be an integer >= 1, not 0"),
        ({"port": 70000}, "port must be an integer from 0 to 65535, not 70000"),
        ({"port": -1}, "port must be an integer from 0 to 65535, not -1"),
    ],
)
def test_the_constructor_refuses_what_the_command_lines_refuse(
    keywords: dict[str, float], message: str
) -> None:
    """One check, in ``FakeWebknossos``, for every way of making a server: a value no command
    line takes is a ``ValueError`` naming the argument, not a server that hangs or refuses
    every upload."""
    with pytest.raises(ValueError, match=re.escape(message)):
        FakeWebknossos(**keywords)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"latency": "0.5"}, "latency must be a finite number >= 0, not '0.5'"),
        ({"port": 80.0}, "port must be an integer from 0 to 65535, not 80.0"),
        ({"port": True}, "port must be an integer from 0 to 65535, not True"),
        ({"max_upload_bytes": 1.5}, "max_upload_bytes must be an integer >= 1, not 1.5"),
    ],
)
def test_the_constructor_refuses_values_of_the_wrong_type(
    keywords: dict[str, object], message: str
) -> None:
    with pytest.raises(TypeError, match=re.escape(message)):
        FakeWebknossos(**keywords)  # type: ignore[arg-type]


def test_the_edges_of_the_ranges_are_accepted() -> None:
    server = FakeWebknossos(latency=0, max_upload_bytes=1, port=65535)
    assert (server._ctx.latency, server._ctx.max_upload_bytes) == (0, 1)


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "NaN", "infinity"])
def test_the_option_table_refuses_numbers_that_are_not_finite(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        _parse(f"--latency={text}")  # = for -inf, which would read as an option
    assert stopped.value.code == 2
    assert f"argument --latency: must be a finite number, got {text}" in capsys.readouterr().err


def _module(*args: str, block_click: bool = True) -> subprocess.CompletedProcess[str]:
    """``python -m wkapi.testing ARGS`` in a process where click cannot be imported."""
    code = (
        "import sys\n"
        + ("sys.modules['click'] = None\n" if block_click else "")
        + "from wkapi.testing.__main__ import main\n"
        + f"main({list(args)!r})\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO
    )


def test_python_m_wkapi_testing_needs_no_click_and_refuses_unknown_releases() -> None:
    helped = _module("--help")
    assert helped.returncode == 0, helped.stderr
    for option in SERVE_OPTIONS:
        assert option.flag in helped.stdout
    refused = _module("--release", "banana")
    assert refused.returncode == 2
    assert "invalid choice: 'banana'" in refused.stderr
    assert "'23.08'" in refused.stderr
    assert "'25.01'" in refused.stderr
    assert _module("--port", "70000").returncode == 2


def test_python_m_wkapi_testing_reports_a_busy_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "wkapi.testing", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
            env={**os.environ, "TMPDIR": str(tmp_path)},
        )
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: cannot serve on 127.0.0.1:{port}: ")
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "term"])
def test_python_m_wkapi_testing_stops_cleanly_on_ctrl_c_and_sigterm(
    tmp_path: Path, stop: signal.Signals
) -> None:
    """SIGTERM (``timeout``, ``docker stop``) stops it as Ctrl-C does, as ``wkapi fake-server``
    does: the temporary folder removed, exit status 0."""
    process = subprocess.Popen(
        [sys.executable, "-m", "wkapi.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert " serving at http://127.0.0.1:" in first, first
        assert len(list(tmp_path.glob("wkapi-fake-*"))) == 1
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert list(tmp_path.glob("wkapi-fake-*")) == []
