"""Opening and closing: a sync client's loop thread lives from construction to close; a closed
client raises ClientClosedError; close cancels calls still running (cleanly); a client nobody
closed neither leaks its thread nor keeps the interpreter from exiting."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import ThreadedServer
from tests.sync.helpers import DOWNLOADS, ServerFactory, SyncFactory
from wkapi import ClientClosedError, ConfigurationError, SyncClient, WebknossosError
from wkapi.testing import FaultKind

REPO = Path(__file__).resolve().parents[2]


def _wait_for_thread_count(expected: int, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while threading.active_count() != expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return threading.active_count()


def test_close_stops_the_loop_thread(server: ThreadedServer) -> None:
    before = threading.active_count()
    wk = SyncClient(server.url, server.tokens["admin"])
    thread = wk._portal.thread
    assert thread.is_alive()
    assert thread.daemon is False
    wk.users.current()
    list(wk.users.annotations(server.server.user_ids["user"], page_size=2))
    wk.close()
    assert not thread.is_alive()
    assert _wait_for_thread_count(before) == before
    wk.close()  # closing twice is harmless


def test_a_closed_client_raises_client_closed_error(server: ThreadedServer, tmp_path: Path) -> None:
    with SyncClient(server.url, server.tokens["admin"]) as wk:
        annotation = next(iter(wk.users.annotations(server.server.user_ids["user"])))
        pager = wk.users.annotations(server.server.user_ids["user"])
    server.server.clear_requests()
    calls = [
        wk.users.current,
        wk.build_info,
        lambda: wk.annotations.download(annotation.typ, annotation.id, to=tmp_path),
        lambda: wk.users.annotations(server.server.user_ids["user"]),
        lambda: list(pager),
        pager.total,
        lambda: wk.annotations.stream(annotation.typ, annotation.id).__enter__(),
        lambda: wk.__enter__(),
    ]
    for call in calls:
        with pytest.raises(ClientClosedError, match="client is closed"):
            call()
    assert issubclass(ClientClosedError, WebknossosError)
    assert server.server.requests == []  # nothing was sent
    assert list(tmp_path.iterdir()) == []


def test_bad_settings_start_no_thread() -> None:
    before = threading.active_count()
    with pytest.raises(ConfigurationError):
        SyncClient("not a url")
    with pytest.raises(ConfigurationError):
        SyncClient.from_env({})  # no WK_URL
    assert threading.active_count() == before


def test_from_env_reads_the_environment(server: ThreadedServer) -> None:
    environ = {"WK_URL": server.url, "WK_TOKEN": server.tokens["user"]}
    with SyncClient.from_env(environ, check_version=False) as wk:
        assert isinstance(wk, SyncClient)
        assert wk.url == server.url
        assert wk.config.check_version is False
        assert wk.users.current().id == server.server.user_ids["user"]
        assert repr(wk) == f"SyncClient(url={server.url!r}, api_version=5, token=***)"


def test_close_cancels_a_running_download_cleanly(
    threaded: ServerFactory, connect: SyncFactory, tmp_path: Path
) -> None:
    server = threaded()
    annotation_id = server.call(server.server.add_synthetic_annotation, 32 << 20, "zip")
    server.call(
        server.server.faults.add, FaultKind.SLOW_BODY, path=DOWNLOADS, delay=0.05, piece_size=65536
    )
    wk = connect(server)
    flowing = threading.Event()
    errors: list[BaseException] = []

    def download() -> None:
        try:
            wk.annotations.download(
                "Explorational", annotation_id, to=tmp_path, progress=lambda *_: flowing.set()
            )
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=download)
    worker.start()
    assert flowing.wait(30)
    wk.close()
    worker.join(30)
    assert not worker.is_alive()
    assert len(errors) == 1
    assert isinstance(errors[0], ClientClosedError)
    assert "while this call was running" in str(errors[0])
    assert list(tmp_path.iterdir()) == []  # neither a part file nor a final file
    assert not wk._portal.thread.is_alive()


def test_a_dropped_client_stops_its_thread(server: ThreadedServer) -> None:
    wk = SyncClient(server.url, server.tokens["admin"])
    wk.users.current()
    thread = wk._portal.thread
    del wk
    gc.collect()
    thread.join(10)
    assert not thread.is_alive()


def test_a_program_that_never_closes_its_client_exits(server: ThreadedServer) -> None:
    script = (
        "import sys, wkapi\n"
        "wk = wkapi.SyncClient(sys.argv[1], sys.argv[2])\n"
        "print(wk.users.current().id)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, server.url, server.tokens["admin"]],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == server.server.user_ids["admin"]
    assert "Unclosed" not in done.stderr


def test_a_stream_left_by_an_exception_gives_its_request_slot_back(
    server: ThreadedServer, connect: SyncFactory
) -> None:
    wk = connect(server, concurrency=1)
    annotation = next(iter(wk.users.annotations(server.server.user_ids["user"])))
    with pytest.raises(ZeroDivisionError), wk.annotations.stream(annotation.typ, annotation.id):
        1 / 0  # noqa: B018
    # With one request slot, this call would wait forever had the stream kept it.
    assert wk.users.current().id
