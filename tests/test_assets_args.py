"""MediaAssets' typed surface: MediaAssetsArgs, the two call forms, 0.1's positional form
(deprecated, still working), include_hidden, and what mypy and docs/media-assets.md say about
it."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pulumi
import pytest

from plivo_media_provider import MediaAssets, MediaAssetsArgs, MediaAssetsError, MediaFileArgs
from tests.support import files
from tests.support.programs import ASSETS_TYPE, ProgramRun, declare
from tests.support.typecheck import strict_mypy

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for index, relative in enumerate(["a.png", "img/b.png", ".hidden.png", ".cache/c.png",
                                      "img/.d.png"]):
        files.write(tmp_path / "media" / relative, files.png_bytes(rgb=(index, 5, 5)))
    return tmp_path / "media"


def children(run: ProgramRun) -> dict[str, str]:
    return {name: inputs["path"] for name, inputs in run.media_files.items()}


VISIBLE = {"set/a.png": "media/a.png", "set/img/b.png": "media/img/b.png"}


class Outer(pulumi.ComponentResource):
    def __init__(self) -> None:
        super().__init__("test:index:Outer", "outer")


def _parented_urns(run: ProgramRun) -> list[str]:
    return [u for u in run.urns if f"test:index:Outer${ASSETS_TYPE}::set" in u]


# -- the two forms ------------------------------------------------------------------------------


def test_args_and_keywords_declare_the_same_children(tree: Path) -> None:
    by_keywords = declare(lambda: MediaAssets("set", directory="media"))
    by_args = declare(lambda: MediaAssets("set", MediaAssetsArgs(directory="media")))
    by_args_keyword = declare(lambda: MediaAssets("set", args=MediaAssetsArgs(directory="media")))

    assert children(by_keywords) == children(by_args) == children(by_args_keyword) == VISIBLE


@pytest.mark.parametrize("form", ["keyword", "after-args"])
def test_opts_reach_the_component(tree: Path, form: str) -> None:
    def program() -> None:
        opts = pulumi.ResourceOptions(parent=Outer())
        if form == "keyword":
            MediaAssets("set", directory="media", opts=opts)
        else:
            MediaAssets("set", MediaAssetsArgs(directory="media"), opts)

    run = declare(program)

    assert len(_parented_urns(run)) == 1
    assert children(run) == VISIBLE


def test_args_are_keyword_only_with_a_documented_param_each() -> None:
    with pytest.raises(TypeError):
        MediaAssetsArgs("media")  # type: ignore[misc]
    doc = MediaAssetsArgs.__doc__ or ""
    for field in dataclasses.fields(MediaAssetsArgs):
        assert f":param {field.name}: " in doc, field.name


def test_the_keyword_form_takes_exactly_the_args_fields_and_opts() -> None:
    # Read from the source: typing.get_overloads needs Python 3.11, and 3.10 is supported.
    source = ROOT / "plivo_media_provider" / "resources" / "assets.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    [component] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "MediaAssets"]
    inits = [n for n in component.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"]
    keyword_form = inits[1].args

    assert [a.arg for a in keyword_form.args] == ["self", "name"]
    assert [a.arg for a in keyword_form.kwonlyargs] == [
        f.name for f in dataclasses.fields(MediaAssetsArgs)
    ] + ["opts"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: MediaAssets("set", directroy="media"),  # type: ignore[call-overload]
         "MediaAssets 'set': unknown argument 'directroy' (did you mean directory?); the "
         "arguments are directory, include, exclude, files, reupload_after, include_hidden, "
         "follow_external_links and opts"),
        (lambda: MediaAssetsArgs(directory="media", exlude="*.gif"),  # type: ignore[call-arg]
         "MediaAssetsArgs: unknown argument 'exlude' (did you mean exclude?); the arguments are "
         "directory, include, exclude, files, reupload_after, include_hidden and "
         "follow_external_links"),
        (lambda: MediaAssets("set", MediaAssetsArgs(directory="media"),  # type: ignore[call-overload]
                             directory="media"),
         "MediaAssets 'set': pass either MediaAssetsArgs or keyword arguments, not both"),
        (lambda: MediaAssets("set", MediaAssetsArgs(), None, None),  # type: ignore[call-overload]
         "MediaAssets 'set': takes (name, args, opts), got 4 positional arguments"),
    ],
    ids=["misspelt-keyword", "misspelt-args-field", "args-and-keywords",
         "too-many-after-args"],
)
def test_misuse_is_a_type_error_naming_the_call(tree: Path, call: object, message: str) -> None:
    with pytest.raises(TypeError) as caught:
        declare(call)  # type: ignore[arg-type]
    assert str(caught.value) == message


# -- 0.1's positional form ----------------------------------------------------------------------


def test_positional_arguments_still_work_with_a_deprecation_warning(tree: Path) -> None:
    def program() -> None:
        MediaAssets("set", "media", None, ["img/"], None,  # type: ignore[call-overload]
                    pulumi.ResourceOptions(parent=Outer()))

    with pytest.warns(DeprecationWarning) as caught:
        run = declare(program)

    [warning] = caught.list
    assert str(warning.message) == (
        "MediaAssets 'set': passing directory, include, exclude, files, opts by position is "
        "deprecated; pass them by keyword (directory=...) or as MediaAssetsArgs"
    )
    assert children(run) == {"set/a.png": "media/a.png"}
    assert len(_parented_urns(run)) == 1


def test_a_positional_directory_and_keywords_mix_as_before(tree: Path) -> None:
    with pytest.warns(DeprecationWarning, match="passing directory by position"):
        run = declare(lambda: MediaAssets("set", "media", reupload_after="5h"))  # type: ignore[call-overload]

    assert children(run) == VISIBLE
    assert {i["reupload_after"] for i in run.media_files.values()} == {"5h"}


# -- hidden files -------------------------------------------------------------------------------


def test_include_hidden_takes_hidden_files_and_folders(tree: Path) -> None:
    run = declare(lambda: MediaAssets("set", directory="media", include_hidden=True))

    assert children(run) == {
        **VISIBLE,
        "set/.hidden.png": "media/.hidden.png",
        "set/.cache/c.png": "media/.cache/c.png",
        "set/img/.d.png": "media/img/.d.png",
    }


def test_include_hidden_goes_with_globs_and_exclude(tree: Path) -> None:
    run = declare(lambda: MediaAssets(
        "set", directory="media", include=["*.png"], exclude=[".cache/"], include_hidden=True,
    ))

    assert set(children(run)) == {"set/a.png", "set/img/b.png", "set/.hidden.png",
                                  "set/img/.d.png"}


def test_hidden_files_are_still_skipped_by_default(tree: Path) -> None:
    assert children(declare(lambda: MediaAssets("set", directory="media"))) == VISIBLE


def test_a_glob_missing_only_hidden_files_points_at_include_hidden(tree: Path) -> None:
    with pytest.raises(MediaAssetsError) as caught:
        declare(lambda: MediaAssets("set", directory="media", include=["**/c.png"]))

    assert "it would match hidden '.cache/c.png'" in str(caught.value)
    assert "or include_hidden=True" in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"files": {"a": "media/a.png"}, "include_hidden": True},
      "include_hidden=True filters directory=, which is not set"),
     ({"directory": "media", "include_hidden": "yes"},
      "include_hidden must be True or False, got 'yes'")],
    ids=["without-directory", "not-a-bool"],
)
def test_include_hidden_problems_are_reported(
    tree: Path, kwargs: dict[str, object], fragment: str
) -> None:
    with pytest.raises(MediaAssetsError) as caught:
        declare(lambda: MediaAssets("set", **kwargs))  # type: ignore[arg-type]
    assert fragment in str(caught.value)


def test_files_entries_keep_their_own_args(tree: Path) -> None:
    args = MediaAssetsArgs(files={"logo": MediaFileArgs(path="media/a.png", file_name="L.png")})

    run = declare(lambda: MediaAssets("set", args))

    assert run.media_files["set/logo"]["file_name"] == "L.png"


# -- docs/media-assets.md and mypy --------------------------------------------------------------


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_pages_argument_table_is_the_args_docstring() -> None:
    text = (ROOT / "docs" / "media-assets.md").read_text(encoding="utf-8")
    start = text.index("| argument | meaning |")
    rows = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        name, meaning = (c.strip() for c in line.strip("|").split("|"))
        rows[name.strip("`")] = meaning
    assert list(rows) == [f.name for f in dataclasses.fields(MediaAssetsArgs)]
    params = re.findall(r":param (\w+): (.*?)(?=:param|\Z)", MediaAssetsArgs.__doc__ or "", re.S)
    assert {name: _words(meaning) for name, meaning in rows.items()} == {
        name: _words(doc) for name, doc in params
    }


def test_mypy_strict_accepts_both_forms_and_refuses_a_misspelt_keyword(tmp_path: Path) -> None:
    status, out = strict_mypy(
        tmp_path, "good.py",
        "import pulumi\n"
        "from plivo_media_provider import MediaAssets, MediaAssetsArgs, MediaFileArgs\n"
        'a = MediaAssets("a", directory="media", include=["*.png"], include_hidden=True)\n'
        'b = MediaAssets("b", MediaAssetsArgs(files={"logo": MediaFileArgs(path="l.png")}))\n'
        'c = MediaAssets("c", MediaAssetsArgs(directory="m"), pulumi.ResourceOptions())\n'
        "urls: pulumi.Output[dict[str, str]] = a.media_urls\n",
    )
    assert status == 0, out
    status, out = strict_mypy(
        tmp_path, "bad.py",
        "from plivo_media_provider import MediaAssets, MediaAssetsArgs\n"
        'MediaAssets("set", directroy="media")\n'
        'MediaAssets("set", directory="media", include_hidden="yes")\n'
        'MediaAssetsArgs(directroy="media")\n',
    )
    assert status == 1
    assert re.search(r'bad\.py:2: error: Unexpected keyword argument "directroy"', out), out
    assert "bad.py:3: error" in out, out
    assert re.search(r'bad\.py:4: error: .*"directroy"', out), out
