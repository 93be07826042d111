"""The MediaFile field schema is the one source: Args, getters, the tables of
``docs/media-file.md`` and mypy agree with it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from plivo_media_provider import MediaFile, MediaFileArgs
from plivo_media_provider.core.schema import BY_NAME, FIELDS, INPUTS, OUTPUTS
from plivo_media_provider.drift import stack_export
from tests.support.typecheck import strict_mypy

ROOT = Path(__file__).resolve().parent.parent


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_args_fields_are_the_schema_inputs_in_order() -> None:
    fields = dataclasses.fields(MediaFileArgs)
    assert tuple(f.name for f in fields) == INPUTS
    for f in fields:
        required = f.default is dataclasses.MISSING
        assert required == BY_NAME[f.name].required, f.name


def test_args_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        MediaFileArgs("logo.png")  # type: ignore[misc]
    assert MediaFileArgs(path="logo.png").to_props() == {"path": "logo.png"}


def test_every_input_has_its_schema_description_as_a_param_line() -> None:
    doc = _words(MediaFileArgs.__doc__ or "")
    for name in INPUTS:
        assert f":param {name}: {_words(BY_NAME[name].description)}" in doc, name


@pytest.mark.parametrize("name", [f.name for f in FIELDS])
def test_every_property_has_a_documented_getter(name: str) -> None:
    getter = MediaFile.__dict__.get(name)
    assert isinstance(getter, property), name
    assert getter.__doc__ and "\n" not in getter.__doc__.strip(), name


def _page_rows(header: str) -> dict[str, list[str]]:
    text = (ROOT / "docs" / "media-file.md").read_text(encoding="utf-8")
    start = text.index(header)
    rows: dict[str, list[str]] = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_the_pages_input_table_is_the_schema() -> None:
    rows = _page_rows("| input | required | meaning |")
    assert tuple(rows) == INPUTS
    for name, (required, meaning) in rows.items():
        assert required == ("yes" if BY_NAME[name].required else "no"), name
        assert _words(meaning) == _words(BY_NAME[name].description), name


def test_the_pages_output_table_is_the_schema() -> None:
    rows = _page_rows("| output | type | meaning |")
    assert tuple(rows) == OUTPUTS
    for name, (type_, meaning) in rows.items():
        assert type_ == BY_NAME[name].type_, name
        assert _words(meaning) == _words(BY_NAME[name].description), name


def test_mypy_strict_accepts_the_documented_forms_and_refuses_a_misspelt_input(
    tmp_path: Path,
) -> None:
    status, out = strict_mypy(
        tmp_path, "good.py",
        "from plivo_media_provider import MediaFile, MediaFileArgs\n"
        'a = MediaFile("a", path="a.png", reupload_after="5h")\n'
        'b = MediaFile("b", MediaFileArgs(path="b.png"))\n'
        "url: object = a.media_url\n",
    )
    assert status == 0, out
    status, out = strict_mypy(
        tmp_path, "bad.py",
        "from plivo_media_provider import MediaFile\n"
        'MediaFile("logo", pth="logo.png")\n'
        'MediaFile("logo", path="logo.png", reupload_after=5)\n',
    )
    assert status == 1
    assert re.search(r'bad\.py:2: error: .*"pth"', out), out
    assert "bad.py:3: error" in out, out


def test_drifts_projection_is_made_of_schema_fields_and_reads_inputs_for_declared_ones() -> None:
    fields = set(stack_export.StateResource.__dataclass_fields__) - {"urn", "problems"}
    assert fields == set(stack_export.PROJECTED)  # nothing drift reads is outside the schema
    assert set(stack_export.DECLARED_FIELDS) == fields & set(INPUTS)
    assert set(stack_export.DECLARED_FIELDS) == {"path", "file_name", "content_type"}
