"""safe_filename: server names get the suffix their content type calls for, never ``.part``."""

from __future__ import annotations

import pytest

from wkapi._filenames import MAX_NAME_BYTES
from wkapi._transfer import safe_filename

FALLBACK = "Explorational_5f0000000000000000000001"


def named(name: str) -> str:
    return f'attachment; filename="{name}"'


@pytest.mark.parametrize(
    ("header", "content_type", "expected"),
    [
        (named("ä"), "application/xml", "ä.nml"),
        ("attachment; filename*=utf-8''%C3%A4", "application/zip", "ä.zip"),
        (named("cell"), "text/xml; charset=utf-8", "cell.nml"),
        (named("cell.tar"), "application/zip", "cell.tar.zip"),
        (named("cell.NML"), "application/xml", "cell.NML"),
        (named("cell.nml"), "application/zip", "cell.nml"),  # already one of ours: kept
        (named("cell"), "application/octet-stream", "cell"),  # unknown type: left as sent
        (named("cell"), None, "cell"),
    ],
)
def test_a_name_without_nml_or_zip_gets_the_suffix_of_its_type(
    header, content_type, expected
) -> None:
    assert safe_filename(header, FALLBACK, content_type) == expected


@pytest.mark.parametrize(
    ("header", "content_type", "expected"),
    [
        (named("x.part"), "application/xml", "x.part.nml"),
        (named("x.PART"), "application/zip", "x.PART.zip"),
        (named("x.part"), "application/octet-stream", "x.part.zip"),
        (named("x.part"), None, "x.part.zip"),
        (named("x.nml.part"), "application/xml", "x.nml.part.nml"),
        (named("x.part. . "), "application/octet-stream", "x.part.zip"),
    ],
)
def test_a_server_name_never_ends_in_part(header, content_type, expected) -> None:
    assert safe_filename(header, FALLBACK, content_type) == expected


@pytest.mark.parametrize("content_type", ["application/xml", "application/zip", None])
def test_an_added_suffix_stays_within_the_length_bound(content_type) -> None:
    for stem in ("ä" * 400, "y" * 300 + ".part"):
        name = safe_filename(named(stem), FALLBACK, content_type)
        assert len(name.encode()) <= MAX_NAME_BYTES
        assert not name.lower().endswith(".part")
        if content_type is not None or stem.endswith(".part"):
            assert name.endswith((".nml", ".zip"))
