"""The package's top level holds what a Pulumi program needs; the HTTP layer lives in its
modules, with deprecated aliases for the names 0.1.0 exported at the top."""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest

import plivo_media_provider
from plivo_media_provider import client, errors, settings


def test_the_top_level_is_the_resources_their_args_and_the_error_tree() -> None:
    expected = {"MediaFile", "MediaFileArgs", "MediaAssets", "MediaAssetsArgs", "__version__",
                *errors.__all__}
    assert set(plivo_media_provider.__all__) == expected
    assert sorted(plivo_media_provider.__all__) == plivo_media_provider.__all__
    for name in plivo_media_provider.__all__:
        assert hasattr(plivo_media_provider, name), name


@pytest.mark.parametrize(
    ("name", "module"),
    [("MediaClient", client), ("Media", client), ("MediaPage", client),
     ("UploadFile", client), ("Settings", settings), ("resolve_settings", settings)],
)
def test_names_that_moved_still_import_with_a_deprecation_warning(
    name: str, module: ModuleType
) -> None:
    with pytest.warns(DeprecationWarning, match=f"import it from {module.__name__}"):
        moved = getattr(plivo_media_provider, name)
    assert moved is getattr(module, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        plivo_media_provider.Nope  # noqa: B018


# -- the import paths users write, kept as the package moved into wings ----------------------

DOCUMENTED = [
    ("plivo_media_provider.provider", "MediaFileProvider",
     "plivo_media_provider.provider", "MediaFileProvider"),
    ("plivo_media_provider.testing", "MediaTestKit", "plivo_media_provider.testing.kit",
     "MediaTestKit"),
    ("plivo_media_provider.testing", "project_program", "plivo_media_provider.testing.kit",
     "project_program"),
    ("plivo_media_provider.pytest_plugin", "media_kit",
     "plivo_media_provider.testing.pytest_plugin", "media_kit"),
    ("plivo_media_provider.client", "MediaClient", "plivo_media_provider.api.client",
     "MediaClient"),
    ("plivo_media_provider.client", "UploadFile", "plivo_media_provider.api.media", "UploadFile"),
    ("plivo_media_provider.reconcile", "upload_once", "plivo_media_provider.uploads.protocol",
     "upload_once"),
    ("plivo_media_provider.settings", "resolve_settings", "plivo_media_provider.settings",
     "resolve_settings"),
    ("plivo_media_provider.cli", "main", "plivo_media_provider.cli.dispatch", "main"),
]


@pytest.mark.parametrize(("path", "name", "home", "home_name"), DOCUMENTED,
                         ids=[f"{p}.{n}" for p, n, _, _ in DOCUMENTED])
def test_every_documented_import_path_gives_the_object_where_it_now_lives(
    path: str, name: str, home: str, home_name: str
) -> None:
    assert getattr(importlib.import_module(path), name) is getattr(
        importlib.import_module(home), home_name)


def test_the_classes_keep_the_module_names_old_state_and_pickles_name() -> None:
    from plivo_media_provider.provider import MediaFileProvider

    # Pickled by reference into every stack's state: the name must never move.
    assert (MediaFileProvider.__module__, MediaFileProvider.__qualname__) == (
        "plivo_media_provider.provider", "MediaFileProvider")


def test_every_top_level_name_imports_from_the_package() -> None:
    namespace: dict[str, object] = {}
    exec("from plivo_media_provider import *", namespace)
    assert set(plivo_media_provider.__all__) <= set(namespace)


def test_the_console_script_names_a_callable_that_exists() -> None:
    from pathlib import Path

    import tomllib

    scripts = tomllib.loads(
        (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    )["project"]["scripts"]
    for target in scripts.values():
        module, _, attribute = target.partition(":")
        assert callable(getattr(importlib.import_module(module), attribute)), target
