"""Every public entry point refuses an argument of the wrong type with a typed error naming it.

The sweep introspects every public method of every resource and job, the client's constructor
and the config objects: each argument in turn gets values of the wrong type (an object nothing
accepts, and a near miss such as ``"3"`` for an int or ``"yes"`` for a bool) while the others
are valid. The call must raise :class:`~wkapi.ConfigurationError` (construction, config objects)
or :class:`~wkapi.InputError` (call arguments) whose message names the argument, never an
``AttributeError`` or ``TypeError`` from inside, and must send nothing.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import wkapi
from wkapi.jobs import load_task_rows, specs_from_rows
from wkapi.models import TaskFromFilesParams, TaskSpec
from wkapi.testing import FakeWebknossos

ID = "0123456789abcdef01234567"
RESOURCES = [
    "users",
    "teams",
    "datasets",
    "datastores",
    "tracingstores",
    "annotations",
    "tasks",
    "task_types",
    "projects",
    "tokens",
    "export",
]


class Unacceptable:
    """A value no argument takes: not a str, number, bool, path, iterable or callable."""

    def __repr__(self) -> str:
        return "<Unacceptable>"


def _good_values(tmp_path: Path) -> dict[str, Any]:
    """A valid value for each argument name (so only the argument under test is wrong)."""
    nml = tmp_path / "a.nml"
    nml.write_text('<things><parameters><experiment name="l4_sample"/></parameters></things>')
    return {
        **dict.fromkeys(
            [
                "user_id",
                "annotation_id",
                "task_id",
                "project_id",
                "task_type_id",
                "merged_id",
                "team",
                "owner",
            ],
            ID,
        ),
        "typ": "Explorational",
        "merged_typ": "Explorational",
        "organization": "sample_organization",
        "name": "name_ok",
        "layers": "Skeleton",
        "url": "http://127.0.0.1:9",
        "public_url": "http://127.0.0.1:9",
        "key": "k",
        "to": tmp_path / "out",
        "annotation_ids": [ID],
        "paths": nml,
        "specs": [TaskSpec(ID, "l4_sample", "project_ok", (0, 0, 0))],
        "params": TaskFromFilesParams(ID, "project_ok"),
        "open_instances": 1,
        "priority": 1,
        "expected_time": None,
        "delta": 1,
        "page_size": 10,
    }


#: What each argument's error may call it besides its own name (``project_id``: "project id").
ALIASES = {
    "team": ["team id"],
    "owner": ["owner"],
    "user": ["user id"],
    "project": ["project id"],
    "task_type": ["task type id"],
    "ids": ["task id"],
    "annotation_ids": ["annotation id"],
    "merged_id": ["annotation id"],
    "merged_typ": ["merged_typ"],
    "page_size": ["page_size"],
    "expected_time": ["expected_time"],
    "specs": ["task", "spec"],
    "layers": ["layer"],
    "url": ["server URL"],
    "rate_limit": ["rate"],  # deprecated: Limits(rate=...)
    "paths": ["path"],
}

#: Arguments a call needs besides the required ones to be valid (something to change).
EXTRAS = {
    "annotations.edit": {"name": "new name"},
    "projects.update": {"priority": 2},
}


def _wrong_values(annotation: str) -> list[Any]:
    """Values of the wrong type for an argument annotated ``annotation``."""
    wrong: list[Any] = [Unacceptable()]
    if re.search(r"\bbool\b", annotation):
        wrong += ["yes", 1]
    elif re.search(r"\bint\b", annotation) and "Duration" not in annotation:
        wrong += ["3", 2.5, True]
    elif re.search(r"\bstr\b", annotation) or "Like" in annotation:
        wrong += [5]
    if "Callback" in annotation:
        wrong += [42]
    if "Iterable" in annotation or "Collection" in annotation:
        wrong += [5]
    return wrong


def _names(parameter: str) -> list[str]:
    return [parameter, parameter.replace("_", " "), *ALIASES.get(parameter, [])]


async def _run(result: Any) -> None:
    """Await a coroutine, iterate a pager, enter a stream: whatever the call gave."""
    if inspect.isawaitable(result):
        await result
    elif isinstance(result, wkapi.Pager):
        await result.to_list()
    elif hasattr(result, "__aenter__"):
        async with result:
            pass


def _public_methods(wk: wkapi.Client) -> list[tuple[str, Callable[..., Any]]]:
    methods = []
    for resource in RESOURCES:
        for name, method in inspect.getmembers(getattr(wk, resource), inspect.ismethod):
            if not name.startswith("_"):
                methods.append((f"{resource}.{name}", method))
    return methods


def _arguments(
    method: Callable[..., Any], good: dict[str, Any], where: str
) -> tuple[dict[str, Any], list[inspect.Parameter]]:
    """The valid call of ``method`` (required arguments from ``good``) and its parameters."""
    valid: dict[str, Any] = {}
    parameters = list(inspect.signature(method).parameters.values())
    for parameter in parameters:
        if parameter.default is inspect.Parameter.empty:
            assert parameter.name in good, f"{where}: no valid value for {parameter.name}"
            valid[parameter.name] = good[parameter.name]
    if where.startswith("export."):
        valid.setdefault("project_id", ID)  # something to export
    valid.update(EXTRAS.get(where, {}))
    return valid, parameters


async def test_every_resource_and_job_argument_of_the_wrong_type_is_an_input_error(
    fake_wk: FakeWebknossos, tmp_path: Path
) -> None:
    good = _good_values(tmp_path)
    problems: list[str] = []
    async with wkapi.Client(fake_wk.url, fake_wk.tokens["admin"]) as wk:
        await wk.check_version()
        for where, method in _public_methods(wk):
            valid, parameters = _arguments(method, good, where)
            for parameter in parameters:
                for wrong in _wrong_values(str(parameter.annotation)):
                    fake_wk.clear_requests()
                    call = f"{where}({parameter.name}={wrong!r})"
                    try:
                        await _run(method(**{**valid, parameter.name: wrong}))
                    except wkapi.InputError as exc:
                        if not any(name in str(exc) for name in _names(parameter.name)):
                            problems.append(f"{call}: the error does not name it: {exc}")
                    except Exception as exc:
                        problems.append(f"{call}: {type(exc).__name__}: {exc}")
                    else:
                        problems.append(f"{call}: accepted")
                    if fake_wk.requests:
                        problems.append(f"{call}: sent {len(fake_wk.requests)} requests")
    assert not problems, "\n".join(problems)


def _constructors() -> list[tuple[str, Callable[..., Any], dict[str, Any]]]:
    return [
        ("Client", wkapi.Client, {"url": "http://127.0.0.1:9"}),
        ("Limits", wkapi.Limits, {}),
        ("Timeouts", wkapi.Timeouts, {}),
        ("RetryPolicy", wkapi.RetryPolicy, {}),
    ]


@pytest.mark.filterwarnings("ignore:rate_limit= and burst= are deprecated:DeprecationWarning")
@pytest.mark.parametrize(("name", "build", "valid"), _constructors())
def test_every_config_argument_of_the_wrong_type_is_a_configuration_error(
    name: str, build: Callable[..., Any], valid: dict[str, Any]
) -> None:
    problems: list[str] = []
    for parameter in inspect.signature(build).parameters.values():
        if parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
            continue
        annotation = str(parameter.annotation)
        wrong_values = _wrong_values(annotation)
        if re.search(r"\bfloat\b", annotation):
            wrong_values += ["1"]
        if re.search(r"\bTimeouts|Limits|RetryPolicy\b", annotation):
            wrong_values += [5]
        for wrong in wrong_values:
            call = f"{name}({parameter.name}={wrong!r})"
            try:
                build(**{**valid, parameter.name: wrong})
            except wkapi.ConfigurationError as exc:
                if not any(n in str(exc) for n in _names(parameter.name)):
                    problems.append(f"{call}: the error does not name it: {exc}")
            except Exception as exc:
                problems.append(f"{call}: {type(exc).__name__}: {exc}")
            else:
                problems.append(f"{call}: accepted")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("call", "names"),
    [
        (lambda: wkapi.Client("http://127.0.0.1:9", token=5), ["token"]),
        (lambda: wkapi.Client("http://127.0.0.1:9", timeouts=5), ["timeouts"]),
        (lambda: wkapi.Client("http://127.0.0.1:9", retry=3), ["retry"]),
        (lambda: wkapi.Client.from_env(5), ["environ"]),  # type: ignore[arg-type]
        (lambda: wkapi.Limits(concurrency="8"), ["concurrency"]),  # type: ignore[arg-type]
        (lambda: wkapi.Timeouts(connect="1"), ["connect"]),  # type: ignore[arg-type]
        (lambda: wkapi.RetryPolicy(attempts="3"), ["attempts"]),  # type: ignore[arg-type]
        (
            lambda: wkapi.Client.from_env({"WK_URL": "http://x", "WK_TOKEN": "t"}, retry=3),
            ["retry"],
        ),
    ],
)
def test_the_reported_config_mistakes(call: Callable[[], Any], names: list[str]) -> None:
    with pytest.raises(wkapi.ConfigurationError) as caught:
        call()
    assert any(name in str(caught.value) for name in names), caught.value


async def test_a_progress_that_is_neither_callable_nor_a_reporter(
    fake_wk: FakeWebknossos, tmp_path: Path
) -> None:
    annotation = fake_wk.add_annotation(owner_id=fake_wk.user_ids["admin"])
    async with wkapi.Client(fake_wk.url, fake_wk.tokens["admin"]) as wk:
        with pytest.raises(wkapi.InputError, match="progress"):
            await wk.annotations.download("Explorational", annotation, tmp_path, progress=42)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "call",
    [
        lambda: TaskSpec(Unacceptable(), "d", "p", (0, 0, 0)),  # type: ignore[arg-type]
        lambda: TaskSpec(ID, Unacceptable(), "p", (0, 0, 0)),  # type: ignore[arg-type]
        lambda: TaskSpec(ID, "d", "p", Unacceptable()),  # type: ignore[arg-type]
        lambda: TaskSpec(ID, "d", "p", (0, 0, 0), edit_rotation=Unacceptable()),  # type: ignore[arg-type]
        lambda: TaskSpec(ID, "d", "p", (0, 0, 0), bounding_box=Unacceptable()),  # type: ignore[arg-type]
        lambda: TaskSpec(ID, "d", "p", (0, 0, 0), needed_experience=Unacceptable()),  # type: ignore[arg-type]
        lambda: TaskFromFilesParams(ID, Unacceptable()),  # type: ignore[arg-type]
        lambda: specs_from_rows(Unacceptable()),  # type: ignore[arg-type]
        lambda: specs_from_rows([Unacceptable()]),  # type: ignore[list-item]
        lambda: load_task_rows(Unacceptable()),  # type: ignore[arg-type]
        lambda: wkapi.load_task_specs(5),  # type: ignore[arg-type]
    ],
)
def test_models_and_task_files_refuse_wrong_types(call: Callable[[], Any]) -> None:
    with pytest.raises(wkapi.InputError):
        call()
