"""Unit tests of request building with aioresponses (no server): URL, query, body, headers."""

from __future__ import annotations

import orjson
import pytest
from aioresponses import aioresponses
from yarl import URL

from tests.core.helpers import BASE, CompatResponse
from wkapi._errors import InputError
from wkapi._session import Session


def sent(mock: aioresponses, method: str, url: str) -> list[object]:
    """The calls aioresponses recorded for this method and URL (query order ignored)."""
    wanted = URL(url)
    return [
        call
        for (m, u), calls in mock.requests.items()
        if m == method
        and u.with_query(None) == wanted.with_query(None)
        and dict(u.query) == dict(wanted.query)
        for call in calls
    ]


async def test_json_body_and_lowercase_booleans(mocked: aioresponses, session: Session) -> None:
    url = f"{BASE}/api/v5/tasks/list?flag=true&other=false&n=3"
    mocked.post(url, payload=[{"id": "x"}], response_class=CompatResponse)
    result = await session.request_json(
        "POST",
        "/tasks/list",
        params={"flag": True, "other": False, "n": 3, "skip": None},
        json={"taskType": "abc", "random": False},
    )
    assert result == [{"id": "x"}]
    (call,) = sent(mocked, "POST", url)
    assert orjson.loads(call.kwargs["data"]) == {"taskType": "abc", "random": False}
    assert call.kwargs["headers"]["Content-Type"] == "application/json"


async def test_unversioned_path_and_no_body(mocked: aioresponses, session: Session) -> None:
    url = f"{BASE}/api/buildinfo"
    mocked.get(url, payload={"webknossos": {}}, response_class=CompatResponse)
    assert await session.request_json("GET", "/buildinfo", versioned=False) == {"webknossos": {}}
    (call,) = sent(mocked, "GET", url)
    assert call.kwargs["data"] is None


def test_query_values_of_unsupported_types_are_refused() -> None:
    from wkapi._session import encode_query

    with pytest.raises(InputError, match="'ids'"):
        encode_query({"ids": ["a", "b"]})  # type: ignore[dict-item]
