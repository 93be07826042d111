"""The package's top level holds what a Pulumi program needs; the HTTP layer lives in its
modules, with deprecated aliases for the names 0.1.0 exported at the top."""

from __future__ import annotations

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
