"""Nothing is left open when a request ends early: found by the soak, pinned down here."""

from __future__ import annotations

import asyncio
import gc
import time
import warnings
from pathlib import Path
from typing import Any

import psutil
import pytest

import wkapi
from tests.reliability.helpers import client, write_nml
from wkapi import _upload
from wkapi.testing import FakeWebknossos, FaultKind


@pytest.mark.parametrize("status", [503, 400])
async def test_an_upload_answered_before_its_body_went_out_closes_its_file(
    fake_wk: FakeWebknossos, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    """The server answers before reading the body (a proxy's 503, a refusal), aiohttp cancels
    the body while its file is being opened: the file must be closed all the same."""
    opened = _upload._open_unchanged

    def slow_open(upload: Any) -> Any:
        time.sleep(0.05)  # in the worker thread: the answer arrives meanwhile
        return opened(upload)

    monkeypatch.setattr(_upload, "_open_unchanged", slow_open)
    nml = write_nml(fake_wk, tmp_path / "early.nml")
    fake_wk.faults.add(FaultKind.STATUS, method="POST", path="/annotations/upload", status=status)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with client(fake_wk, retry=wkapi.RetryPolicy.disabled()) as wk:
            with pytest.raises(wkapi.APIStatusError):
                await wk.annotations.upload(nml)
            await asyncio.sleep(0.1)  # the abandoned open finishes in its thread
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert [f.path for f in psutil.Process().open_files() if f.path == str(nml)] == []
