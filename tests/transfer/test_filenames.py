"""safe_filename: names from Content-Disposition, hostile ones made harmless."""

from __future__ import annotations

import pytest

from wkapi._filenames import MAX_NAME_BYTES, disposition_filename
from wkapi._transfer import safe_filename

FALLBACK = "Explorational_5f0000000000000000000001"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            'attachment;filename="2012-06-28_Cortex__explorational__uboya__56fe9b.nml"',
            "2012-06-28_Cortex__explorational__uboya__56fe9b.nml",
        ),
        ('attachment; filename="project_nmls.zip"', "project_nmls.zip"),
        ("attachment; filename=plain.nml", "plain.nml"),
        ("attachment;filename=plain.nml; size=10", "plain.nml"),
        ('attachment; filename="semi;colon.nml"', "semi;colon.nml"),
        ("attachment; filename*=utf-8''K%C3%B6rper%20%E2%80%93%20Zelle.nml", "Körper – Zelle.nml"),
        ("attachment; filename=\"Korper.nml\"; filename*=UTF-8''K%C3%B6rper.nml", "Körper.nml"),
        ("attachment; filename*=utf-8''K%C3%B6rper.nml; filename=\"Korper.nml\"", "Körper.nml"),
        ("attachment; filename*=iso-8859-1''K%F6rper.nml", "Körper.nml"),
        ("attachment; filename*=bogus''x.nml; filename=\"fine.nml\"", "fine.nml"),
        ('attachment; filename="with \\"quotes\\".nml"', "with _quotes_.nml"),
        ('ATTACHMENT; FILENAME="upper.nml"', "upper.nml"),
        ('filename="no-type.nml"', "no-type.nml"),
    ],
)
def test_names_the_server_gives(header: str, expected: str) -> None:
    assert safe_filename(header, FALLBACK, "application/xml") == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('attachment; filename="../../etc/passwd"', "passwd.nml"),  # repo-paths: not a path
        ('attachment; filename="/etc/passwd"', "passwd.nml"),
        ('attachment; filename="C:\\\\Windows\\\\win.ini"', "win.ini.nml"),
        ("attachment; filename=..\\..\\boot.ini", "boot.ini.nml"),  # repo-paths: not a path
        ("attachment; filename*=utf-8''..%2F..%2Fetc%2Fpasswd", "passwd.nml"),
        ('attachment; filename="a\x00b.nml"', "a_b.nml"),
        ("attachment; filename*=utf-8''a%00b%0Ac.nml", "a_b_c.nml"),
        ('attachment; filename=".bashrc"', "bashrc.nml"),
        ('attachment; filename="...hidden.nml"', "hidden.nml"),
        ('attachment; filename="trailing. . "', "trailing.nml"),
        ('attachment; filename="con.nml"', "_con.nml"),
        ('attachment; filename="a<b>c:d|e?f*g.nml"', "a_b_c_d_e_f_g.nml"),
        ("attachment; filename*=utf-8''evil%E2%80%AElmn.exe", "evil_lmn.exe.nml"),
    ],
)
def test_hostile_names_are_made_safe(header: str, expected: str) -> None:
    # An XML answer: a name without .nml or .zip gets .nml (so "evil.exe" is no .exe either).
    name = safe_filename(header, FALLBACK, "application/xml")
    assert name == expected
    assert "/" not in name
    assert "\\" not in name
    assert not name.startswith(".")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "attachment",
        'attachment; filename=""',
        'attachment; filename=".."',
        'attachment; filename="/"',
        'attachment; filename="../"',
        'attachment; filename="\x00\x01"',
        "attachment; filename=",
        "inline; filename*=utf-8''",
    ],
)
@pytest.mark.parametrize(
    ("content_type", "suffix"),
    [
        ("application/xml", ".nml"),
        ("application/zip", ".zip"),
        (None, ".zip"),
        ("application/xml; charset=utf-8", ".nml"),
    ],
)
def test_missing_or_unusable_names_fall_back(header, content_type, suffix) -> None:
    assert safe_filename(header, FALLBACK, content_type) == FALLBACK + suffix


def test_fallback_with_a_suffix_keeps_it() -> None:
    assert safe_filename(None, "export.zip", "application/xml") == "export.zip"


def test_very_long_names_are_bounded_and_keep_their_suffix() -> None:
    name = safe_filename(f'attachment; filename="{"ä" * 400}.nml"', FALLBACK, "application/xml")
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert name.endswith(".nml")
    assert name.startswith("ää")
    long_suffix = safe_filename(f'attachment; filename="x.{"y" * 300}"', FALLBACK, None)
    assert len(long_suffix.encode()) <= MAX_NAME_BYTES


def test_the_raw_name_is_available_for_display() -> None:
    header = 'attachment; filename="../x.nml"'  # repo-paths: not a path
    assert disposition_filename(header) == "../x.nml"  # repo-paths: not a path
