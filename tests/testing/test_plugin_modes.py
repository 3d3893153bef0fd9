"""The pytest plugin in a user's project: each async test plugin and mode the README names runs
the fixtures, and a project without pytest-asyncio is left alone.

Each case is a real ``pytest`` run in a temporary project of its own (a subprocess of this
virtual environment, where wkapi's plugin is loaded through its ``pytest11`` entry point).
pytest-asyncio's absence is simulated by a package of that name in the project that fails to
import, and by not loading its plugin. (``.ci/run`` also proves it in a virtual environment
that never had it.)
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

# The user's tests: the three fixtures, then (run after it, in file order) a check that the
# client fixture was closed at teardown.
USER_TESTS = """
    import pytest

    CLIENTS = []

    {marker}
    async def test_the_fixtures(fake_wk, fake_wk_factory, wk):
        me = await wk.users.current()
        assert me.id == fake_wk.user_ids["admin"]
        old = await fake_wk_factory(release="23.08")
        assert old.release == "23.08"
        assert old.url != fake_wk.url
        CLIENTS.append(wk)


    def test_the_client_fixture_was_closed():
        (client,) = CLIENTS
        assert client._session._http is None
"""

ANYIO_CONFTEST = """
    import pytest

    @pytest.fixture
    def anyio_backend():
        return "asyncio"
"""

# Stands in for pytest-asyncio in a project that lacks it: first on sys.path (the project's
# folder, for ``python -c``), so importing pytest_asyncio fails as in an environment without
# it. Its entry point is not loaded either (``-p no:asyncio``).
ABSENT_PACKAGE = """
    raise ModuleNotFoundError("No module named 'pytest_asyncio'", name="pytest_asyncio")
"""
WITHOUT_PYTEST_ASYNCIO = ("-p", "no:asyncio")


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    options = ["-q", "-p", "no:cacheprovider", "-o", "timeout=60", *args]
    return subprocess.run(
        [sys.executable, "-c", "import sys, pytest; sys.exit(pytest.main(sys.argv[1:]))", *options],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def make_project(root: Path, ini: str, files: dict[str, str], *, asyncio: bool = True) -> Path:
    root.mkdir()
    (root / "pytest.ini").write_text(textwrap.dedent(ini))
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    if not asyncio:
        (root / "pytest_asyncio").mkdir()
        (root / "pytest_asyncio" / "__init__.py").write_text(textwrap.dedent(ABSENT_PACKAGE))
    return root


def assert_passed(done: subprocess.CompletedProcess[str], count: int) -> None:
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert f"{count} passed" in done.stdout, output
    assert "error" not in done.stdout.lower(), output


@pytest.mark.parametrize(
    ("ini", "marker"),
    [
        pytest.param("[pytest]\nasyncio_mode = auto\n", "", id="auto-mode"),
        pytest.param("[pytest]\n", "@pytest.mark.asyncio", id="strict-mode"),
        pytest.param("[pytest]\nasyncio_mode = strict\n", "@pytest.mark.asyncio", id="strict-set"),
    ],
)
def test_pytest_asyncio_runs_the_fixtures(tmp_path: Path, ini: str, marker: str) -> None:
    project = make_project(
        tmp_path / "project", ini, {"test_user.py": USER_TESTS.format(marker=marker)}
    )
    assert_passed(run_pytest(project), 2)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param((), id="with-pytest-asyncio-strict"),
        # anyio's plugin registered before pytest-asyncio's: the order in which pytest-asyncio
        # would take the fixtures onto a loop of its own, where the server never answers.
        pytest.param(("-p", "anyio"), id="with-pytest-asyncio-strict-anyio-first"),
        pytest.param(WITHOUT_PYTEST_ASYNCIO, id="without-pytest-asyncio"),
    ],
)
def test_anyio_runs_the_fixtures(tmp_path: Path, options: tuple[str, ...]) -> None:
    files = {
        "conftest.py": ANYIO_CONFTEST,
        "test_user.py": USER_TESTS.format(marker="@pytest.mark.anyio"),
    }
    asyncio = options != WITHOUT_PYTEST_ASYNCIO
    project = make_project(tmp_path / "project", "[pytest]\n", files, asyncio=asyncio)
    assert_passed(run_pytest(project, *options), 2)


def test_a_project_without_pytest_asyncio_is_left_alone(tmp_path: Path) -> None:
    # The plugin is loaded (through the entry point) and changes nothing for plain tests.
    conftest = """
        import sys

        def pytest_configure(config):
            assert config.pluginmanager.has_plugin("wkapi")
            assert not config.pluginmanager.has_plugin("asyncio")

        def pytest_unconfigure(config):
            assert "pytest_asyncio" not in sys.modules
    """
    test = """
        def test_arithmetic():
            assert 1 + 1 == 2
    """
    files = {"conftest.py": conftest, "test_plain.py": test}
    project = make_project(tmp_path / "project", "[pytest]\n", files, asyncio=False)
    done = run_pytest(project, *WITHOUT_PYTEST_ASYNCIO, "-W", "error")
    assert_passed(done, 1)
    assert "wkapi" not in done.stdout + done.stderr


def test_a_fixture_wrapped_by_an_older_pytest_asyncio_is_still_handed_to_anyio() -> None:
    """pytest-asyncio before 1.1 swaps a marked fixture's function for a ``functools.wraps``
    wrapper when it collects; the plugin must still recognise its own fixtures (``.ci/run``
    runs them under pytest-asyncio 0.24 and anyio) and never take a user's of the same name."""
    pytest.importorskip("pytest_asyncio")
    from wkapi.testing import pytest_plugin

    registered = pytest_plugin._UNMARKED["fake_wk"][0]

    @functools.wraps(registered)
    def wrapper(*args: object, **kwargs: object) -> object:
        return registered(*args, **kwargs)

    def users_own_fake_wk() -> None:
        """A user's fixture that happens to be named fake_wk."""

    assert pytest_plugin._is_ours(SimpleNamespace(argname="fake_wk", func=registered))
    assert pytest_plugin._is_ours(SimpleNamespace(argname="fake_wk", func=wrapper))
    assert not pytest_plugin._is_ours(SimpleNamespace(argname="fake_wk", func=users_own_fake_wk))
    assert not pytest_plugin._is_ours(SimpleNamespace(argname="my_server", func=wrapper))


def test_loading_the_plugin_loads_neither_the_client_nor_the_server() -> None:
    """Every pytest run of every project with wkapi installed loads the plugin: it must cost
    milliseconds, not the client's and aiohttp's import (about a third of a second)."""
    probe = (
        "import sys, wkapi.testing.pytest_plugin; "
        "print(sorted(m for m in sys.modules "
        "if m == 'aiohttp' or m.startswith(('wkapi._client', 'wkapi.testing._server'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
