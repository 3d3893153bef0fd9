"""Behaviour shared by the resources: anonymous callers, which POSTs are retried, the renamed
with-status route, quoting of names in paths, and what reaches the server on bad input."""

from __future__ import annotations

import pytest

from tests.resources.helpers import ClientFactory
from wkapi import AuthenticationError, Client, NotFoundError, PermissionDeniedError, ServerError
from wkapi.models import TaskSpec
from wkapi.testing import FakeWebknossos, FaultKind


async def test_secured_routes_need_a_token(server: FakeWebknossos, connect: ClientFactory) -> None:
    anonymous = connect(server, None)
    for call in (
        anonymous.users.current(),
        anonymous.users.list(),
        anonymous.users.my_annotations().to_list(),
        anonymous.teams.list(),
        anonymous.task_types.list(),
        anonymous.projects.list(),
        anonymous.tokens.personal(),
    ):
        with pytest.raises(AuthenticationError) as caught:
            await call
        assert caught.value.status == 401
    # Public routes answer anonymous callers.
    assert await anonymous.datastores.list()
    assert await anonymous.tokens.generate_datastore_token()


async def test_plain_user_cannot_list_another_teams_user_annotations(
    server: FakeWebknossos, connect: ClientFactory
) -> None:
    beta_user = server.add_user(teams=["team_beta"])
    user = connect(server, "user")
    with pytest.raises(PermissionDeniedError):
        await user.users.tasks(beta_user).to_list()
    with pytest.raises(PermissionDeniedError):
        await user.users.annotations(beta_user).total()


async def test_read_only_post_is_retried(server: FakeWebknossos, wk: Client) -> None:
    rule = server.faults.add(
        FaultKind.STATUS, method="POST", path="/tasks/list", status=502, times=1
    )
    assert await wk.tasks.list()
    assert rule.hits == 1
    assert [r.status for r in server.requests if r.route == "/tasks/list"] == [502, 200]


async def test_task_creation_is_not_repeated_after_an_ambiguous_failure(
    server: FakeWebknossos, wk: Client
) -> None:
    task_type = next(t.id for t in server.state.task_types.values() if t.summary == "Trace axons")
    server.faults.add(
        FaultKind.STATUS, method="POST", path="/tasks", status=502, times=1, after_processing=True
    )
    before = len(server.state.tasks)
    with pytest.raises(ServerError):
        await wk.tasks.create([TaskSpec(task_type, "l4_sample", "seed_project_alpha", (0, 0, 0))])
    assert len([r for r in server.requests if r.route == "/tasks"]) == 1
    assert len(server.state.tasks) == before + 1  # processed once, never sent again


async def test_with_status_route_is_probed_once(server: FakeWebknossos, wk: Client) -> None:
    await wk.projects.list_with_status()
    await wk.projects.list_with_status()
    routes = [(r.route, r.status) for r in server.requests if r.route.startswith("/projects/")]
    if server.release == "23.08":
        assert routes == [
            ("/projects/withStatus", 400),
            ("/projects/assignments", 200),
            ("/projects/assignments", 200),
        ]
    else:
        assert routes == [("/projects/withStatus", 200), ("/projects/withStatus", 200)]


async def test_a_server_with_neither_with_status_route_is_an_error(
    server: FakeWebknossos, wk: Client
) -> None:
    server.faults.add(FaultKind.STATUS, path="/projects/withStatus", status=404)
    server.faults.add(FaultKind.STATUS, path="/projects/assignments", status=404)
    with pytest.raises(NotFoundError):
        await wk.projects.list_with_status()


async def test_names_in_paths_are_quoted(server: FakeWebknossos, wk: Client) -> None:
    # Unquoted, the "/" would split the path and the "?" start a query: the read would fail.
    server.add_dataset("odd name/with?chars", public=True)
    dataset = await wk.datasets.get(server.organization, "odd name/with?chars")
    assert dataset.name == "odd name/with?chars"
    server.add_project("with space")  # not a valid new name, but servers may hold such names
    assert (await wk.projects.by_name("with space")).name == "with space"
