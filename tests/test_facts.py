"""The facts module: Plivo's numbers as documented, written once, and the emulator's own copy.

Each number is pinned to Plivo's documentation (see ``../shared/PULUMI_NOTES.md``), so a typo
in ``facts.py`` fails here rather than in a user's campaign. A scan of the package holds that
no other module writes one of these facts down again.
"""

from __future__ import annotations

import hashlib
import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from plivo_media_provider import facts
from plivo_media_provider.core import content
from plivo_media_provider.emulator import types as emulator_types
from tests.support import files

PACKAGE = Path(facts.__file__).parent


def test_the_numbers_are_plivos() -> None:
    assert facts.MAX_FILE_BYTES == 2_097_152
    assert facts.MAX_FILES_PER_UPLOAD == 10
    assert facts.MAX_PAGE_SIZE == 20
    assert timedelta(hours=6) == facts.UNSENT_RETENTION
    assert timedelta(days=365) == facts.SENT_RETENTION


def test_the_emulator_keeps_its_own_equal_copy_of_the_type_table() -> None:
    assert emulator_types.STORED_TYPES == facts.ALLOWED_CONTENT_TYPES
    assert emulator_types.TYPE_OF_EXTENSION == facts.EXTENSION_TYPES
    assert emulator_types.STORED_TYPES is not facts.ALLOWED_CONTENT_TYPES  # a copy, on purpose
    assert set(facts.EXTENSION_TYPES.values()) == set(facts.ALLOWED_CONTENT_TYPES)
    assert set(facts.ALLOWED_CONTENT_TYPES) >= facts.TEXT_TYPES


@pytest.mark.parametrize(
    "head",
    [files.png_bytes()[:64], files.gif_bytes()[:64], files.pdf_bytes()[:64],
     files.jpeg_bytes()[:64], files.mp4_bytes()[:64], b"BEGIN:VCARD\r\n", b"", b"\x00\x01"],
    ids=["png", "gif", "pdf", "jpeg", "mp4", "text", "empty", "unknown"],
)
def test_the_emulator_and_the_client_recognise_the_same_content(head: bytes) -> None:
    assert emulator_types.sniff(head) == content.sniff_binary_type(head)


def test_the_content_module_re_exports_the_facts_it_used_to_define() -> None:
    assert content.MAX_FILE_BYTES is facts.MAX_FILE_BYTES
    assert content.ALLOWED_CONTENT_TYPES is facts.ALLOWED_CONTENT_TYPES
    assert content.sha256_bytes(b"abc") == facts.sha256_hex(b"abc")


def test_sha256_is_the_standard_digest_whole_or_streamed() -> None:
    data = b"plivo" * 100_000
    expected = hashlib.sha256(data).hexdigest()
    assert facts.sha256_hex(data) == expected
    seen: list[int] = []
    assert facts.sha256_stream(io.BytesIO(data), chunk=4096, inspect=lambda b: seen.append(
        len(b))) == (expected, len(data))
    assert sum(seen) == len(data) and max(seen) == 4096
    assert facts.sha256_hex(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")


@pytest.mark.parametrize(
    ("text", "seconds", "canonical"),
    [("5h", 18000, "5h"), ("90m", 5400, "1h30m"), ("1h30m", 5400, "1h30m"),
     ("2d", 172800, "2d"), ("45s", 45, "45s"), ("1.5h", 5400, "1h30m"),
     (" 1H 30M ", 5400, "1h30m"), ("0.5s", 0.5, "0.5s"), ("1d1s", 86401, "1d1s")],
)
def test_a_duration_parses_and_prints_canonically(
    text: str, seconds: float, canonical: str,
) -> None:
    duration = facts.Duration.parse(text)
    assert duration.seconds == seconds
    assert str(duration) == canonical
    assert facts.Duration.parse(str(duration)) == duration
    assert duration.delta == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "5", "h", "5x", "-5h", "0h", "0s", "5h-", "1e3s", "nan"])
def test_a_bad_duration_is_one_line_naming_what_it_was_for(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        facts.parse_duration(text, what="--since")
    message = str(caught.value)
    assert message.startswith(f"--since {text!r}") and "\n" not in message


def test_a_duration_must_be_finite_and_positive() -> None:
    for seconds in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError):
            facts.Duration(seconds)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-12-02T10:11:12Z", datetime(2026, 12, 2, 10, 11, 12, tzinfo=timezone.utc)),
     ("2026-12-02T10:11:12.123456789Z",
      datetime(2026, 12, 2, 10, 11, 12, 123456, tzinfo=timezone.utc)),
     ("2026-12-02T12:11:12+02:00", datetime(2026, 12, 2, 10, 11, 12, tzinfo=timezone.utc)),
     ("2026-12-02T10:11:12", datetime(2026, 12, 2, 10, 11, 12, tzinfo=timezone.utc))],
)
def test_times_parse_to_utc_and_format_as_plivo_writes_them(
    text: str, expected: datetime,
) -> None:
    parsed = facts.parse_time(text)
    assert parsed == expected and parsed.utcoffset() == timedelta(0)
    assert facts.parse_time(facts.format_time(parsed)) == parsed
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", facts.format_time(parsed))


def test_no_other_module_writes_a_fact_down_again() -> None:
    """The literal spellings of these facts appear in facts.py alone (and the emulator's
    deliberate copy of the type table)."""
    spellings = [
        r"hours\s*=\s*6\b", r"6\s*\*\s*3600", r"\b21600\b", r"2\s*\*\s*1024\s*\*\s*1024",
        r"\b2097152\b", r"hashlib\.sha256\(", r'"image/png",\s*\n\s*"image/gif"',
        r"MAX_PAGE_SIZE\s*=\s*\d", r"def parse_duration", r"def format_time",
    ]
    allowed = {PACKAGE / "facts.py", PACKAGE / "emulator" / "types.py"}
    offenders = [
        f"{path.relative_to(PACKAGE)}: {pattern}"
        for path in sorted(PACKAGE.rglob("*.py")) if path not in allowed
        for pattern in spellings if re.search(pattern, path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


ROOT = PACKAGE.parent
WRITTEN = (
    [*sorted(PACKAGE.rglob("*.py")), *sorted((ROOT / "tests").rglob("*.py")),
     *sorted(p for p in (ROOT / "examples").rglob("*") if p.is_file()),
     *sorted((ROOT / "docs").rglob("*.md"))]
    + [ROOT / name for name in ("README.md", "CHANGELOG.md", "ARCHITECTURE.md")]
)
"""Everything a person reads: code, docstrings and messages, tests, examples and docs."""


def test_the_size_limit_is_written_one_way_everywhere() -> None:
    """2 MiB (2,097,152 bytes): never "2 MB", nor a bare "2 MiB" or byte count."""
    assert facts.MAX_FILE_SIZE_WORDS == "2 MiB (2,097,152 bytes)"
    # Any way of writing the limit, and the one way allowed (this file, which says what is
    # not allowed, is left out).
    mention = re.compile(r"(?<![\d.,])2\s?(?:MB|MiB|megabytes?)\b|\b2,097,152\b")
    allowed = re.compile(re.escape("2 MiB") + r"\s+" + re.escape("(2,097,152 bytes)"))
    offenders = []
    for path in WRITTEN:
        if path == Path(__file__) or path.suffix not in (".py", ".md", ".yml", ".yaml", ".txt"):
            continue
        text = path.read_text(encoding="utf-8")
        spans = [m.span() for m in allowed.finditer(text)]
        offenders += [
            f"{path.relative_to(ROOT)}: {found.group()!r} at {found.start()}"
            for found in mention.finditer(text)
            if not any(start <= found.start() < end for start, end in spans)
        ]
    assert offenders == []


def test_an_oversized_file_is_refused_with_the_limit_written_that_way(tmp_path: Path) -> None:
    big = files.write(tmp_path / "big.png", files.png_bytes(pad_to=facts.MAX_FILE_BYTES + 1))

    [problem] = content.inspect_file(str(big)).problems

    assert "over Plivo's limit of 2 MiB (2,097,152 bytes) per file" in problem.message
