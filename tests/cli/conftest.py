"""Fixtures for the command-line tests: fake servers in a background thread, and what the
task and export tests find on them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cli.helpers import ThreadedServer


@pytest.fixture(scope="module")
def threaded_server() -> Iterator[ThreadedServer]:
    """One fake server per test module (tests add their own data to it)."""
    server = ThreadedServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def server() -> Iterator[ThreadedServer]:
    """A server of the test's own: it may be stopped, or get faults and latency that concern no
    other test."""
    started = ThreadedServer()
    try:
        yield started
    finally:
        started.close()


@pytest.fixture(scope="module")
def task_targets(threaded_server: ThreadedServer) -> dict[str, str]:
    """What a task file may name on the module's server (``test_edges``): a skeleton task type,
    the project ``edges_project`` and a dataset."""
    server = threaded_server.server

    def build() -> dict[str, str]:
        return {
            "task_type": server.add_task_type("edges skeleton"),
            "project": server.add_project("edges_project"),
            "dataset": next(iter(server.state.datasets)),
        }

    return threaded_server.call(build)


@pytest.fixture(scope="module")
def annotated_project(threaded_server: ThreadedServer) -> dict[str, object]:
    """The project ``cli_export`` of 12 assigned tasks (7 finished) on the module's server, with
    its task type, dataset and annotations."""
    server = threaded_server.server

    def build() -> dict[str, object]:
        task_type = server.add_task_type("cli skeleton")
        project = server.add_project("cli_export")
        dataset = next(iter(server.state.datasets))
        for index in range(12):
            server.add_task(project, task_type, dataset, edit_position=(index, 1, 2))
        annotations = server.simulate_annotators(project, finish_fraction=7 / 12, seed=5)
        return {
            "project": project,
            "task_type": task_type,
            "dataset": dataset,
            "annotations": annotations,
        }

    return threaded_server.call(build)
