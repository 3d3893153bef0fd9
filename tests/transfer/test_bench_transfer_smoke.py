"""The transfer benchmark runs end to end in its quick mode."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("curl") is None, reason="the baseline needs curl")
def test_quick_benchmark_prints_its_table() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_transfer.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = [
        line.split() for line in done.stdout.splitlines() if line.startswith(("download", "upload"))
    ]
    assert [row[0] for row in rows] == ["download", "upload"]
    for row in rows:
        assert row[1:3] == ["16", "MiB"]
        assert float(row[3]) > 0  # wkapi MB/s
        assert float(row[5]) > 0  # ratio to curl
