"""MediaAssets: naming, globbing, hidden files, the config form, and error reporting."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import pulumi
import pytest

from plivo_media_provider import (
    ContentError,
    MediaAssets,
    MediaAssetsError,
    MediaFile,
    MediaFileArgs,
    PlivoMediaError,
)
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.resources.globs import compile_glob
from plivo_media_provider.resources.plan import scan_directory
from tests.conftest import provider_env
from tests.support import files
from tests.support.engine import Engine, ProviderProcess
from tests.support.programs import ASSETS_TYPE, MEDIA_FILE_TYPE, ProgramRun, declare

PROJECT = "test-project"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The program's working directory: relative paths resolve here, as under the CLI."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def make_tree(root: Path, relatives: list[str]) -> None:
    for index, relative in enumerate(relatives):
        files.write(root / relative, files.png_bytes(rgb=(index, 10, 10)))


TREE = [
    "a.png",
    "b.jpg",
    "notes.txt",
    "img/c.png",
    "img/deep/d.png",
    "drafts/h.png",
    ".hidden.png",
    ".well-known/e.vcf",
    ".cache/f.png",
    "img/.g.png",
]


@pytest.fixture
def tree(workdir: Path) -> Path:
    make_tree(workdir / "media", TREE)
    return workdir / "media"


def declared(run: ProgramRun) -> dict[str, str]:
    """Child resource name to its path input."""
    return {name: inputs["path"] for name, inputs in run.media_files.items()}


# -- naming ------------------------------------------------------------------------------


def test_each_file_becomes_a_child_named_by_its_relative_path(tree: Path) -> None:
    run = declare(lambda: MediaAssets("set", directory="media", exclude=["drafts/"]))

    assert declared(run) == {
        "set/a.png": "media/a.png",
        "set/b.jpg": "media/b.jpg",
        "set/img/c.png": "media/img/c.png",
        "set/img/deep/d.png": "media/img/deep/d.png",
        "set/notes.txt": "media/notes.txt",
    }
    assert [r.type_ for r in run.resources] == [ASSETS_TYPE] + [MEDIA_FILE_TYPE] * 5
    children = [u for u in run.urns if MEDIA_FILE_TYPE in u]
    assert len(children) == 5
    assert all(f"::{ASSETS_TYPE}${MEDIA_FILE_TYPE}::set/" in urn for urn in children)


def test_adding_a_file_renames_no_other_child(tree: Path) -> None:
    before = declared(declare(lambda: MediaAssets("set", directory="media")))
    files.write(tree / "img" / "aa.png", files.png_bytes(rgb=(1, 2, 3)))
    files.write(tree / "0-first.png", files.png_bytes(rgb=(3, 2, 1)))

    after = declared(declare(lambda: MediaAssets("set", directory="media")))

    assert set(after) - set(before) == {"set/img/aa.png", "set/0-first.png"}
    assert {name: after[name] for name in before} == before


def test_outputs_and_files_are_keyed_by_logical_name(tree: Path) -> None:
    made: dict[str, MediaAssets] = {}

    def program() -> None:
        made["set"] = MediaAssets("set", directory="media", include=["img/**"])
        pulumi.export("urls", made["set"].media_urls)
        pulumi.export("ids", made["set"].media_ids)

    run = declare(program)

    assert sorted(made["set"].files) == ["img/c.png", "img/deep/d.png"]
    assert all(isinstance(f, MediaFile) for f in made["set"].files.values())
    assert set(run.exports["urls"]) == {"img/c.png", "img/deep/d.png"}
    assert run.exports["ids"] == {
        logical: url.rsplit("/", 1)[1] for logical, url in run.exports["urls"].items()
    }


def test_a_relative_directory_gives_relative_paths_and_an_absolute_one_absolute(
    tree: Path,
) -> None:
    relative = declared(declare(lambda: MediaAssets("r", directory="media", include=["a.png"])))
    absolute = declared(declare(lambda: MediaAssets("a", directory=tree, include=["a.png"])))

    assert relative == {"r/a.png": "media/a.png"}
    assert absolute == {"a/a.png": (tree / "a.png").as_posix()}


# -- globs and hidden files ----------------------------------------------------------------

GLOB_CASES = [
    pytest.param(None, None, {"a.png", "b.jpg", "notes.txt", "img/c.png", "img/deep/d.png",
                              "drafts/h.png"}, id="default-takes-every-visible-file"),
    pytest.param(["*.png"], None, {"a.png", "img/c.png", "img/deep/d.png", "drafts/h.png"},
                 id="no-slash-matches-at-any-depth"),
    pytest.param(["/*.png"], None, {"a.png"}, id="leading-slash-anchors"),
    pytest.param(["img/*"], None, {"img/c.png"}, id="star-stays-in-one-folder"),
    pytest.param(["img/"], None, {"img/c.png", "img/deep/d.png"}, id="trailing-slash-takes-all"),
    pytest.param(["img/**/*.png"], None, {"img/c.png", "img/deep/d.png"},
                 id="double-star-spans-zero-or-more-folders"),
    pytest.param(["[ab].*"], None, {"a.png", "b.jpg"}, id="character-class"),
    pytest.param(["?.jpg"], None, {"b.jpg"}, id="question-mark"),
    pytest.param(None, ["drafts/", "*.txt"], {"a.png", "b.jpg", "img/c.png", "img/deep/d.png"},
                 id="exclude-folder-and-extension"),
    pytest.param(["*.png"], ["img/deep/"], {"a.png", "img/c.png", "drafts/h.png"},
                 id="include-then-exclude"),
    pytest.param([".well-known/*"], None, {".well-known/e.vcf"},
                 id="hidden-folder-named-explicitly"),
    pytest.param([".*"], None, {".hidden.png", "img/.g.png"}, id="hidden-files-by-dot-glob"),
    pytest.param(["/.hidden.png", "b.jpg"], None, {".hidden.png", "b.jpg"},
                 id="hidden-file-named-explicitly"),
    pytest.param([".well-known/*", "/a.png"], ["*.vcf"], {"a.png"},
                 id="exclude-applies-to-hidden-files-too"),
]


@pytest.mark.parametrize(("include", "exclude", "expected"), GLOB_CASES)
def test_globs_select_files(
    tree: Path, include: list[str] | None, exclude: list[str] | None, expected: set[str]
) -> None:
    chosen, problems = scan_directory("media", include, exclude)

    assert problems == []
    assert set(chosen) == expected
    assert all(path == f"media/{logical}" for logical, path in chosen.items())


def test_hidden_files_and_folders_are_skipped_by_default(tree: Path) -> None:
    chosen, _ = scan_directory("media")

    assert not [name for name in chosen if any(p.startswith(".") for p in name.split("/"))]


def test_stars_never_match_a_leading_dot() -> None:
    assert compile_glob("*").fullmatch("logo.png")
    assert not compile_glob("*").fullmatch(".env")
    assert not compile_glob("**/*.png").fullmatch(".cache/x.png")
    assert compile_glob(".cache/*.png").fullmatch(".cache/x.png")
    assert compile_glob("*", allow_hidden=True).fullmatch(".env")


def test_a_symlink_cycle_is_walked_once(workdir: Path) -> None:
    make_tree(workdir / "media", ["a.png", "sub/b.png"])
    os.symlink("..", workdir / "media" / "sub" / "loop")

    chosen, problems = scan_directory("media")

    assert problems == []
    assert set(chosen) == {"a.png", "sub/b.png"}


def test_a_file_reached_through_a_linked_folder_is_declared_once_under_its_real_path(
    workdir: Path,
) -> None:
    make_tree(workdir / "media", ["photos/a.png"])
    # "latest" sorts before "photos": the walk meets the link first.
    os.symlink("photos", workdir / "media" / "latest")

    run = declare(lambda: MediaAssets("set", directory="media", include=["photos/*"]))

    assert declared(run) == {"set/photos/a.png": "media/photos/a.png"}
    chosen, problems = scan_directory("media")
    assert problems == [] and chosen == {"photos/a.png": "media/photos/a.png"}


def test_a_link_leaving_the_directory_is_followed_when_asked_and_named_after_the_link(
    workdir: Path,
) -> None:
    make_tree(workdir / "shared", ["brand/logo.png"])
    make_tree(workdir / "media", ["a.png"])
    os.symlink(workdir / "shared" / "brand", workdir / "media" / "brand")
    os.symlink(workdir / "shared" / "brand" / "logo.png", workdir / "media" / "z-logo.png")

    chosen, problems = scan_directory("media", include=["brand/*", "*.png"],
                                      follow_external_links=True)

    # Two links reach the same outside file: it is declared once, by the first name.
    assert problems == []
    assert chosen == {"a.png": "media/a.png", "brand/logo.png": "media/brand/logo.png"}
    run = declare(lambda: MediaAssets("set", directory="media", follow_external_links=True))
    assert declared(run) == {"set/a.png": "media/a.png",
                             "set/brand/logo.png": "media/brand/logo.png"}


def test_a_link_to_a_file_outside_the_directory_is_refused_naming_link_and_target(
    workdir: Path,
) -> None:
    """Issue 20, observation 5: `notes.txt -> ../../.env` added by a pull request must not
    publish the runner's secrets on the next up."""
    secret = files.write(workdir / ".env", b"PLIVO_AUTH_TOKEN=not-for-the-public\n")
    make_tree(workdir / "site" / "assets", ["a.png"])
    os.symlink("../../.env", workdir / "site" / "assets" / "notes.txt")

    with pytest.raises(MediaAssetsError) as caught:
        declare(lambda: MediaAssets("set", directory="site/assets"))

    [problem] = caught.value.problems
    assert "site/assets/notes.txt" in problem and str(secret) in problem
    assert "follow_external_links=True" in problem and "\n" not in problem


def test_a_link_to_a_folder_outside_is_refused_and_never_entered(workdir: Path) -> None:
    make_tree(workdir / "elsewhere", ["inside.png"])
    make_tree(workdir / "media", ["a.png"])
    os.symlink(workdir / "elsewhere", workdir / "media" / "linked")

    chosen, problems = scan_directory("media", exclude=["linked/"])

    [problem] = problems
    assert problem.startswith("media/linked links to the folder " + str(workdir / "elsewhere"))
    assert chosen == {"a.png": "media/a.png"}


def test_an_excluded_link_out_or_one_in_a_skipped_hidden_folder_is_no_problem(
    workdir: Path,
) -> None:
    files.write(workdir / ".env", b"SECRET=1\n")
    make_tree(workdir / "media", ["a.png", "img/b.png"])
    os.symlink(workdir / ".env", workdir / "media" / "notes.txt")
    os.symlink(workdir / "media" / "img", workdir / "media" / "latest")  # inside: followed
    (workdir / "media" / ".cache").mkdir()
    os.symlink(workdir, workdir / "media" / ".cache" / "root")

    run = declare(lambda: MediaAssets("set", directory="media", exclude=["notes.txt"]))

    assert declared(run) == {"set/a.png": "media/a.png", "set/img/b.png": "media/img/b.png"}


def test_a_media_file_whose_path_the_user_wrote_may_point_outside(workdir: Path) -> None:
    make_tree(workdir / "shared", ["logo.png"])
    make_tree(workdir / "media", ["a.png"])
    os.symlink(workdir / "shared" / "logo.png", workdir / "media" / "logo.png")

    run = declare(lambda: MediaAssets("set", files={"logo": "media/logo.png"}))

    assert declared(run) == {"set/logo": "media/logo.png"}


def test_follow_external_links_must_be_a_bool_and_needs_a_directory(workdir: Path) -> None:
    make_tree(workdir / "media", ["a.png"])
    with pytest.raises(MediaAssetsError) as caught:
        declare(lambda: MediaAssets("set", files={"a": "media/a.png"},
                                    follow_external_links=True))
    assert "follow_external_links=True is about links in directory=" in str(caught.value)
    with pytest.raises(MediaAssetsError) as caught:
        declare(lambda: MediaAssets("set", directory="media",
                                    follow_external_links="yes"))  # type: ignore[arg-type]
    assert "follow_external_links must be True or False, got 'yes'" in str(caught.value)


def test_names_are_nfc_normalised_and_the_path_keeps_the_bytes_on_disk(workdir: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "café.png")
    composed = unicodedata.normalize("NFC", "café.png")
    assert decomposed != composed
    make_tree(workdir / "media", [f"menus/{decomposed}"])

    run = declare(lambda: MediaAssets("set", directory="media", include=[f"menus/{composed}"]))

    assert declared(run) == {f"set/menus/{composed}": f"media/menus/{decomposed}"}


def test_two_files_whose_names_differ_only_in_normalisation_are_refused(workdir: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "café.png")
    composed = unicodedata.normalize("NFC", "café.png")
    make_tree(workdir / "media", [decomposed, composed])
    if len(os.listdir(workdir / "media")) != 2:
        pytest.skip("this file system normalises names itself, so both cannot exist")

    chosen, problems = scan_directory("media")

    assert chosen == {}
    assert len(problems) == 1 and "differ only in Unicode normalisation" in problems[0]


# -- explicit files ------------------------------------------------------------------------


def test_explicit_files_keep_their_names_and_arguments(workdir: Path) -> None:
    make_tree(workdir, ["art/logo.png", "docs/menu.pdf.png"])

    run = declare(lambda: MediaAssets("set", files={
        "logo": "art/logo.png",
        "menu": MediaFileArgs(path="docs/menu.pdf.png", file_name="Menu.png",
                              content_type="image/png"),
    }))

    assert run.media_files == {
        "set/logo": {"path": "art/logo.png"},
        "set/menu": {"path": "docs/menu.pdf.png", "file_name": "Menu.png",
                     "content_type": "image/png"},
    }


def test_an_explicit_entry_overrides_the_directory_file_of_the_same_name(tree: Path) -> None:
    run = declare(lambda: MediaAssets(
        "set", directory="media", include=["*.png"],
        files={"a.png": MediaFileArgs(path="media/a.png", file_name="brand.png")},
    ))

    assert run.media_files["set/a.png"] == {"path": "media/a.png", "file_name": "brand.png"}
    assert len(run.media_files) == 4


def test_reupload_after_applies_to_every_file_unless_it_sets_its_own(tree: Path) -> None:
    run = declare(lambda: MediaAssets(
        "set", directory="media", include=["/*.png", "b.jpg"], reupload_after="5h",
        files={"b.jpg": MediaFileArgs(path="media/b.jpg", reupload_after="1h")},
    ))

    assert {n: i["reupload_after"] for n, i in run.media_files.items()} == {
        "set/a.png": "5h", "set/b.jpg": "1h",
    }


def test_a_path_computed_by_another_resource_is_left_to_the_check(workdir: Path) -> None:
    run = declare(lambda: MediaAssets(
        "set", files={"later": MediaFileArgs(path=pulumi.Output.from_input("made/later.png"))}
    ))

    assert run.media_files == {"set/later": {"path": "made/later.png"}}


# -- errors: every problem at once, in one message -----------------------------------------


def problems_of(action: object) -> tuple[str, ...]:
    with pytest.raises(MediaAssetsError) as caught:
        declare(action)  # type: ignore[arg-type]
    return caught.value.problems


def test_all_problems_are_reported_together_and_nothing_is_registered(tree: Path) -> None:
    registered: list[object] = []

    def program() -> None:
        registered.append(MediaAssets(
            "set", directory="media", include=["*.webp", "img/*.gif", "*.png"],
            files={"x": "missing.png", "y": "media/img", "z": "media/a.png"},
        ))

    with pytest.raises(MediaAssetsError) as caught:
        declare(program)

    error = caught.value
    assert registered == []
    assert len(error.problems) == 4
    text = str(error)
    assert text.startswith("MediaAssets 'set' cannot be declared; fix these 4 problems:")
    for fragment in ("'*.webp'", "'img/*.gif'", "files['x']: 'missing.png': no such file",
                     "files['y']: 'media/img' is a directory"):
        assert fragment in text
    assert text.count("\n  - ") == 4


def test_the_error_is_a_package_error_and_a_clean_pulumi_run_error(workdir: Path) -> None:
    with pytest.raises(MediaAssetsError) as caught:
        declare(lambda: MediaAssets("set", directory="absent"))

    assert isinstance(caught.value, ContentError)
    assert isinstance(caught.value, PlivoMediaError)
    assert isinstance(caught.value, pulumi.RunError)


@pytest.mark.parametrize(
    ("setup", "kwargs", "expected"),
    [
        pytest.param([], {"directory": "absent"},
                     ["directory 'absent' does not exist", "create it or fix directory="],
                     id="missing-directory"),
        pytest.param(["plain.png"], {"directory": "plain.png"},
                     ["directory 'plain.png' is a file", "pass it in files="],
                     id="directory-is-a-file"),
        pytest.param(["empty/"], {"directory": "empty"},
                     ["directory 'empty' holds no files to upload", "put your media files"],
                     id="empty-directory"),
        pytest.param(["only/.secret.png"], {"directory": "only"},
                     ["holds only hidden files, such as '.secret.png'", "'.well-known/*'"],
                     id="only-hidden-files"),
        pytest.param(["d/a.png"], {"directory": "d", "include": ["*.webp"]},
                     ["include glob '*.webp' matches no file in directory 'd'",
                      "fix the glob", "or remove it"],
                     id="glob-matches-nothing"),
        pytest.param(["d/.well-known/x.png", "d/a.png"],
                     {"directory": "d", "include": ["*/x.png"]},
                     ["it would match hidden '.well-known/x.png'", "names the dot"],
                     id="glob-matches-only-hidden"),
        pytest.param(["d/a.png"], {"directory": "d", "exclude": ["*.png"]},
                     ["remove every one of the 1 files", "narrow exclude="],
                     id="exclude-removes-everything"),
        pytest.param(["d/a.png"], {"directory": "d", "include": ["../*.png", ""]},
                     ["include glob '../*.png' contains '.' or '..'",
                      "include glob '' must be a non-empty string"],
                     id="malformed-globs"),
        pytest.param([], {"include": ["*.png"], "files": {}},
                     ["include= and exclude= filter directory=", "files= is empty"],
                     id="filters-without-directory"),
        pytest.param([], {}, ["give directory="], id="nothing-given"),
        pytest.param(["a.png"], {"files": {"a::b": "a.png", "c": 3}},
                     ["files['a::b']: logical name 'a::b' contains '::'",
                      "files['c'] must be a path or MediaFileArgs, got int"],
                     id="bad-files-entries"),
    ],
)
def test_problems_name_what_is_wrong_and_what_to_do(
    workdir: Path, setup: list[str], kwargs: dict[str, object], expected: list[str]
) -> None:
    for relative in setup:
        if relative.endswith("/"):
            (workdir / relative).mkdir(parents=True)
        else:
            files.write(workdir / relative, files.png_bytes())

    problems = problems_of(lambda: MediaAssets("set", **kwargs))  # type: ignore[arg-type]

    text = "\n".join(problems)
    for fragment in expected:
        assert fragment in text


# -- the config form -----------------------------------------------------------------------


def config_of(value: object, key: str = "assets") -> dict[str, str]:
    return {f"{PROJECT}:{key}": value if isinstance(value, str) else json.dumps(value)}


def test_config_declares_files_by_logical_name(workdir: Path) -> None:
    make_tree(workdir, ["media/logo.png", "media/menu.png"])
    value = {
        "logo": "media/logo.png",
        "menu": {"path": "media/menu.png", "file_name": "lunch.png", "content_type": "image/png",
                 "reupload_after": "5h"},
    }

    run = declare(lambda: MediaAssets.from_config("set"), config=config_of(value),
                  project=PROJECT)

    assert run.media_files == {
        "set/logo": {"path": "media/logo.png"},
        "set/menu": {"path": "media/menu.png", "file_name": "lunch.png",
                     "content_type": "image/png", "reupload_after": "5h"},
    }


def test_config_key_can_be_chosen(workdir: Path) -> None:
    make_tree(workdir, ["x.png"])

    run = declare(lambda: MediaAssets.from_config("set", key="mms"),
                  config=config_of({"x": "x.png"}, key="mms"), project=PROJECT)

    assert run.media_files == {"set/x": {"path": "x.png"}}


def test_config_form_problems_name_their_keys_and_come_with_file_problems(
    workdir: Path,
) -> None:
    make_tree(workdir, ["ok.png"])
    value = {
        "ok": "ok.png",
        "gone": "gone.png",
        "number": 7,
        "typo": {"path": "ok.png", "filename": "x.png"},
        "nopath": {"file_name": "x.png"},
        "badtype": {"path": "ok.png", "content_type": ["image/png"]},
    }

    with pytest.raises(MediaAssetsError) as caught:
        declare(lambda: MediaAssets.from_config("set"), config=config_of(value), project=PROJECT)

    text = str(caught.value)
    key = f"config {PROJECT}:assets"
    assert f"{key}.number must be a path or an object with path" in text
    assert f"{key}.typo has unknown key 'filename'; allowed keys are path, file_name" in text
    assert f"{key}.nopath.path is required" in text
    assert f"{key}.badtype.content_type must be a string, got list" in text
    assert "files['gone']: 'gone.png': no such file" in text
    assert len(caught.value.problems) == 5


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param({}, f"config {PROJECT}:assets is not set; declare the files in "
                         "Pulumi.<stack>.yaml", id="unset"),
        pytest.param(config_of(["a.png"]), f"config {PROJECT}:assets must be an object",
                     id="a-list"),
        pytest.param(config_of({}), f"config {PROJECT}:assets is empty", id="empty"),
        pytest.param(config_of("{not json"), f"config {PROJECT}:assets is not valid",
                     id="not-json"),
    ],
)
def test_config_that_declares_nothing_says_how_to_declare(
    workdir: Path, config: dict[str, str], expected: str
) -> None:
    with pytest.raises(MediaAssetsError) as caught:
        declare(lambda: MediaAssets.from_config("set"), config=config, project=PROJECT)

    assert expected in str(caught.value)
    assert len(caught.value.problems) == 1


def test_the_sample_printed_for_missing_config_is_indented_as_yaml(workdir: Path) -> None:
    with pytest.raises(MediaAssetsError) as caught:
        declare(lambda: MediaAssets.from_config("set"), config={}, project=PROJECT)

    text = str(caught.value)
    sample = text[text.index("config:\n"):text.index("\n  or run:")]
    assert sample == (
        "config:\n"
        f"      {PROJECT}:assets:\n"
        "        logo: media/logo.png\n"
        "        menu:\n"
        "          path: media/menu.pdf\n"
        "          file_name: menu.pdf"
    )
    # Once the first line is put at the others' indent, it is the YAML a user pastes.
    lines = ["    " + sample.splitlines()[0], *sample.splitlines()[1:]]
    indents = [len(line) - len(line.lstrip()) for line in lines]
    assert indents == [4, 6, 8, 8, 10, 10]


# -- content problems: check failures of each child, all in one preview ---------------------


def test_every_bad_file_fails_its_own_check_in_one_preview(
    workdir: Path, emulator: Emulator
) -> None:
    files.write(workdir / "media" / "good.png", files.png_bytes())
    files.write(workdir / "media" / "empty.png", b"")
    files.write(workdir / "media" / "fake.jpg", files.png_bytes(rgb=(1, 1, 1)))
    files.random_png(workdir / "media" / "huge.png", 2 * 1024 * 1024 + 1, seed=1)
    run = declare(lambda: MediaAssets("set", directory="media"))

    with ProviderProcess(provider_env(emulator.url)) as provider:
        outcome = Engine(provider).preview(run.media_files)

    assert outcome.created == ["set/good.png"]
    assert sorted(outcome.failures) == ["set/empty.png", "set/fake.jpg", "set/huge.png"]
    reasons = {name: " ".join(r for _, r in f) for name, f in outcome.failures.items()}
    assert "is empty (0 bytes)" in reasons["set/empty.png"]
    assert "says image/jpeg but the content is image/png" in reasons["set/fake.jpg"]
    assert "over Plivo's limit" in reasons["set/huge.png"]
