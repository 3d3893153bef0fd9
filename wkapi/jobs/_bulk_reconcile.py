"""Finding out which items of a run exist on the server, from the project's task list.

``GET /projects/:id/tasks`` lists a project's tasks newest first (by id, which grows with
time). A scan reads pages from the newest until a whole page is older than a *floor*: a server
time before which no task of interest can have been created. Floors are always taken from the
server's own ``created`` values (the newest task of the project before the run, or tasks the
run created earlier), never from the client's clock, and lowered by :data:`CLOCK_MARGIN_MS`
for servers whose nodes' clocks differ a little.

``POST /tasks/list`` by project would be one request, but it answers at most 1000 tasks and
has no paging, which is not enough for the projects bulk jobs fill.
"""

from __future__ import annotations

from wkapi.models import Task
from wkapi.resources.projects import ProjectsResource

from ._bulk_markers import MarkerMatcher

__all__ = ["CLOCK_MARGIN_MS", "SCAN_PAGE_SIZE", "floor_before", "scan_project"]

#: How far (ms) a floor lies before the server time it is derived from.
CLOCK_MARGIN_MS = 5 * 60 * 1000
#: Tasks per page when scanning a project.
SCAN_PAGE_SIZE = 1000


def floor_before(created_ms: int | None) -> int | None:
    """The floor for tasks created after a task created at ``created_ms`` (``None``: no bound)."""
    return None if created_ms is None else created_ms - CLOCK_MARGIN_MS


async def scan_project(
    projects: ProjectsResource, project_id: str, matcher: MarkerMatcher, floor: int | None
) -> dict[int, list[Task]]:
    """The project's tasks carrying a marker of this run, by input index (all copies).

    Reads pages newest first until a page ends the list or lies wholly before ``floor``
    (``None``: read everything). It does not stop when the wanted markers are found: reading
    the whole window is what lets a task created twice show up as two entries.

    Tasks created while the scan runs shift later pages; a task seen twice that way is counted
    once (by id), so two entries for one index are two different tasks.
    """
    pager = projects.tasks(project_id, page_size=SCAN_PAGE_SIZE)
    found: dict[int, list[Task]] = {}
    seen: set[str] = set()
    number = 0
    while True:
        page = await pager.page(number)
        for task in page:
            if task.id in seen:
                continue
            seen.add(task.id)
            index = matcher.index(task.creation_info)
            if index is not None:
                found.setdefault(index, []).append(task)
        if len(page) < SCAN_PAGE_SIZE:
            return found
        if floor is not None and all(task.created < floor for task in page):
            return found
        number += 1
