"""``wkapi info`` (server build, API range, current user) and ``wkapi projects list``."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

import wkapi

from ._errors import EXIT_OK
from ._settings import Settings, server_options, settings_of
from ._signals import run_main

__all__ = ["info", "projects"]


async def _gather_info(settings: Settings) -> dict[str, Any]:
    async with settings.client() as wk:
        # The version check reads GET /api/buildinfo anyway: its answer is the build info.
        build = await wk.check_version()
        user = await wk.users.current() if settings.server_token() else None
    versioning = build.http_api_versioning
    return {
        "ok": True,
        "url": wk.url,
        "webknossos": {
            "name": build.webknossos.name,
            "version": build.webknossos.version,
            "commit_hash": build.webknossos.commit_hash,
        },
        "api": {
            "oldest": versioning.oldest_supported_api_version if versioning else None,
            "current": versioning.current_api_version if versioning else None,
            "client": wk.config.api_version,
        },
        "user": None
        if user is None
        else {
            "id": user.id,
            "name": user.full_name,
            "email": user.email,
            "organization": user.organization,
            "is_admin": user.is_admin,
            "is_dataset_manager": user.is_dataset_manager,
            "teams": [team.name for team in user.teams],
            "managed_teams": [team.name for team in user.teams if team.is_team_manager],
        },
    }


def _api_range(api: dict[str, Any]) -> str:
    if api["current"] is None:
        return "not reported (servers before 24.02 serve up to v5)"
    return f"v{api['oldest']} to v{api['current']}"


@click.command()
@server_options
@click.pass_context
def info(ctx: click.Context) -> int:
    """Show the server's version, the API versions it serves, and who you are."""
    settings = settings_of(ctx)
    data = run_main(_gather_info(settings))
    if settings.json:
        settings.print_json(data)
        return EXIT_OK
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("server", data["url"])
    table.add_row("WEBKNOSSOS", f"{data['webknossos']['name']} {data['webknossos']['version']}")
    table.add_row("API versions", _api_range(data["api"]))
    client_api = data["api"]["client"]
    table.add_row("client uses", f"v{client_api}" if client_api else "the newest (unversioned)")
    user = data["user"]
    if user is None:
        table.add_row("user", "anonymous (no token)")
    else:
        roles = [r for r, on in (("admin", user["is_admin"]),) if on]
        if user["managed_teams"]:
            roles.append("manages " + ", ".join(user["managed_teams"]))
        table.add_row("user", f"{user['name']} <{user['email']}>")
        table.add_row("organization", user["organization"])
        table.add_row("teams", ", ".join(user["teams"]) or "-")
        table.add_row("roles", "; ".join(roles) or "-")
    settings.out.print(table)
    return EXIT_OK


@click.group()
def projects() -> None:
    """Projects: list them with their pending work."""


@projects.command("list")
@server_options
@click.pass_context
def projects_list(ctx: click.Context) -> int:
    """List the projects you can see, with their pending task instances."""
    settings = settings_of(ctx)

    async def fetch() -> list[wkapi.ProjectWithStatus]:
        async with settings.client() as wk:
            return await wk.projects.list_with_status()

    found = run_main(fetch())
    if settings.json:
        settings.print_json(
            [
                {
                    "id": project.id,
                    "name": project.name,
                    "team": project.team_name,
                    "owner": project.owner.full_name if project.owner else None,
                    "priority": project.priority,
                    "paused": project.paused,
                    "pending_instances": project.pending_instances,
                    "expected_time_ms": project.expected_time,
                }
                for project in found
            ]
        )
        return EXIT_OK
    table = Table(title=f"{len(found)} projects")
    for column in ("name", "id", "team", "owner", "priority", "paused", "pending"):
        table.add_column(column, justify="right" if column in ("priority", "pending") else "left")
    for project in found:
        table.add_row(
            project.name,
            project.id,
            project.team_name,
            project.owner.full_name if project.owner else "-",
            str(project.priority),
            "yes" if project.paused else "no",
            str(project.pending_instances),
        )
    settings.out.print(table)
    return EXIT_OK
