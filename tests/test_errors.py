"""The error tree: shape, messages, and that every transport failure is translated."""

from __future__ import annotations

import inspect

import pytest
import requests

import plivo_media_provider
from plivo_media_provider import errors
from plivo_media_provider.api.transport import translated


def test_every_error_descends_from_the_root_and_has_a_docstring() -> None:
    classes = [
        c for _, c in inspect.getmembers(errors, inspect.isclass) if c.__module__ == errors.__name__
    ]
    # Completeness rather than a count: a new class must be public and drawn in the tree.
    assert sorted(c.__name__ for c in classes) == sorted(errors.__all__)
    for cls in classes:
        assert issubclass(cls, errors.PlivoMediaError), cls
        assert cls.__doc__ and "\n" not in cls.__doc__.strip(), cls


def test_the_module_docstring_draws_every_class() -> None:
    for name in errors.__all__:
        assert name in (errors.__doc__ or ""), name


def test_everything_public_is_exported_from_the_package() -> None:
    for name in errors.__all__:
        assert getattr(plivo_media_provider, name) is getattr(errors, name)
    assert sorted(plivo_media_provider.__all__) == plivo_media_provider.__all__


def test_api_error_repr_carries_status_and_api_id() -> None:
    err = errors.MediaNotFound("gone", status=404, api_id="abc")
    assert repr(err) == "MediaNotFound(status=404, api_id='abc', message='gone')"
    assert str(err) == "gone"


def _all_request_exceptions() -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    for _, cls in inspect.getmembers(requests.exceptions, inspect.isclass):
        if issubclass(cls, requests.exceptions.RequestException):
            found.append(cls)
    return found


@pytest.mark.parametrize("upload", [False, True], ids=["read", "upload"])
@pytest.mark.parametrize("exc_type", _all_request_exceptions(), ids=lambda c: c.__name__)
def test_every_requests_exception_istranslated(exc_type: type[Exception], upload: bool) -> None:
    with pytest.raises(errors.TransportError) as caught, translated(
        "retrieve media x", upload=upload, url="https://api.plivo.com/v1/x", file_names=("a.png",)
    ):
        # JSONDecodeError needs the document and position that json gives it.
        raise exc_type("boom", "{", 0) if issubclass(exc_type, ValueError) else exc_type("boom")
    message = str(caught.value)
    assert "api.plivo.com" in message
    if upload and exc_type is not requests.exceptions.ConnectTimeout:
        assert isinstance(caught.value, errors.UploadOutcomeUnknown)
        assert caught.value.file_names == ("a.png",)
    else:
        assert not isinstance(caught.value, errors.UploadOutcomeUnknown)


def test_the_error_tree_depends_on_neither_pulumi_nor_requests() -> None:
    import ast

    tree = ast.parse(inspect.getsource(errors))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.level == 0}
    assert not imported & {"pulumi", "requests", "urllib3"}, imported
