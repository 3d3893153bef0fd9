"""The deterministic organization every fake server starts with.

Structure (the same for every seed; names of people and ids change with the seed):

- teams ``team_alpha`` and ``team_beta``; one datastore and one tracingstore named ``localhost``
  whose URL is the server's own; one script
- users, one per role: ``admin`` (organization owner, both teams), ``team_manager`` (manages
  alpha), ``user`` (alpha), ``super_user`` (admin and super user), ``dataset_manager`` (alpha),
  plus four annotators (three in alpha, one in beta)
- datasets ``l4_sample`` (public), ``2012-06-28_Cortex`` (team alpha) and ``inactive_dataset``
- task types ``Trace axons`` (skeleton), ``Segment cells`` (volume), ``Proofread`` (hybrid)
- project ``seed_project_alpha`` (alpha; three skeleton tasks of two instances, assigned, one
  instance finished per task, a fourth task untouched) and ``seed_project_beta`` (beta; one
  volume task, finished)
- explorational annotations of ``user``: Private ones that are Active, Finished and Cancelled,
  a Public one, an Internal one with a volume layer; a ``View`` annotation of ``admin``; a
  Cancelled Task annotation
"""

from __future__ import annotations

import random

from ._build import (
    assign_task,
    new_annotation,
    new_dataset,
    new_project,
    new_task,
    new_task_type,
    new_team,
    new_user,
)
from ._state import Datastore, Script, State, Tracingstore

ORGANIZATION = "sample_organization"
_FIRST_NAMES = [
    "Ada",
    "Bruno",
    "Chloé",
    "Dmitri",
    "Esra",
    "Farid",
    "Greta",
    "Hiro",
    "Ines",
    "Jonas",
]
_LAST_NAMES = ["Boyd", "Castro", "Dubois", "Eriksen", "Fujita", "Gómez", "Hansen", "Iyer", "Jansen"]


def build_seed_state(seed: int) -> tuple[State, dict[str, str]]:
    """The seeded organization and its users' ids by role."""
    state = State(seed=seed, organization=ORGANIZATION)
    rng = random.Random(seed)
    first_names = rng.sample(_FIRST_NAMES, 9)
    last_names = rng.sample(_LAST_NAMES, 9)
    state.datastores["localhost"] = Datastore("localhost", None, None, key="something-secure")
    state.tracingstores["localhost"] = Tracingstore("localhost", None, None)
    alpha = new_team(state, "team_alpha")
    beta = new_team(state, "team_beta")

    def person(i: int, role: str, teams: list[str]) -> str:
        return new_user(
            state,
            role,
            first_name=first_names[i],
            last_name=last_names[i],
            teams=teams,
            experiences={"axons": i + 1},
        ).id

    users = {
        "admin": person(0, "admin", [alpha.id, beta.id]),
        "team_manager": person(1, "team_manager", [alpha.id]),
        "user": person(2, "user", [alpha.id]),
        "super_user": person(3, "super_user", [alpha.id]),
        "dataset_manager": person(4, "dataset_manager", [alpha.id]),
    }
    helpers = [person(5 + i, "user", [alpha.id if i < 3 else beta.id]) for i in range(4)]
    script = Script(state.new_id(), "Default script", "https://example.org/gist", users["admin"])
    state.scripts[script.id] = script

    new_dataset(state, "l4_sample", public=True)
    new_dataset(state, "2012-06-28_Cortex", allowed_team_ids=[alpha.id])
    new_dataset(state, "inactive_dataset", active=False, layers=("color",))
    skeleton = new_task_type(state, "Trace axons", team_id=alpha.id)
    volume = new_task_type(state, "Segment cells", tracing_type="volume", team_id=alpha.id)
    new_task_type(state, "Proofread", tracing_type="hybrid", team_id=alpha.id)

    project_a = new_project(
        state, "seed_project_alpha", team_id=alpha.id, owner_id=users["team_manager"]
    )
    workers = [state.users[users["user"]], *(state.users[h] for h in helpers[:3])]
    for i in range(3):
        task = new_task(
            state,
            project_a.id,
            skeleton.id,
            "l4_sample",
            instances=2,
            edit_position=(100 * i, 200, 300),
            creation_info=f"seed-task-{i}",
            needed_experience=("axons", 1),
        )
        first = assign_task(state, task, workers[i])
        assign_task(state, task, workers[(i + 1) % len(workers)])
        state.set_annotation_state(first, "Finished")
    new_task(state, project_a.id, skeleton.id, "l4_sample", creation_info="seed-task-3")

    project_b = new_project(state, "seed_project_beta", team_id=beta.id, owner_id=users["admin"])
    volume_task = new_task(state, project_b.id, volume.id, "2012-06-28_Cortex", instances=1)
    state.set_annotation_state(assign_task(state, volume_task, state.users[helpers[3]]), "Finished")
    cancelled_task = new_task(state, project_b.id, volume.id, "2012-06-28_Cortex")
    state.set_annotation_state(
        assign_task(state, cancelled_task, state.users[helpers[3]]), "Cancelled"
    )

    owner = users["user"]
    for state_name in ("Active", "Finished", "Cancelled"):
        new_annotation(
            state, owner_id=owner, state_name=state_name, dataset="l4_sample", visibility="Private"
        )
    new_annotation(
        state, owner_id=owner, name="public_tracing", visibility="Public", dataset="l4_sample"
    )
    new_annotation(state, owner_id=owner, dataset="2012-06-28_Cortex", volume_layers=("Volume",))
    new_annotation(state, typ="View", owner_id=users["admin"], dataset="l4_sample")
    return state, users
