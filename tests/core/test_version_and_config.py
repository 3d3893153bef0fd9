"""The API version check, versioned URLs, and settings from the environment."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from aiohttp import web

import wkapi
from tests.core.helpers import json_response
from tests.helpers import TOKEN
from wkapi import Client, RetryPolicy
from wkapi._config import ClientConfig, Limits, Timeouts, env_settings
from wkapi._errors import ConfigurationError, VersionNotSupportedError

BUILDINFO = {
    "webknossos": {"name": "webknossos", "version": "25.01.0"},
    "schemaVersion": 120,
    "localDataStoreEnabled": True,
    "localTracingStoreEnabled": True,
}


def buildinfo_handler(versioning: dict[str, int] | None) -> web.RequestHandler:  # type: ignore[name-defined]
    async def handler(request: web.Request) -> web.Response:
        body = dict(BUILDINFO)
        if versioning is not None:
            body["httpApiVersioning"] = versioning
        return json_response(body)

    return handler


async def ok(request: web.Request) -> web.Response:
    return json_response({"path": request.path})


@pytest.mark.parametrize("api_version", [4, 10])
async def test_version_outside_the_server_range_is_refused(
    serve, make_session, api_version
) -> None:
    server = await serve(
        {
            ("GET", "/api/buildinfo"): buildinfo_handler(
                {"currentApiVersion": 9, "oldestSupportedApiVersion": 5}
            ),
            ("GET", f"/api/v{api_version}/user"): ok,
        }
    )
    session = make_session(server.url, api_version=api_version, check_version=True)
    with pytest.raises(VersionNotSupportedError) as caught:
        await session.request_json("GET", "/user")
    text = str(caught.value)
    assert f"v{api_version}" in text
    assert "v5..v9" in text
    assert "wkapi supports v5..v5" in text
    assert caught.value.oldest_supported == 5
    assert caught.value.current == 9
    assert server.hits(f"/api/v{api_version}/user") == []  # refused before the call went out


async def test_version_check_runs_once_lazily_before_versioned_calls(serve, make_session) -> None:
    server = await serve(
        {
            ("GET", "/api/buildinfo"): buildinfo_handler(
                {"currentApiVersion": 9, "oldestSupportedApiVersion": 5}
            ),
            ("GET", "/api/v5/user"): ok,
        }
    )
    session = make_session(server.url, check_version=True)
    results = await asyncio.gather(*(session.request_json("GET", "/user") for _ in range(5)))
    assert results == [{"path": "/api/v5/user"}] * 5
    assert len(server.hits("/api/buildinfo")) == 1
    assert session.build_info is not None
    assert session.build_info["schemaVersion"] == 120


async def test_servers_without_versioning_key_are_accepted(serve, make_session) -> None:
    server = await serve(
        {("GET", "/api/buildinfo"): buildinfo_handler(None), ("GET", "/api/v5/user"): ok}
    )
    session = make_session(server.url, check_version=True)
    assert await session.request_json("GET", "/user") == {"path": "/api/v5/user"}


async def test_unversioned_client_uses_plain_api_paths(serve, make_session) -> None:
    server = await serve({("GET", "/api/user"): ok})
    session = make_session(server.url, api_version=None, check_version=True)
    assert await session.request_json("GET", "/user") == {"path": "/api/user"}
    assert server.hits("/api/buildinfo") == []


async def test_server_below_a_sub_path(serve, make_session) -> None:
    server = await serve({("GET", "/wk/api/v5/user"): ok})
    session = make_session(server.url + "/wk/")
    assert await session.request_json("GET", "/user") == {"path": "/wk/api/v5/user"}


def test_env_settings_reads_the_official_names() -> None:
    env = {"WK_URL": "https://wk.example.org", "WK_TOKEN": TOKEN, "WK_API_VERSION": "5"}
    assert env_settings(env) == {"url": "https://wk.example.org", "token": TOKEN, "api_version": 5}
    assert env_settings({"WK_URL": "http://x", "WK_API_VERSION": "latest"})["api_version"] is None
    assert env_settings({"WK_URL": "http://x"}) == {"url": "http://x", "token": None}


@pytest.mark.parametrize(
    ("env", "match"),
    [
        ({}, "WK_URL is not set"),
        ({"WK_URL": "http://x", "WK_API_VERSION": "five"}, "WK_API_VERSION must be an integer"),
    ],
)
def test_env_settings_errors_name_the_variable(env: dict[str, str], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        env_settings(env)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"url": "webknossos.org"}, "absolute http"),
        ({"url": "ftp://webknossos.org"}, "absolute http"),
        ({"url": "https://user:pw@webknossos.org"}, "credentials"),
        ({"url": "https://webknossos.org/?token=abc"}, "query string"),
        ({"url": "https://webknossos.org", "api_version": 0}, "api_version"),
        ({"url": "https://webknossos.org", "token": ""}, "token"),
        ({"url": "https://webknossos.org", "token": "abc\rdef"}, "control characters"),
        ({"url": "https://webknossos.org/api"}, "without /api"),
        ({"url": "https://webknossos.org/api/v5/"}, "e.g. https://webknossos.org/;"),
    ],
)
def test_bad_configuration_is_refused_with_a_clear_error(kwargs, match) -> None:
    with pytest.raises(ConfigurationError, match=match):
        ClientConfig(**kwargs)


def test_bad_retry_policies_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="attempts must be an int >= 1, got"):
        RetryPolicy(attempts=0)
    with pytest.raises(ConfigurationError, match="backoff_initial must be a number >= 0, got"):
        RetryPolicy(backoff_initial=-1)


async def test_client_from_env_talks_to_the_server_it_names(
    serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, str | None]] = []

    async def user(request: web.Request) -> web.Response:
        seen.append((request.path, request.headers.get("X-Auth-Token")))
        return json_response({"path": request.path})

    server = await serve({("GET", "/api/v4/user"): user})
    monkeypatch.setenv("WK_URL", server.url)
    monkeypatch.setenv("WK_TOKEN", TOKEN)
    monkeypatch.setenv("WK_API_VERSION", "4")

    async with Client.from_env(check_version=False) as wk:
        assert repr(wk) == f"Client(url='{server.url}', api_version=4, token=***)"
        assert await wk._session.request_json("GET", "/user") == {"path": "/api/v4/user"}
    assert seen == [("/api/v4/user", TOKEN)]

    monkeypatch.delenv("WK_URL")
    with pytest.raises(ConfigurationError, match="WK_URL is not set"):
        Client.from_env()


def test_bad_limits_and_timeouts_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="concurrency"):
        Limits(concurrency=0)
    with pytest.raises(ConfigurationError, match="api_total"):
        Timeouts(api_total=-1)


# -- limits= and the deprecated spellings ------------------------------------------------------


async def test_client_takes_limits_and_concurrency_as_its_shorthand(serve) -> None:
    in_flight = peak = 0

    async def slow(request: web.Request) -> web.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return json_response({})

    server = await serve({("GET", "/api/v5/slow"): slow})
    for options in ({"limits": Limits(concurrency=3)}, {"concurrency": 3}):
        peak = 0
        async with Client(server.url, TOKEN, check_version=False, **options) as wk:
            assert wk.config.limits == Limits(concurrency=3)
            await asyncio.gather(*(wk._session.request_json("GET", "/slow") for _ in range(12)))
        assert peak == 3, options


async def test_client_limits_rate_spaces_request_starts(serve) -> None:
    server = await serve({("GET", "/api/v5/x"): ok})
    limits = Limits(concurrency=8, rate=50, burst=1)
    async with Client(server.url, TOKEN, check_version=False, limits=limits) as wk:
        await asyncio.gather(*(wk._session.request_json("GET", "/x") for _ in range(6)))
    times = sorted(s.at for s in server.hits("/api/v5/x"))
    assert times[-1] - times[0] >= 0.09  # 6 starts at 50/s without a burst: 5 intervals


def test_rate_limit_and_burst_still_work_with_a_deprecation_warning() -> None:
    with pytest.warns(DeprecationWarning, match=r"limits=wkapi\.Limits\(rate=\.\.\., burst="):
        wk = Client("https://wk.example.org", rate_limit=5, burst=2)
    assert wk.config.limits == Limits(concurrency=8, rate=5, burst=2)
    with pytest.warns(DeprecationWarning, match="deprecated"):
        wk = Client("https://wk.example.org", concurrency=4, rate_limit=5)
    assert wk.config.limits == Limits(concurrency=4, rate=5)


def test_deprecation_warnings_name_the_users_line_whatever_the_entry_point(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Python shows a DeprecationWarning by default only when it points at the user's code
    (``__main__``), so every old spelling is attributed to the caller, not to wkapi."""
    monkeypatch.setenv("WK_URL", "https://wk.example.org")
    monkeypatch.setenv("WK_TOKEN", "t")
    entry_points: list[Callable[[], object]] = [
        lambda: Client("https://wk.example.org", rate_limit=5),
        lambda: Client.from_env(rate_limit=5),
        lambda: wkapi.SyncClient("https://wk.example.org", burst=2).close(),
        lambda: wkapi.SyncClient.from_env(rate_limit=5).close(),
        lambda: Timeouts(30),
        lambda: RetryPolicy(5),
    ]
    for entry_point in entry_points:
        with pytest.warns(DeprecationWarning, match="deprecated|keyword arguments only") as caught:
            entry_point()
        assert [Path(w.filename).name for w in caught] == [Path(__file__).name]


@pytest.mark.parametrize(
    "flat", [{"concurrency": 4}, {"rate_limit": 5.0}, {"burst": 2}, {"concurrency": 4, "burst": 2}]
)
def test_limits_and_a_flat_limit_together_are_refused(flat: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError, match=r"pass limits= or .*, not both") as caught:
        Client("https://wk.example.org", limits=Limits(concurrency=2), **flat)  # type: ignore[arg-type]
    for name in flat:
        assert f"{name}=" in str(caught.value)


def test_limits_must_be_a_limits_object() -> None:
    with pytest.raises(ConfigurationError, match=r"limits must be a wkapi\.Limits"):
        Client("https://wk.example.org", limits={"concurrency": 2})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("positional", "keywords"),
    [
        (lambda: Timeouts(30, 5), Timeouts(api_total=30, connect=5)),
        (lambda: Limits(4, 10.0), Limits(concurrency=4, rate=10.0)),
        (lambda: RetryPolicy(5), RetryPolicy(attempts=5)),
        (
            lambda: ClientConfig("https://wk.example.org", "t"),
            ClientConfig(url="https://wk.example.org", token="t"),
        ),
    ],
)
def test_config_objects_take_positional_fields_with_a_deprecation_warning(
    positional, keywords
) -> None:
    name = type(keywords).__name__
    with pytest.warns(DeprecationWarning, match=rf"{name}\(\) takes keyword arguments only"):
        assert positional() == keywords


def test_config_objects_refuse_a_field_given_twice_or_too_many_positions() -> None:
    with (
        pytest.warns(DeprecationWarning, match="keyword arguments only"),
        pytest.raises(TypeError, match="multiple values for argument 'concurrency'"),
    ):
        Limits(4, concurrency=5)  # type: ignore[misc]
    with pytest.raises(TypeError, match=r"takes at most 3 arguments \(4 given\)"):
        Limits(1, 2, 3, 4)  # type: ignore[misc]
