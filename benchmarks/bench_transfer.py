"""Streamed transfers: wkapi versus curl on 127.0.0.1.

    python benchmarks/bench_transfer.py             # 256 MiB and 2 GiB downloads, 900 MiB upload
    python benchmarks/bench_transfer.py --quick     # a small smoke run
    python benchmarks/bench_transfer.py --sizes 64,512 --upload-size 100 --dir /dev/shm

Three processes: a tiny aiohttp server (synthetic annotation bodies sent from one 1 MiB block;
uploads read and discarded), the measured wkapi client (its peak RSS is its own), and curl as
the baseline, all against the same URLs. Both write to the same directory (``--dir``, default
the system temp dir). wkapi fsyncs before renaming (it promises a complete file after a crash);
curl does not, so the table shows curl alone and curl followed by an fsync of its file, and the
ratio against each. Peak RSS is each client process's ``ru_maxrss`` (``wait4``).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MIB = 1 << 20
GIB = 1 << 30
TOKEN = "bench-token-0123456789abcdef"
UPLOAD_PATH = "/api/v5/annotations/upload"
ANNOTATION_TYPE = "Explorational"


def _block() -> bytes:
    """1 MiB of incompressible-looking bytes, the unit every synthetic body repeats."""
    seed = hashlib.sha256(b"wkapi benchmark").digest()
    out = bytearray()
    while len(out) < MIB:
        seed = hashlib.sha256(seed).digest()
        out += seed * 64
    return bytes(out[:MIB])


def annotation_id(size: int) -> str:
    """The server reads the body size from the (24 hex digit) annotation id."""
    return f"{size:024x}"


def download_url(base: str, size: int) -> str:
    return f"{base}/api/v5/annotations/{ANNOTATION_TYPE}/{annotation_id(size)}/download"


def expected_sha256(size: int) -> str:
    block = _block()
    digest = hashlib.sha256()
    full, rest = divmod(size, MIB)
    for _ in range(full):
        digest.update(block)
    digest.update(block[:rest])
    return digest.hexdigest()


# -- the server (its own process) ---------------------------------------------------------------


def serve() -> None:
    """Serve synthetic downloads and discard uploads until killed; print the port first."""
    from aiohttp import web

    block = memoryview(_block())

    async def download(request: web.Request) -> web.StreamResponse:
        size = int(request.match_info["id"], 16)
        response = web.StreamResponse(
            headers={"Content-Disposition": f'attachment;filename="bench_{size}.zip"'}
        )
        response.content_type = "application/zip"
        response.content_length = size
        await response.prepare(request)
        remaining = size
        while remaining:
            step = min(MIB, remaining)
            await response.write(block[:step])
            remaining -= step
        await response.write_eof()
        return response

    async def upload(request: web.Request) -> web.StreamResponse:
        received = 0
        async for chunk in request.content.iter_any():
            received += len(chunk)
        return web.json_response(
            {
                "annotation": {"typ": ANNOTATION_TYPE, "id": "0" * 24},
                "messages": [{"success": f"received {received} bytes"}],
            }
        )

    async def main() -> None:
        app = web.Application()
        app.router.add_get(f"/api/v5/annotations/{ANNOTATION_TYPE}/{{id}}/download", download)
        app.router.add_post(UPLOAD_PATH, upload)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        assert server.sockets
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


# -- the measured wkapi client (its own process) ------------------------------------------------


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def client_download(base: str, size: int, directory: str) -> None:
    from wkapi import Client  # only the measured process loads the client

    async def run() -> dict[str, object]:
        async with Client(base, TOKEN, check_version=False) as wk:
            cpu, started = _cpu_seconds(), time.perf_counter()
            result = await wk.annotations.download(ANNOTATION_TYPE, annotation_id(size), directory)
            seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        return {"seconds": seconds, "cpu": cpu, "bytes": result.size, "sha256": result.sha256}

    print(json.dumps(asyncio.run(run())))


def client_upload(base: str, path: str) -> None:
    from wkapi import Client

    async def run() -> dict[str, object]:
        size = os.path.getsize(path)
        async with Client(base, TOKEN, check_version=False) as wk:
            cpu, started = _cpu_seconds(), time.perf_counter()
            await wk.annotations.upload(path)
            seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        return {"seconds": seconds, "cpu": cpu, "bytes": size}

    print(json.dumps(asyncio.run(run())))


# -- measuring ----------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    peak_rss_mib: float
    output: str


def measured(command: Sequence[str]) -> Run:
    """Run a command; its wall time, peak RSS (wait4) and stdout. Fails loudly on errors."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        output = process.stdout.read().decode()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{command[0]} failed: {errors.read().decode()[-2000:]}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output)


def fsync_file(path: Path) -> float:
    started = time.perf_counter()
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return time.perf_counter() - started


@dataclass
class Row:
    what: str
    size: int
    wkapi_seconds: float
    curl_seconds: float
    curl_fsync_seconds: float | None
    wkapi_rss: float
    curl_rss: float
    wkapi_cpu: float
    curl_cpu: float


def best_of(rows: Sequence[Row]) -> Row:
    """Each side's best time over the repeats, and the highest peak RSS."""
    synced = [r.curl_fsync_seconds for r in rows if r.curl_fsync_seconds is not None]
    return Row(
        rows[0].what,
        rows[0].size,
        min(r.wkapi_seconds for r in rows),
        min(r.curl_seconds for r in rows),
        min(synced) if synced else None,
        max(r.wkapi_rss for r in rows),
        max(r.curl_rss for r in rows),
        min(r.wkapi_cpu for r in rows),
        min(r.curl_cpu for r in rows),
    )


def bench_download(base: str, size: int, workdir: Path, repeat: int) -> Row:
    this = os.path.abspath(__file__)
    expected = expected_sha256(size)
    rows = []
    for _ in range(repeat):
        target = workdir / "wkapi"
        target.mkdir()
        run = measured([sys.executable, this, "_download", base, str(size), str(target)])
        result = json.loads(run.output)
        if result["sha256"] != expected or result["bytes"] != size:
            raise SystemExit(f"wkapi download of {size} bytes is wrong: {result}")
        shutil.rmtree(target)

        curl_file = workdir / "curl.zip"
        curl = measured(
            [
                "curl", "-sS", "--fail", "-o", str(curl_file), "-H", f"X-Auth-Token: {TOKEN}",
                "-w", "%{time_total}", download_url(base, size),
            ]
        )  # fmt: skip
        curl_seconds = float(curl.output)
        if curl_file.stat().st_size != size:
            raise SystemExit("curl download has the wrong size")
        synced = curl_seconds + fsync_file(curl_file)
        curl_file.unlink()
        rows.append(
            Row(
                "download",
                size,
                float(result["seconds"]),
                curl_seconds,
                synced,
                run.peak_rss_mib,
                curl.peak_rss_mib,
                float(result["cpu"]),
                curl.cpu_seconds,
            )
        )
    return best_of(rows)


def write_upload_file(path: Path, size: int) -> None:
    block = _block()
    with open(path, "wb") as handle:
        remaining = size
        while remaining:
            step = min(MIB, remaining)
            handle.write(block[:step])
            remaining -= step


def bench_upload(base: str, size: int, workdir: Path, repeat: int) -> Row:
    this = os.path.abspath(__file__)
    path = workdir / "upload.zip"
    write_upload_file(path, size)
    rows = []
    try:
        for _ in range(repeat):
            run = measured([sys.executable, this, "_upload", base, str(path)])
            result = json.loads(run.output)
            curl = measured(
                [
                    "curl", "-sS", "--fail", "-o", os.devnull, "-H", f"X-Auth-Token: {TOKEN}",
                    "-H", "Expect:", "-F", "createGroupForEachFile=false",
                    "-F", f"upload.zip=@{path};filename=upload.zip", "-w", "%{time_total}",
                    base + UPLOAD_PATH,
                ]
            )  # fmt: skip
            rows.append(
                Row(
                    "upload",
                    size,
                    float(result["seconds"]),
                    float(curl.output),
                    None,
                    run.peak_rss_mib,
                    curl.peak_rss_mib,
                    float(result["cpu"]),
                    curl.cpu_seconds,
                )
            )
    finally:
        path.unlink()
    return best_of(rows)


def mb_per_s(size: int, seconds: float) -> float:
    return size / seconds / 1e6


def print_table(rows: Sequence[Row], directory: str) -> None:
    print(f"\nwkapi vs curl on 127.0.0.1, files in {directory}")
    header = (
        f"{'transfer':<9} {'size':>9} {'wkapi MB/s':>11} {'curl MB/s':>10} {'ratio':>6} "
        f"{'curl+fsync':>11} {'ratio':>6} {'wkapi RSS':>10} {'curl RSS':>9} "
        f"{'CPU s/GiB wkapi':>15} {'curl':>5}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        wkapi = mb_per_s(row.size, row.wkapi_seconds)
        curl = mb_per_s(row.size, row.curl_seconds)
        if row.curl_fsync_seconds is None:
            synced, synced_ratio = "-", "-"
        else:
            synced_rate = mb_per_s(row.size, row.curl_fsync_seconds)
            synced, synced_ratio = f"{synced_rate:.0f}", f"{wkapi / synced_rate:.2f}"
        print(
            f"{row.what:<9} {row.size // MIB:>5} MiB {wkapi:>11.0f} {curl:>10.0f} "
            f"{wkapi / curl:>6.2f} {synced:>11} {synced_ratio:>6} "
            f"{row.wkapi_rss:>6.1f} MiB {row.curl_rss:>5.1f} MiB "
            f"{row.wkapi_cpu * GIB / row.size:>15.2f} {row.curl_cpu * GIB / row.size:>5.2f}"
        )
    print(
        "\nratio: wkapi throughput / curl's; curl+fsync: curl -o, then an fsync of its file "
        "(wkapi's durability).\nRSS: peak of each client process. CPU: user+system seconds per "
        "GiB moved (wkapi: the transfer alone; curl: the whole process)."
    )


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    server = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "_serve"], stdout=subprocess.PIPE
    )
    assert server.stdout is not None
    port = server.stdout.readline().decode().strip()
    if not port:
        server.kill()
        raise SystemExit("the benchmark server did not start")
    return server, f"http://127.0.0.1:{port}"


def run_benchmark(args: argparse.Namespace) -> None:
    if shutil.which("curl") is None:
        raise SystemExit("curl is needed for the baseline")
    sizes = [16] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    upload_size = 16 if args.quick else args.upload_size
    server, base = start_server()
    workdir = Path(tempfile.mkdtemp(prefix="wkapi-bench-", dir=args.dir))
    try:
        rows = [bench_download(base, size * MIB, workdir, args.repeat) for size in sizes]
        if upload_size:
            rows.append(bench_upload(base, upload_size * MIB, workdir, args.repeat))
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    print_table(rows, str(workdir.parent))


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_serve":
        serve()
        return
    if argv and argv[0] == "_download":
        client_download(argv[1], int(argv[2]), argv[3])
        return
    if argv and argv[0] == "_upload":
        client_upload(argv[1], argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="256,2048", help="download sizes in MiB (comma list)")
    parser.add_argument("--upload-size", type=int, default=900, help="upload size in MiB (0: none)")
    parser.add_argument("--quick", action="store_true", help="16 MiB each, for a smoke test")
    parser.add_argument("--dir", default=None, help="where files are written (default: temp)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the best counts")
    run_benchmark(parser.parse_args(argv))


if __name__ == "__main__":
    main()
