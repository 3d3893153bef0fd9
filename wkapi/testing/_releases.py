"""The WEBKNOSSOS releases the fake server imitates (stdlib only: the CLI reads this table
without starting anything)."""

from __future__ import annotations

import hashlib

KNOWN_RELEASES: dict[str, str] = {
    "23.08": "the older generation, API v1 to v5, like the v5-era servers recorded in 2023",
    "25.01": "the newer generation, API v5 to v9, like the servers recorded in 2025",
}
"""Each release the fake server knows, with what it stands for. Each imitates one generation
as a whole: other release numbers are refused rather than imitated approximately."""

DEFAULT_RELEASE = "25.01"
"""The release a server imitates unless told otherwise: the newer generation."""


def known_releases() -> dict[str, str]:
    """The releases the fake server imitates, each with what it stands for: ``"23.08"`` (the
    older generation) and ``"25.01"`` (the newer one, the default)."""
    return dict(KNOWN_RELEASES)


def known_releases_text() -> str:
    """``'23.08' (the older ...) and '25.01' (the newer ...)``: for messages and help texts."""
    return " and ".join(f"{release!r} ({meaning})" for release, meaning in KNOWN_RELEASES.items())


def check_release(release: object) -> str:
    """The release to imitate: ``release``, or :data:`DEFAULT_RELEASE` for ``None``.

    Raises ``TypeError`` for anything but a string or ``None`` and ``ValueError`` for a release
    the fake server does not know; both messages list the known ones.
    """
    if release is None:
        return DEFAULT_RELEASE
    if not isinstance(release, str):
        raise TypeError(
            f"release must be a string or None, not {type(release).__name__} {release!r};"
            f" the fake server knows {known_releases_text()}"
        )
    if release not in KNOWN_RELEASES:
        raise ValueError(
            f"unknown release {release!r}; the fake server knows {known_releases_text()}"
        )
    return release


def commit_hash(release: str) -> str:
    """The git commit a release reports (in buildinfo, and in the NMLs its writer writes)."""
    return hashlib.sha1(f"webknossos-{release}".encode()).hexdigest()
