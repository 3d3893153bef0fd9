"""``FakeWebknossos``: start and stop a fake server, read its settings, add data to it."""

from __future__ import annotations

import asyncio
import math
import shutil
import tempfile
from collections import deque
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType

from aiohttp import web

from . import _build
from ._context import Context
from ._downloads import download_stem, sha256_of, synthetic_body
from ._faults import FaultInjector
from ._log import RecordedRequest
from ._releases import check_release
from ._routes import build_app
from ._seed import build_seed_state
from ._state import DEFAULT_MAGS, DEFAULT_MODES, State, SyntheticSpec

# About 40 MB of log at most (a few hundred bytes a request): ample for any test.
DEFAULT_REQUEST_LOG_LIMIT = 100_000


def _check_number(
    name: str,
    value: float,
    wanted: str,
    *,
    low: float,
    high: float = math.inf,
    whole: bool = False,
) -> None:
    """Refuse what no command line takes either: ``TypeError`` for a value that is no number
    (no integer for ``whole``; a bool is neither), ``ValueError`` for one that is not finite or
    outside ``low`` .. ``high``; both name the argument."""
    kinds: tuple[type, ...] = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise TypeError(f"{name} must be {wanted}, not {value!r}")
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"{name} must be {wanted}, not {value!r}")


class FakeWebknossos:
    """An in-memory WEBKNOSSOS server on 127.0.0.1 that behaves like a real one.

    ``release`` is one of the releases it knows: ``"25.01"`` (the default, also for ``None``),
    the newer generation (API v5 to v9), or ``"23.08"``, the older one (API v1 to v5); any
    other value raises ``ValueError`` (``TypeError`` for a non-string) listing the known
    releases. ``seed`` fixes ids, names,
    tokens and file contents. ``chunked_downloads`` sends downloads chunked without
    ``Content-Length`` (servers before 22.03); ``latency`` delays every request by that many
    seconds (a finite number >= 0); multipart bodies beyond ``max_upload_bytes`` (>= 1) get the
    413 page. ``port`` is 0 (a free one) to 65535. A value outside these ranges raises
    ``ValueError``, one of the wrong type ``TypeError``, naming the argument.
    ``request_log_limit`` bounds :attr:`requests`: it keeps the newest that many, dropping the
    oldest, so a long soak run against one server does not grow its memory without bound
    (``None`` keeps every request).

    Use it as ``async with FakeWebknossos() as server:``. The ``add_*`` helpers work before and
    after start.
    """

    def __init__(
        self,
        release: str | None = None,
        seed: int = 0,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        chunked_downloads: bool = False,
        latency: float = 0.0,
        max_upload_bytes: int = 1 << 30,
        request_log_limit: int | None = DEFAULT_REQUEST_LOG_LIMIT,
    ) -> None:
        if request_log_limit is not None and request_log_limit < 0:
            raise ValueError(f"request_log_limit must be >= 0 or None, not {request_log_limit}")
        _check_number("latency", latency, "a finite number >= 0", low=0)
        _check_number("port", port, "an integer from 0 to 65535", low=0, high=65535, whole=True)
        _check_number("max_upload_bytes", max_upload_bytes, "an integer >= 1", low=1, whole=True)
        checked_release = check_release(release)
        state, user_ids = build_seed_state(seed)
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._temp_dir: Path | None = None
        self._ctx = Context(
            state=state,
            release=checked_release,
            temp_dir=Path(tempfile.gettempdir()),
            chunked_downloads=chunked_downloads,
            latency=latency,
            max_upload_bytes=max_upload_bytes,
            requests=deque(maxlen=request_log_limit),
        )
        self.user_ids: dict[str, str] = dict(user_ids)
        """The seeded users' ids by role (admin, team_manager, user, super_user,
        dataset_manager)."""

    # lifecycle

    async def start(self) -> None:
        """Bind the port (a free one for ``port=0``) and serve.

        A start that fails (the port is taken, say) raises and leaves nothing behind: no
        listening socket, no temporary directory.
        """
        if self._runner is not None:
            raise RuntimeError("the fake server is running already")
        temp_dir = Path(tempfile.mkdtemp(prefix="wkapi-fake-"))
        self._ctx.temp_dir = temp_dir
        runner = web.AppRunner(build_app(self._ctx), access_log=None, shutdown_timeout=1.0)
        try:
            await runner.setup()
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            shutil.rmtree(temp_dir, ignore_errors=True)  # still empty: nothing was served
            await runner.cleanup()
            raise
        self._temp_dir = temp_dir
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self._ctx.base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        """Stop serving and delete the temporary files (uploads, compound ZIPs)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        if self._temp_dir is not None:
            await asyncio.to_thread(shutil.rmtree, self._temp_dir, True)
            self._temp_dir = None

    async def __aenter__(self) -> FakeWebknossos:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # what tests read

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        if self._runner is None:
            raise RuntimeError("the fake server is not running")
        return self._ctx.base_url

    @property
    def tokens(self) -> dict[str, str]:
        """The seeded users' ``X-Auth-Token`` values by role."""
        return {role: self.token_for(user_id) for role, user_id in self.user_ids.items()}

    def token_for(self, user_id: str) -> str:
        """The token of any user, seeded or added."""
        return self._ctx.state.users[user_id].token

    @property
    def organization(self) -> str:
        """The seeded organization's name (``sample_organization``)."""
        return self._ctx.state.organization

    @property
    def release(self) -> str:
        """The WEBKNOSSOS release it imitates, e.g. ``"25.01"``."""
        return self._ctx.release

    @property
    def state(self) -> State:
        """The in-memory store (see ``wkapi.testing._state`` for its collections)."""
        return self._ctx.state

    @property
    def faults(self) -> FaultInjector:
        """The fault rules; ``server.faults.add(...)`` makes chosen requests fail."""
        return self._ctx.faults

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first: a copy, of at most the newest
        ``request_log_limit`` (once the limit is reached, positions shift as the oldest go)."""
        return list(self._ctx.requests)

    def clear_requests(self) -> None:
        """Forget the requests recorded so far."""
        self._ctx.requests.clear()

    # adding data

    def add_user(
        self,
        role: str = "user",
        *,
        first_name: str = "Test",
        last_name: str = "User",
        email: str | None = None,
        teams: Iterable[str] | None = None,
        experiences: dict[str, int] | None = None,
    ) -> str:
        """Add a user of ``role`` (admin, team_manager, user, super_user, dataset_manager) to the
        given teams (ids or names; default the first team); returns its id. Its token:
        :meth:`token_for`."""
        return _build.new_user(
            self.state,
            role,
            first_name=first_name,
            last_name=last_name,
            email=email,
            teams=teams,
            experiences=experiences,
        ).id

    def add_team(self, name: str, *, organization_team: bool = False) -> str:
        """Add a team (``organization_team``: the organization's own team, which newer servers
        flag with ``isOrganizationTeam``); returns its id."""
        return _build.new_team(self.state, name, organization_team=organization_team).id

    def add_dataset(
        self,
        name: str,
        *,
        layers: Sequence[str] = ("color", "segmentation"),
        public: bool = False,
        active: bool = True,
        tags: Sequence[str] = (),
        mags: Sequence[Sequence[int]] | None = None,
        description: str | None = None,
    ) -> str:
        """Add a dataset readable by the first team (and everyone if ``public``).

        ``mags`` are the magnifications every layer has, ``[x, y, z]`` each, finest first
        (default ``[1, 1, 1]``, ``[2, 2, 1]``, ``[4, 4, 2]``, ``[8, 8, 4]``): the layers'
        ``resolutions``, and on newer servers their ``mags``. ``tags`` are the dataset's tags.
        ``layers`` and ``tags`` are sequences of names; one plain string is a ``TypeError``.
        """
        first_team = next(iter(self.state.teams))
        _build.new_dataset(
            self.state,
            name,
            layers=layers,
            public=public,
            active=active,
            allowed_team_ids=[first_team],
            tags=tags,
            mags=DEFAULT_MAGS if mags is None else mags,
            description=description,
        )
        return name

    def add_task_type(
        self,
        summary: str,
        *,
        tracing_type: str = "skeleton",
        team_id: str | None = None,
        min_mag: int | None = None,
        max_mag: int | None = None,
        allowed_modes: Sequence[str] = DEFAULT_MODES,
    ) -> str:
        """Add a task type (``skeleton``, ``volume`` or ``hybrid``; default team: the first);
        returns its id.

        ``min_mag``/``max_mag`` restrict the magnifications its annotations may use (powers of
        two; sent as ``settings.magRestrictions``, ``resolutionRestrictions`` on older
        servers); ``allowed_modes`` may be empty, as on newer servers, and holds only
        ``"orthogonal"``, ``"oblique"`` and ``"flight"`` (anything else: ``ValueError`` naming
        these).
        """
        return _build.new_task_type(
            self.state,
            summary,
            tracing_type=tracing_type,
            team_id=team_id,
            restrictions=_build.mag_restrictions(min_mag, max_mag),
            allowed_modes=allowed_modes,
        ).id

    def add_project(
        self,
        name: str,
        *,
        team_id: str | None = None,
        owner_id: str | None = None,
        priority: int = 100,
        paused: bool = False,
        expected_time: int | None = None,
    ) -> str:
        """Add a project (default: the first team, owned by the seeded team manager)."""
        return _build.new_project(
            self.state,
            name,
            team_id=team_id,
            owner_id=owner_id or self.user_ids["team_manager"],
            priority=priority,
            paused=paused,
            expected_time=expected_time,
        ).id

    def add_task(
        self,
        project_id: str,
        task_type_id: str,
        dataset: str,
        *,
        instances: int = 1,
        edit_position: Sequence[int] = (0, 0, 0),
        creation_info: str | None = None,
    ) -> str:
        """Add a task of ``instances`` pending instances on the dataset named ``dataset``;
        returns its id."""
        return _build.new_task(
            self.state,
            project_id,
            task_type_id,
            dataset,
            instances=instances,
            edit_position=edit_position,
            creation_info=creation_info,
        ).id

    def add_annotation(
        self,
        *,
        typ: str = "Explorational",
        owner_id: str | None = None,
        task_id: str | None = None,
        dataset: str | None = None,
        state: str = "Active",
        name: str = "",
        volume_layers: Sequence[str] = (),
        skeleton: bool = True,
        visibility: str = "Internal",
    ) -> str:
        """Add an annotation (owner default: the seeded ``user``); ``Task`` ones need
        ``task_id`` and take one of the task's instances."""
        return _build.new_annotation(
            self.state,
            typ=typ,
            owner_id=owner_id or self.user_ids["user"],
            task_id=task_id,
            dataset=dataset,
            state_name=state,
            name=name,
            volume_layers=volume_layers,
            skeleton=skeleton,
            visibility=visibility,
        ).id

    def add_synthetic_annotation(
        self,
        size_bytes: int,
        kind: str = "nml",
        *,
        owner_id: str | None = None,
        typ: str = "Explorational",
        task_id: str | None = None,
        state: str = "Finished",
        name: str = "",
    ) -> str:
        """Add an annotation whose download is a generated body of exactly ``size_bytes``
        (``kind`` ``"nml"`` or ``"zip"``). It is ``Finished`` by default, so compound downloads
        and exports of finished work include it. ValueError if the size is too small.

        A ``"zip"`` is laid out like a volume download (``<name>.nml`` plus ``data_Volume.zip``)
        and the annotation has that ``Volume`` layer. The NML's name inside the ZIP is fixed
        now, from ``name`` (or the default download name): renaming the annotation later
        changes its download's file name, not its bytes.
        """
        owner = owner_id or self.user_ids["user"]
        annotation = _build.new_annotation(
            self.state,
            typ=typ,
            owner_id=owner,
            task_id=task_id,
            state_name=state,
            name=name,
            volume_layers=("Volume",) if kind == "zip" else (),
        )
        nml_name = f"{download_stem(self.state, annotation)}.nml"
        spec = SyntheticSpec(size_bytes, kind, annotation.content_seed, nml_name)
        try:
            body = synthetic_body(spec, annotation.dataset, self.organization)
        except ValueError:
            self.state.remove_annotation(annotation.id)
            raise
        annotation.synthetic = spec
        annotation.content_stats = body.skeleton_stats()
        return annotation.id

    def share_annotation(self, annotation_id: str, teams: Iterable[str]) -> None:
        """Share the annotation with ``teams`` (ids or names): they follow a task's project
        team in its ``teams``. Sharing changes what it lists, not who may read it."""
        _build.share_annotation(self.state, annotation_id, teams)

    def add_contributor(self, annotation_id: str, user_id: str) -> None:
        """Record that another user than the owner changed the annotation (as a real server
        does when they save tracing updates, which this server does not serve): the user is
        listed in its ``contributors``. ValueError for the owner."""
        _build.add_contributor(self.state, annotation_id, user_id)

    def finish_annotation(self, annotation_id: str) -> None:
        """Mark the annotation Finished (its task's counts follow)."""
        self.state.set_annotation_state(self.state.annotations[annotation_id], "Finished")

    def assign_task(self, task_id: str, user_id: str) -> str:
        """Give one instance of the task to the user; returns the new Task annotation's id."""
        state = self.state
        return _build.assign_task(state, state.tasks[task_id], state.users[user_id]).id

    def simulate_annotators(
        self, project_id: str, *, finish_fraction: float = 0.5, seed: int | None = None
    ) -> list[str]:
        """Assign every pending instance of the project's tasks to seeded non-admin users (new
        Active Task annotations, as a real server creates on assignment) and finish
        ``finish_fraction`` of them. Returns the new annotations' ids."""
        return _build.simulate_annotators(
            self.state, project_id, finish_fraction=finish_fraction, seed=seed
        )

    def expected_sha256(self, annotation_id: str) -> str:
        """The sha256 hex of exactly what a default download of the annotation sends (for an
        uploaded one: the file the server writes from its content, not the uploaded bytes)."""
        return sha256_of(self._ctx, self.state.annotations[annotation_id])
