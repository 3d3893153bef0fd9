"""Every client method of the route table, refused by the fake server the way a real one refuses
it (as real servers answer), in both server generations: the caller gets the typed error with the
server's status and its message texts.

Each case picks inputs a real server refuses: a missing id (404), a role without the right
(403), a request the server rejects (400), a missing or bad token (401). Routes that allow
anonymous access never answer 401 (a bad token continues as anonymous); their case is the 404
of an API version the server does not serve, and :data:`ANSWERED` pins what they answer instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.resources.helpers import ClientFactory
from tests.resources.route_table import ROUTE_METHODS, CallRecorder, client_method
from wkapi import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    Client,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    TaskFromFilesParams,
)
from wkapi.models import TaskSpec
from wkapi.testing import FakeWebknossos

MISSING_ID = "0123456789abcdef01234567"
BAD_TOKEN = "bad token"  # a role: a client sending a token the server does not know

# The server's texts, as real servers word them.
NOT_AUTHENTICATED = "silhouette.not.authenticated"
NOT_AUTHORIZED = "You are not authorized to view or edit this resource"
NOT_FOUND_GENERIC = "Couldn't find the requested resource."
ANNOTATION_NOT_FOUND = "Annotation could not be found"
ANNOTATION_NOT_PUBLIC = (
    "Annotation could not be found. If the annotation is not public, you need to log in to see it."
)
UNSUPPORTED_VERSION = 10


@dataclass
class Seed:
    """The seeded organization's ids the cases need, and helpers to add what they refuse."""

    server: FakeWebknossos
    tmp_path: Path
    admin_id: str
    user_id: str
    alpha_team: str
    task_type: str
    alpha_project: str
    beta_project: str
    alpha_task: str
    beta_task: str
    active: str  # the user's Private, Active explorational on l4_sample
    finished: str  # the user's Finished explorational
    cancelled: str  # the user's Cancelled explorational
    on_cortex: str  # the user's explorational on the other dataset
    own_task_annotation: str  # a Task annotation of the user
    view: str  # the admin's View annotation

    @classmethod
    def of(cls, server: FakeWebknossos, tmp_path: Path) -> Seed:
        state = server.state
        user_id = server.user_ids["user"]

        def annotation_of(owner: str, **wanted: str) -> str:
            return next(
                a.id
                for a in state.annotations.values()
                if a.owner_id == owner and all(getattr(a, k) == v for k, v in wanted.items())
            )

        def project(name: str) -> str:
            found = state.project_by_name(name)
            assert found is not None
            return found.id

        alpha, beta = project("seed_project_alpha"), project("seed_project_beta")
        return cls(
            server=server,
            tmp_path=tmp_path,
            admin_id=server.user_ids["admin"],
            user_id=user_id,
            alpha_team=next(t.id for t in state.teams.values() if t.name == "team_alpha"),
            task_type=next(t.id for t in state.task_types.values() if t.summary == "Trace axons"),
            alpha_project=alpha,
            beta_project=beta,
            alpha_task=state.tasks_by_project[alpha][0],
            beta_task=state.tasks_by_project[beta][0],
            active=annotation_of(
                user_id, typ="Explorational", state="Active", visibility="Private"
            ),
            finished=annotation_of(user_id, typ="Explorational", state="Finished"),
            cancelled=annotation_of(user_id, typ="Explorational", state="Cancelled"),
            on_cortex=annotation_of(user_id, typ="Explorational", dataset="2012-06-28_Cortex"),
            own_task_annotation=annotation_of(user_id, typ="Task"),
            view=annotation_of(server.user_ids["admin"], typ="View"),
        )

    def beta_user(self) -> str:
        """A plain user of team_beta only: a plain user of team_alpha may not read it."""
        return self.server.add_user(teams=["team_beta"])

    def admin_annotation(self, visibility: str) -> str:
        return self.server.add_annotation(
            owner_id=self.admin_id, dataset="l4_sample", visibility=visibility
        )

    def file(self, name: str, text: str) -> Path:
        path = self.tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path


Call = Callable[[Client, Seed], Awaitable[object]]
Messages = tuple[str, ...] | Callable[[Seed], tuple[str, ...]]


@dataclass(frozen=True)
class Refusal:
    """One client method, called so that the server refuses it, and what the caller must get."""

    method: str  # the client method (as in the route table), e.g. "projects.update"
    why: str
    call: Call
    error: type[APIStatusError]
    status: int
    messages: Messages
    role: str | None = "admin"  # None: no token; BAD_TOKEN: a token the server does not know
    options: Mapping[str, Any] = field(default_factory=dict)  # client options
    base_path: str = ""  # appended to the server's URL

    @property
    def id(self) -> str:
        return f"{self.method}[{self.why}]"


def not_authenticated(method: str, call: Call) -> Refusal:
    """A secured route with a token the server does not know: 401."""
    return Refusal(
        method, "bad token", call, AuthenticationError, 401, (NOT_AUTHENTICATED,), role=BAD_TOKEN
    )


def forbidden(method: str, call: Call, why: str = "plain user") -> Refusal:
    """A plain user (member of team_alpha, manages nothing) where a manager or admin is needed."""
    return Refusal(method, why, call, PermissionDeniedError, 403, (NOT_AUTHORIZED,), role="user")


def unsupported_version(method: str, call: Call) -> Refusal:
    """A route that allows anonymous access, asked under an API version the server lacks: 404."""

    def text(seed: Seed) -> tuple[str, ...]:
        oldest, current = (1, 5) if seed.server.release == "23.08" else (5, 9)
        return (
            "This WEBKNOSSOS instance does not support the requested HTTP API version. "
            f"Client requested {UNSUPPORTED_VERSION} but must be at least {oldest} "
            f"and at most {current}.",
        )

    return Refusal(
        method,
        "unsupported API version",
        call,
        NotFoundError,
        404,
        text,
        options={"api_version": UNSUPPORTED_VERSION, "check_version": False},
    )


async def proxy_fails(wk: Client, seed: Seed) -> object:
    seed.server.faults.add("html_error", path="/buildinfo", status=502)
    return await wk.build_info()


async def stream_missing(wk: Client, seed: Seed) -> object:
    async with wk.annotations.stream("Explorational", MISSING_ID) as body:
        return body.filename


async def upload_not_an_nml(wk: Client, seed: Seed) -> object:
    return await wk.annotations.upload(seed.file("not_things.nml", "<html></html>\n"))


async def tasks_from_files_unknown_project(wk: Client, seed: Seed) -> object:
    nml = seed.file("start.nml", '<things><experiment name="l4_sample"/></things>\n')
    params = TaskFromFilesParams(seed.task_type, "no_such_project")
    return await wk.tasks.create_from_files(params, [nml])


async def update_legacy_project(wk: Client, seed: Seed) -> object:
    # A project named before the name rule: the server checks the name the update sends back.
    project = seed.server.add_project("x")
    return await wk.projects.update(project, priority=3)


def task_spec(seed: Seed, project: str = "seed_project_alpha", dataset: str = "l4_sample") -> Any:
    return TaskSpec(seed.task_type, dataset, project, (1, 2, 3))


REFUSALS: list[Refusal] = [
    # buildinfo allows anonymous access: its failures are a wrong URL and what proxies send.
    Refusal(
        "build_info",
        "wrong base path",
        lambda wk, s: wk.build_info(),
        NotFoundError,
        404,
        ("Action Not Found",),
        base_path="/no-such-prefix",
    ),
    Refusal("build_info", "proxy 502 page", proxy_fails, ServerError, 502, ("502 Bad Gateway",)),
    # users and teams
    not_authenticated("users.list", lambda wk, s: wk.users.list()),
    not_authenticated("users.current", lambda wk, s: wk.users.current()),
    not_authenticated("users.my_tasks", lambda wk, s: wk.users.my_tasks().to_list()),
    not_authenticated("users.my_annotations", lambda wk, s: wk.users.my_annotations().to_list()),
    Refusal(
        "users.my_annotations",
        "no token",
        lambda wk, s: wk.users.my_annotations(is_finished=True).page(0),
        AuthenticationError,
        401,
        (NOT_AUTHENTICATED,),
        role=None,
    ),
    Refusal(
        "users.get",
        "missing",
        lambda wk, s: wk.users.get(MISSING_ID),
        NotFoundError,
        404,
        ("User could not be found",),
    ),
    forbidden("users.get", lambda wk, s: wk.users.get(s.beta_user()), "user of another team"),
    forbidden(
        "users.tasks",
        lambda wk, s: wk.users.tasks(s.beta_user()).to_list(),
        "user of another team",
    ),
    Refusal(
        "users.annotations",
        "missing user",
        lambda wk, s: wk.users.annotations(MISSING_ID).to_list(),
        NotFoundError,
        404,
        ("User could not be found",),
    ),
    not_authenticated("teams.list", lambda wk, s: wk.teams.list()),
    # datasets
    unsupported_version("datasets.list", lambda wk, s: wk.datasets.list()),
    Refusal(
        "datasets.get",
        "missing",
        lambda wk, s: wk.datasets.get(s.server.organization, "no_such_dataset"),
        NotFoundError,
        404,
        ("Dataset no_such_dataset does not exist or could not be accessed",),
    ),
    Refusal(
        "datasets.get",
        "anonymous, team dataset",
        lambda wk, s: wk.datasets.get(s.server.organization, "2012-06-28_Cortex"),
        NotFoundError,
        404,
        ("Dataset 2012-06-28_Cortex does not exist or could not be accessed",),
        role=None,
    ),
    Refusal(
        "datasets.create_explorational",
        "inactive dataset",
        lambda wk, s: wk.datasets.create_explorational(
            s.server.organization, "inactive_dataset", ["Skeleton"]
        ),
        BadRequestError,
        400,
        ("Dataset inactive_dataset is not imported",),
    ),
    Refusal(
        "datasets.create_explorational",
        "missing dataset",
        lambda wk, s: wk.datasets.create_explorational(s.server.organization, "nope", ["Skeleton"]),
        NotFoundError,
        404,
        ("Dataset nope does not exist or could not be accessed",),
    ),
    # datastores and tracingstores
    unsupported_version("datastores.list", lambda wk, s: wk.datastores.list()),
    forbidden(
        "datastores.create",
        lambda wk, s: wk.datastores.create(
            name="store2", url=s.server.url, public_url=s.server.url, key="k"
        ),
    ),
    Refusal(
        "datastores.create",
        "name taken",
        lambda wk, s: wk.datastores.create(
            name="localhost", url=s.server.url, public_url=s.server.url, key="k"
        ),
        BadRequestError,
        400,
        ("A datastore with the name localhost already exists",),
    ),
    Refusal(
        "datastores.delete",
        "admin is no super user",
        lambda wk, s: wk.datastores.delete("localhost"),
        PermissionDeniedError,
        403,
        ("Only super users may delete datastores",),
    ),
    Refusal(
        "datastores.delete",
        "missing",
        lambda wk, s: wk.datastores.delete("no_such_store"),
        NotFoundError,
        404,
        ("Datastore could not be found",),
        role="super_user",
    ),
    Refusal(
        "datastores.update",
        "missing",
        lambda wk, s: wk.datastores.update(
            "no_such_store", url=s.server.url, public_url=s.server.url
        ),
        NotFoundError,
        404,
        ("Datastore could not be found",),
    ),
    forbidden(
        "datastores.update",
        lambda wk, s: wk.datastores.update("localhost", url=s.server.url, public_url=s.server.url),
    ),
    Refusal(
        "tracingstores.update",
        "missing",
        lambda wk, s: wk.tracingstores.update("nope", url=s.server.url, public_url=s.server.url),
        NotFoundError,
        404,
        ("Tracingstore could not be found",),
    ),
    forbidden(
        "tracingstores.update",
        lambda wk, s: wk.tracingstores.update(
            "localhost", url=s.server.url, public_url=s.server.url
        ),
    ),
    # annotations
    Refusal(
        "annotations.info",
        "missing",
        lambda wk, s: wk.annotations.info("Explorational", MISSING_ID),
        NotFoundError,
        404,
        (ANNOTATION_NOT_FOUND,),
    ),
    Refusal(
        "annotations.info",
        "anonymous, private",
        lambda wk, s: wk.annotations.info("Explorational", s.active),
        NotFoundError,
        404,
        (ANNOTATION_NOT_PUBLIC,),
        role=None,
    ),
    forbidden(
        "annotations.info",
        lambda wk, s: wk.annotations.info("Explorational", s.admin_annotation("Private")),
        "another user's private annotation",
    ),
    Refusal(
        "annotations.download",
        "View annotation",
        lambda wk, s: wk.annotations.download("View", s.view, to=s.tmp_path),
        BadRequestError,
        400,
        ("Cannot download View annotation",),
    ),
    Refusal(
        "annotations.download",
        "missing",
        lambda wk, s: wk.annotations.download("Explorational", MISSING_ID, to=s.tmp_path),
        NotFoundError,
        404,
        (ANNOTATION_NOT_FOUND,),
    ),
    Refusal(
        "annotations.stream",
        "missing",
        stream_missing,
        NotFoundError,
        404,
        (ANNOTATION_NOT_FOUND,),
    ),
    Refusal(
        "annotations.upload",
        "not an NML",
        upload_not_an_nml,
        BadRequestError,
        400,
        ("Could not parse file: not_things.nml. Root element is <html>, expected <things>",),
    ),
    forbidden(
        "annotations.duplicate",
        lambda wk, s: wk.annotations.duplicate("Explorational", s.admin_annotation("Private")),
        "another user's private annotation",
    ),
    Refusal(
        "annotations.duplicate",
        "compound type",
        lambda wk, s: wk.annotations.duplicate("CompoundTask", s.alpha_task),
        BadRequestError,
        400,
        ("Cannot use a CompoundTask annotation here",),
    ),
    forbidden(
        "annotations.edit",
        lambda wk, s: wk.annotations.edit(
            "Explorational", s.admin_annotation("Internal"), name="mine now"
        ),
        "another user's internal annotation",
    ),
    Refusal(
        "annotations.edit",
        "missing",
        lambda wk, s: wk.annotations.edit("Explorational", MISSING_ID, name="x"),
        NotFoundError,
        404,
        (ANNOTATION_NOT_FOUND,),
    ),
    Refusal(
        "annotations.finish",
        "already finished",
        lambda wk, s: wk.annotations.finish("Explorational", s.finished),
        BadRequestError,
        400,
        ("Annotation is not active and cannot be finished",),
    ),
    Refusal(
        "annotations.reopen",
        "still active",
        lambda wk, s: wk.annotations.reopen("Explorational", s.active),
        BadRequestError,
        400,
        ("Annotation is not finished and cannot be reopened",),
    ),
    forbidden(
        "annotations.reset",
        lambda wk, s: wk.annotations.reset(s.own_task_annotation),
        "annotator resets own task annotation",
    ),
    Refusal(
        "annotations.reset",
        "explorational",
        lambda wk, s: wk.annotations.reset(s.active),
        BadRequestError,
        400,
        ("Only task annotations can be reset",),
    ),
    Refusal(
        "annotations.merge",
        "different datasets",
        lambda wk, s: wk.annotations.merge("Explorational", s.active, "Explorational", s.on_cortex),
        BadRequestError,
        400,
        ("Cannot merge annotations of different datasets",),
    ),
    Refusal(
        "annotations.merge",
        "missing merged annotation",
        lambda wk, s: wk.annotations.merge("Explorational", s.active, "Explorational", MISSING_ID),
        NotFoundError,
        404,
        (ANNOTATION_NOT_FOUND,),
    ),
    Refusal(
        "annotations.cancel",
        "already cancelled",
        lambda wk, s: wk.annotations.cancel("Explorational", s.cancelled),
        BadRequestError,
        400,
        ("Annotation is already cancelled",),
    ),
    Refusal(
        "annotations.finish_many",
        "one already finished",
        lambda wk, s: wk.annotations.finish_many("Explorational", [s.active, s.finished]),
        BadRequestError,
        400,
        lambda s: (f"Annotation {s.finished} is not active and cannot be finished",),
    ),
    # tasks and task types
    Refusal(
        "tasks.create",
        "unknown project",
        lambda wk, s: wk.tasks.create([task_spec(s, project="no_such_project")]),
        BadRequestError,
        400,
        ("Project could not be found",),
    ),
    Refusal(
        "tasks.create",
        "unknown dataset",
        lambda wk, s: wk.tasks.create([task_spec(s, dataset="nope")]),
        NotFoundError,
        404,
        ("Dataset nope does not exist or could not be accessed",),
    ),
    Refusal(
        "tasks.create_from_files",
        "unknown project",
        tasks_from_files_unknown_project,
        BadRequestError,
        400,
        ("Project could not be found",),
    ),
    not_authenticated("tasks.list", lambda wk, s: wk.tasks.list(project=s.alpha_project)),
    Refusal(
        "tasks.get",
        "missing",
        lambda wk, s: wk.tasks.get(MISSING_ID),
        NotFoundError,
        404,
        ("Task could not be found",),
    ),
    Refusal(
        "tasks.get",
        "task of another team",
        lambda wk, s: wk.tasks.get(s.beta_task),
        NotFoundError,
        404,
        (NOT_FOUND_GENERIC,),
        role="user",
    ),
    forbidden("tasks.delete", lambda wk, s: wk.tasks.delete(s.alpha_task)),
    Refusal(
        "tasks.update",
        "missing",
        lambda wk, s: wk.tasks.update(MISSING_ID, 3),
        NotFoundError,
        404,
        ("Task could not be found",),
    ),
    forbidden("tasks.update", lambda wk, s: wk.tasks.update(s.alpha_task, 3)),
    Refusal(
        "tasks.annotations",
        "missing",
        lambda wk, s: wk.tasks.annotations(MISSING_ID),
        NotFoundError,
        404,
        ("Task could not be found",),
    ),
    Refusal(
        "tasks.annotations",
        "task of another team",
        lambda wk, s: wk.tasks.annotations(s.beta_task),
        NotFoundError,
        404,
        (NOT_FOUND_GENERIC,),
        role="user",
    ),
    forbidden("tasks.assign", lambda wk, s: wk.tasks.assign(s.alpha_task, s.user_id)),
    Refusal(
        "tasks.assign",
        "no pending instance",
        lambda wk, s: wk.tasks.assign(s.alpha_task, s.admin_id),
        BadRequestError,
        400,
        ("This task has no pending instances left",),
    ),
    not_authenticated("task_types.list", lambda wk, s: wk.task_types.list()),
    Refusal(
        "task_types.get",
        "missing",
        lambda wk, s: wk.task_types.get(MISSING_ID),
        NotFoundError,
        404,
        ("Task type could not be found",),
    ),
    # projects
    not_authenticated("projects.list", lambda wk, s: wk.projects.list()),
    not_authenticated("projects.list_with_status", lambda wk, s: wk.projects.list_with_status()),
    Refusal(
        "projects.create",
        "name taken",
        lambda wk, s: wk.projects.create(
            name="seed_project_alpha",
            team=s.alpha_team,
            priority=1,
            expected_time=None,
            owner=s.admin_id,
        ),
        BadRequestError,
        400,
        ("A project with the name seed_project_alpha already exists",),
    ),
    forbidden(
        "projects.create",
        lambda wk, s: wk.projects.create(
            name="my_project", team=s.alpha_team, priority=1, expected_time=None, owner=s.user_id
        ),
    ),
    Refusal(
        "projects.get",
        "missing",
        lambda wk, s: wk.projects.get(MISSING_ID),
        NotFoundError,
        404,
        ("Project could not be found",),
    ),
    Refusal(
        "projects.get",
        "project of another team",
        lambda wk, s: wk.projects.get(s.beta_project),
        NotFoundError,
        404,
        (NOT_FOUND_GENERIC,),
        role="user",
    ),
    Refusal(
        "projects.by_name",
        "missing",
        lambda wk, s: wk.projects.by_name("no_such_project"),
        NotFoundError,
        404,
        ("Project could not be found",),
    ),
    forbidden("projects.delete", lambda wk, s: wk.projects.delete(s.alpha_project)),
    forbidden("projects.update", lambda wk, s: wk.projects.update(s.alpha_project, priority=3)),
    Refusal(
        "projects.update",
        "stored name breaks the name rule",
        update_legacy_project,
        BadRequestError,
        400,
        ("Invalid Json format", "/name: error.pattern"),
    ),
    Refusal(
        "projects.update",
        "unknown team",
        lambda wk, s: wk.projects.update(s.alpha_project, team=MISSING_ID),
        NotFoundError,
        404,
        ("Team could not be found",),
    ),
    Refusal(
        "projects.tasks",
        "missing",
        lambda wk, s: wk.projects.tasks(MISSING_ID).to_list(),
        NotFoundError,
        404,
        ("Project could not be found",),
    ),
    forbidden(
        "projects.increment_each_tasks_instances",
        lambda wk, s: wk.projects.increment_each_tasks_instances(s.alpha_project),
    ),
    Refusal(
        "projects.increment_each_tasks_instances",
        "missing",
        lambda wk, s: wk.projects.increment_each_tasks_instances(MISSING_ID, 2),
        NotFoundError,
        404,
        ("Project could not be found",),
    ),
    forbidden("projects.pause", lambda wk, s: wk.projects.pause(s.alpha_project)),
    forbidden("projects.resume", lambda wk, s: wk.projects.resume(s.alpha_project)),
    Refusal(
        "projects.resume",
        "missing",
        lambda wk, s: wk.projects.resume(MISSING_ID),
        NotFoundError,
        404,
        ("Project could not be found",),
    ),
    # tokens
    not_authenticated("tokens.personal", lambda wk, s: wk.tokens.personal()),
]


def client_for(
    case_role: str | None, server: FakeWebknossos, connect: ClientFactory, **options: Any
) -> Client:
    """A client of ``server`` with the role's token, no token, or a token the server lacks."""
    base_path = options.pop("base_path", "")
    if case_role == BAD_TOKEN:
        return connect(server.url + base_path, token="no-such-token", **options)
    if base_path:
        token = None if case_role is None else server.tokens[case_role]
        return connect(server.url + base_path, token=token, **options)
    return connect(server, case_role, **options)


def expected_messages(case: Refusal, seed: Seed) -> tuple[str, ...]:
    return case.messages(seed) if callable(case.messages) else case.messages


@pytest.mark.parametrize("case", REFUSALS, ids=[case.id for case in REFUSALS])
async def test_the_servers_refusal_reaches_the_caller_typed(
    case: Refusal, server: FakeWebknossos, connect: ClientFactory, tmp_path: Path
) -> None:
    seed = Seed.of(server, tmp_path)
    recorder = CallRecorder()
    wk = recorder.install(
        client_for(case.role, server, connect, base_path=case.base_path, **case.options)
    )

    with pytest.raises(APIStatusError) as caught:
        await case.call(wk, seed)

    error = caught.value
    assert type(error) is case.error, f"{type(error).__name__}: {error}"
    assert error.status == case.status
    assert error.messages == list(expected_messages(case, seed))
    # The server refused it (not the client), and inside the method the case names.
    assert server.requests[-1].status == case.status
    last = recorder.calls[-1]
    assert (last.outermost, last.status) == (case.method, case.status)


@dataclass(frozen=True)
class Answered:
    """A call a real server answers with 200 where one might expect a refusal, and what it gives."""

    method: str
    why: str
    call: Callable[[Client, Seed], Awaitable[Any]]
    expected: Callable[[Seed], Any]
    role: str | None = "admin"

    @property
    def id(self) -> str:
        return f"{self.method}[{self.why}]"


async def names(listing: Awaitable[list[Any]]) -> list[str]:
    return sorted(item.name for item in await listing)


async def ids(listing: Awaitable[list[Any]]) -> list[str]:
    return sorted(item.id for item in await listing)


ANSWERED: list[Answered] = [
    # Anonymous access is allowed: a bad token continues as anonymous (as on real servers).
    Answered(
        "datasets.list",
        "bad token sees the public datasets",
        lambda wk, s: names(wk.datasets.list()),
        lambda s: ["l4_sample"],
        role=BAD_TOKEN,
    ),
    Answered(
        "datastores.list",
        "bad token sees the datastores",
        lambda wk, s: names(wk.datastores.list()),
        lambda s: ["localhost"],
        role=BAD_TOKEN,
    ),
    # A plain user may list users: the list holds only the users the caller may read.
    Answered(
        "users.list",
        "plain user sees only themself",
        lambda wk, s: ids(wk.users.list()),
        lambda s: [s.user_id],
        role="user",
    ),
    # /tasks/list filters; a project without tasks (or no such project) is an empty list.
    Answered(
        "tasks.list",
        "unknown project",
        lambda wk, s: ids(wk.tasks.list(project=MISSING_ID)),
        lambda s: [],
    ),
]


@pytest.mark.parametrize("case", ANSWERED, ids=[case.id for case in ANSWERED])
async def test_what_the_server_answers_instead_of_refusing(
    case: Answered, server: FakeWebknossos, connect: ClientFactory, tmp_path: Path
) -> None:
    seed = Seed.of(server, tmp_path)
    result = await case.call(client_for(case.role, server, connect), seed)
    assert result == case.expected(seed)
    assert server.requests[-1].status == 200


def test_every_route_method_has_a_refusal_case() -> None:
    client = Client("http://127.0.0.1:9")
    covered = {case.method for case in REFUSALS}
    for case in REFUSALS:
        client_method(client, case.method)  # raises for a method the client lacks
    missing = sorted(set(ROUTE_METHODS.values()) - covered)
    assert missing == [], f"route methods without a refusal case: {missing}"
