"""Content inspection with real small files of every allowed type, made by the tests."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from plivo_media_provider.core.content import MAX_FILE_BYTES, inspect_file, read_verified
from plivo_media_provider.errors import ContentError
from tests.support import files

VALID = [
    ("photo.jpg", files.jpeg_bytes(), "image/jpeg"),
    ("photo.jpeg", files.jpeg_bytes(), "image/jpeg"),
    ("logo.png", files.png_bytes(), "image/png"),
    ("spinner.gif", files.gif_bytes(), "image/gif"),
    ("clip.mp4", files.mp4_bytes(), "video/mp4"),
    ("menu.pdf", files.pdf_bytes(), "application/pdf"),
    ("terms.txt", "Tarifs: 5 €\n".encode(), "text/plain"),
    ("prices.csv", b"item,price\ncoffee,3\n", "text/csv"),
    ("contact.vcf", files.vcard_bytes(), "text/vcard"),
    ("no-extension", files.png_bytes(), "image/png"),
]


@pytest.mark.parametrize(("name", "data", "expected"), VALID, ids=[v[0] for v in VALID])
def test_valid_files_resolve_type_size_and_hash(
    tmp_path: Path, name: str, data: bytes, expected: str
) -> None:
    found = inspect_file(str(files.write(tmp_path / name, data)))
    assert found.ok, found.problems
    assert found.content_type == expected
    assert found.size == len(data)
    assert found.sha256 == hashlib.sha256(data).hexdigest()


def _problem(tmp_path: Path, name: str, data: bytes | None, content_type: str | None = None) -> str:
    path = tmp_path / name
    if data is not None:
        files.write(path, data)
    found = inspect_file(str(path), content_type)
    assert not found.ok
    return " | ".join(f"{p.property_}: {p.message}" for p in found.problems)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    text = _problem(tmp_path, "absent.png", None)
    assert text.startswith("path: ") and "absent.png" in text and "no such file" in text


def test_empty_file_is_refused(tmp_path: Path) -> None:
    assert "is empty (0 bytes)" in _problem(tmp_path, "empty.png", b"")


def test_oversized_file_gives_actual_size_and_limit(tmp_path: Path) -> None:
    text = _problem(tmp_path, "big.png", files.png_bytes(pad_to=MAX_FILE_BYTES + 1))
    assert f"{MAX_FILE_BYTES + 1:,} bytes" in text and f"{MAX_FILE_BYTES:,} bytes" in text


def test_a_file_exactly_at_the_limit_passes(tmp_path: Path) -> None:
    path = files.write(tmp_path / "edge.png", files.png_bytes(pad_to=MAX_FILE_BYTES))
    assert inspect_file(str(path)).ok


def test_extension_and_content_must_agree(tmp_path: Path) -> None:
    text = _problem(tmp_path, "logo.jpg", files.png_bytes())
    assert "'.jpg' says image/jpeg but the content is image/png" in text


def test_binary_content_of_no_allowed_type_is_refused(tmp_path: Path) -> None:
    text = _problem(tmp_path, "tool.exe", b"MZ\x90\x00\x03\x00\x00\x00\xff\xfe")
    assert "not a type Plivo accepts" in text


def test_text_with_nul_bytes_is_not_text(tmp_path: Path) -> None:
    assert "not a type Plivo accepts" in _problem(tmp_path, "notes.txt", b"abc\x00def")


def test_invalid_utf8_is_not_text(tmp_path: Path) -> None:
    assert "not a type Plivo accepts" in _problem(tmp_path, "notes.txt", b"caf\xe9 latin-1")


def test_utf8_split_across_read_chunks_is_still_text(tmp_path: Path) -> None:
    data = ("é" * 200_000).encode()
    found = inspect_file(str(files.write(tmp_path / "long.txt", data)))
    assert found.ok and found.content_type == "text/plain"


def test_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    assert "is a directory" in _problem(tmp_path, "folder", None)


def test_explicit_content_type_must_be_allowed(tmp_path: Path) -> None:
    text = _problem(tmp_path, "logo.png", files.png_bytes(), "image/webp")
    assert text.startswith("content_type: ") and "'image/webp'" in text and "image/jpeg" in text


def test_explicit_content_type_must_match_content(tmp_path: Path) -> None:
    text = _problem(tmp_path, "logo.png", files.png_bytes(), "application/pdf")
    assert "content_type 'application/pdf' does not match" in text


def test_explicit_text_type_may_refine_text(tmp_path: Path) -> None:
    path = files.write(tmp_path / "list.txt", b"a,b\n1,2\n")
    found = inspect_file(str(path), "text/csv")
    assert found.ok and found.content_type == "text/csv"


def test_symlink_to_a_file_counts_as_its_target(tmp_path: Path) -> None:
    target = files.write(tmp_path / "real.png", files.png_bytes())
    os.symlink(target, tmp_path / "link.png")
    assert inspect_file(str(tmp_path / "link.png")).sha256 == inspect_file(str(target)).sha256


def test_read_verified_returns_the_checked_bytes(tmp_path: Path) -> None:
    data = files.png_bytes()
    path = files.write(tmp_path / "a.png", data)
    assert read_verified(str(path), hashlib.sha256(data).hexdigest()) == data


def test_read_verified_refuses_a_file_changed_since_check(tmp_path: Path) -> None:
    path = files.write(tmp_path / "a.png", files.png_bytes())
    expected = inspect_file(str(path)).sha256
    assert expected is not None
    files.write(path, files.png_bytes(rgb=(0, 0, 0)))
    with pytest.raises(ContentError, match=r"changed after it was checked.*nothing was uploaded"):
        read_verified(str(path), expected)


def test_read_verified_refuses_a_file_grown_past_the_limit_since_check(tmp_path: Path) -> None:
    data = files.png_bytes()
    path = files.write(tmp_path / "a.png", data)
    expected = inspect_file(str(path)).sha256
    assert expected is not None
    files.write(path, data + b"\0" * MAX_FILE_BYTES)
    with pytest.raises(ContentError, match=r"grew past Plivo's limit.*nothing was uploaded"):
        read_verified(str(path), expected)


def test_read_verified_refuses_a_file_grown_by_one_byte(tmp_path: Path) -> None:
    data = files.png_bytes()
    path = files.write(tmp_path / "a.png", data)
    expected = hashlib.sha256(data).hexdigest()
    files.write(path, data + b"\0")
    with pytest.raises(ContentError, match="changed after it was checked"):
        read_verified(str(path), expected)
