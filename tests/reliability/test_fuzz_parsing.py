"""Fuzzing what the client parses: whatever a server answers, a call returns its result or raises
one of the library's typed errors; nothing else escapes.

``tests/models/test_fuzz.py`` fuzzes ``structure`` model by model. Here answers go
through the real session and the resources over a socket: arbitrary bytes as error bodies with
arbitrary statuses and ``Retry-After`` values, arbitrary JSON as success bodies for every kind
of call, and real answers of the fake server with one part replaced or removed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import wkapi
from tests.helpers import json_paths, replaced_at
from tests.reliability.helpers import Rig, Script
from wkapi._errors import status_error_class
from wkapi._failures import ERROR_BODY_CAP, parse_error_body
from wkapi._retry import parse_retry_after
from wkapi.models import TaskSpec

ID = "5f0000000000000000000001"

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- what the server may say ------------------------------------------------------------------

PRINTABLE = st.characters(min_codepoint=32, max_codepoint=126)
HTTP_DATES = st.builds(
    lambda year, rest: f"{rest.strftime('%a, %d %b')} {year} {rest.strftime('%H:%M:%S')} GMT",
    st.integers(min_value=0, max_value=10**20),
    st.datetimes(timezones=st.just(timezone.utc)),
)
RETRY_AFTER = (
    st.none()
    | st.text(PRINTABLE, max_size=30)
    | st.integers(min_value=-(10**30), max_value=10**30).map(str)
    | st.floats().map(repr)
    | HTTP_DATES
)
KEYS = st.sampled_from(
    [
        "messages",
        "error",
        "chain",
        "errors",
        "field",
        "message",
        "msg",
        "args",
        "id",
        "status",
        "success",
        "tasks",
        "warnings",
        "annotation",
        "typ",
        "name",
        "token",
        "obj.name",
    ]
) | st.text(max_size=6)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=30,
)
ERROR_BODIES = (
    st.binary(max_size=4000)
    | JSON.map(lambda value: json.dumps(value).encode())
    | st.text(max_size=500).map(lambda text: f"<html><title>{text}</title><h1>{text}".encode())
    | st.text(max_size=200).map(lambda text: text.encode("utf-16"))
)
CONTENT_TYPES = st.sampled_from(
    [
        None,
        "application/json",
        "text/html",
        "text/plain",
        "text/html; charset=latin-1",
        "application/xml",
        "application/octet-stream",
    ]
)


Call = Callable[[wkapi.Client, dict[str, str]], Awaitable[object]]
SPEC = TaskSpec(ID, "l4_sample", "seed_project_alpha", (1, 2, 3))
CALLS: dict[str, Call] = {
    "build_info": lambda wk, ids: wk.build_info(),
    "users.current": lambda wk, ids: wk.users.current(),
    "users.list": lambda wk, ids: wk.users.list(),
    "users.annotations.page": lambda wk, ids: wk.users.annotations(ids["user"]).page(0),
    "users.annotations.total": lambda wk, ids: wk.users.annotations(ids["user"]).total(),
    "teams.list": lambda wk, ids: wk.teams.list(),
    "datasets.list": lambda wk, ids: wk.datasets.list(),
    "datastores.list": lambda wk, ids: wk.datastores.list(),
    "annotations.info": lambda wk, ids: wk.annotations.info("Explorational", ids["annotation"]),
    "annotations.finish": lambda wk, ids: wk.annotations.finish("Explorational", ids["annotation"]),
    "annotations.edit": lambda wk, ids: wk.annotations.edit(
        "Explorational", ids["annotation"], name="x"
    ),
    "tasks.get": lambda wk, ids: wk.tasks.get(ids["task"]),
    "tasks.list": lambda wk, ids: wk.tasks.list(project=ids["project"]),
    "tasks.create": lambda wk, ids: wk.tasks.create([SPEC]),
    "projects.list": lambda wk, ids: wk.projects.list(),
    "projects.tasks": lambda wk, ids: wk.projects.tasks(ids["project"], page_size=3).to_list(),
    "projects.increment": lambda wk, ids: wk.projects.increment_each_tasks_instances(
        ids["project"], delta=0
    ),
    "task_types.list": lambda wk, ids: wk.task_types.list(),
    "tokens.personal": lambda wk, ids: wk.tokens.personal(),
}


def _set(rig: Rig, script: Script) -> None:
    """Replace the rig's answer in place (the server's handler holds the same object)."""
    rig.script.__dict__.update(vars(script))


# -- error bodies -----------------------------------------------------------------------------


@FUZZ
@given(
    call=st.sampled_from(sorted(CALLS)),
    status=st.integers(min_value=400, max_value=599),
    body=ERROR_BODIES,
    content_type=CONTENT_TYPES,
    retry_after=RETRY_AFTER,
    strict=st.booleans(),
)
async def test_any_error_answer_is_a_typed_status_error(
    rig: Rig,
    call: str,
    status: int,
    body: bytes,
    content_type: str | None,
    retry_after: str | None,
    strict: bool,
) -> None:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    _set(rig, Script(status, body, content_type, headers))
    with pytest.raises(wkapi.APIStatusError) as caught:
        await CALLS[call](rig.strict if strict else rig.tolerant, rig.ids)
    error = caught.value
    assert type(error) is status_error_class(status)
    assert error.status == status
    assert str(status) in str(error)
    assert len(error.body) <= 2000
    assert all(isinstance(m, str) and len(m) <= 500 for m in error.messages)
    assert error.retry_after is None or 0 <= error.retry_after < math.inf


# -- success bodies -----------------------------------------------------------------------------


async def _result_or_invalid(rig: Rig, call: str, strict: bool) -> None:
    """The call returns, or raises InvalidResponseError (anything else fails the test)."""
    try:
        await CALLS[call](rig.strict if strict else rig.tolerant, rig.ids)
    except wkapi.InvalidResponseError:
        event("invalid response")
    else:
        event("result")


@FUZZ
@given(
    call=st.sampled_from(sorted(CALLS)),
    body=JSON.map(lambda value: json.dumps(value).encode()) | st.binary(max_size=300),
    total=st.none() | st.text(PRINTABLE, max_size=12),
    strict=st.booleans(),
)
async def test_any_success_body_is_a_result_or_an_invalid_response(
    rig: Rig, call: str, body: bytes, total: str | None, strict: bool
) -> None:
    headers = {"X-Total-Count": total} if total is not None else {}
    _set(rig, Script(200, body, "application/json", headers))
    await _result_or_invalid(rig, call, strict)


@FUZZ
@given(
    call=st.sampled_from(sorted(CALLS)),
    choice=st.data(),
    new=JSON,
    delete=st.booleans(),
    strict=st.booleans(),
)
async def test_real_answers_with_one_part_broken_are_results_or_invalid_responses(
    rig: Rig, call: str, choice: st.DataObject, new: Any, delete: bool, strict: bool
) -> None:
    def mutate(answer: Any) -> Any:
        path = choice.draw(st.sampled_from(json_paths(answer)), label="path")
        return replaced_at(answer, path, new, delete=delete and bool(path))

    _set(rig, Script(mutate=mutate))
    await _result_or_invalid(rig, call, strict)


# -- the parsers on their own, with many more examples ------------------------------------------


@settings(max_examples=500, deadline=None, database=None)
@given(raw=st.binary(max_size=ERROR_BODY_CAP) | ERROR_BODIES, content_type=CONTENT_TYPES)
def test_parse_error_body_never_raises(raw: bytes, content_type: str | None) -> None:
    parsed = parse_error_body(raw, content_type)
    assert all(isinstance(m, str) and 0 < len(m) <= 500 for m in parsed.messages)
    assert len(parsed.text) <= 2000 * 4  # at most 2000 bytes decoded


@settings(max_examples=500, deadline=None, database=None)
@given(value=RETRY_AFTER)
def test_parse_retry_after_never_raises(value: str | None) -> None:
    seconds = parse_retry_after(value, now=datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp())
    assert seconds is None or 0 <= seconds < math.inf
