"""Every relative link and ``#anchor`` in the documentation (the README, ARCHITECTURE.md,
CHANGELOG.md, ``docs/`` and the examples' READMEs) resolves: the file or folder exists, and
an anchor names a heading of its page as GitHub slugs it. Page names written as
``*Heading* in docs/page.md`` (docstrings, schema descriptions) name a heading that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from plivo_media_provider.core.schema import FIELDS

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(
    [ROOT / "README.md", ROOT / "ARCHITECTURE.md", ROOT / "CHANGELOG.md",
     *(ROOT / "docs").glob("*.md"), ROOT / "examples" / "README.md",
     *(ROOT / "examples").glob("*/README.md")]  # not what a tool generates deeper down
)

_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\n[ \t]*\n).)+?\1", re.DOTALL)  # within a paragraph
_INLINE_LINK = re.compile(  # [text](target "title"), ![alt](target); one level of brackets
    r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_LINK = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text as rendered (no code ticks, emphasis or
    link targets), lower case, without punctuation, each space a hyphen."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link shows its text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML shows nothing of its tags
    text = text.replace("`", "").replace("*", "")
    text = re.sub(r"(?<!\w)_+|_+(?!\w)", "", text)  # _emphasis_, never snake_case
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def prose(text: str) -> str:
    """The text outside fenced code blocks and YAML front matter, with code spans blanked
    (their brackets are not links), so line numbers stay those of the file."""
    lines = text.split("\n")
    if lines and lines[0] == "---":
        end = lines.index("---", 1)
        lines[: end + 1] = [""] * (end + 1)
    fence: str | None = None
    for number, line in enumerate(lines):
        opened = _FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)
            lines[number] = ""
        elif fence is not None:
            if line.lstrip().startswith(fence):
                fence = None
            lines[number] = ""
    kept = "\n".join(lines)
    return _CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), kept)


def anchors(text: str) -> set[str]:
    """Every anchor of a page: its headings' GitHub slugs (a repeated one gets ``-1``,
    ``-2``…), and explicit ``<a id=…>`` anchors."""
    found: set[str] = set()
    counts: dict[str, int] = {}
    raw = text.split("\n")
    for number, line in enumerate(prose(text).split("\n")):
        heading = re.match(r"^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$", line)
        if heading:
            # Slug the heading as written: code spans were blanked in ``prose``.
            written = re.match(r"^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$", raw[number])
            assert written is not None
            slug = github_slug(written.group(1))
            seen = counts.get(slug, 0)
            counts[slug] = seen + 1
            found.add(slug if seen == 0 else f"{slug}-{seen}")
    found.update(_HTML_ANCHOR.findall(text))
    return found


def links(text: str) -> list[tuple[int, str]]:
    """Every link target of a page, with its line number."""
    visible = prose(text)
    found = [(m.start(), m.group(1)) for m in _INLINE_LINK.finditer(visible)]
    found += [(m.start(), m.group(1)) for m in _REFERENCE_LINK.finditer(visible)]
    return [(visible.count("\n", 0, start) + 1, target) for start, target in sorted(found)]


def broken(page: Path, root: Path = ROOT) -> list[str]:
    """Each relative link of ``page`` that does not resolve, as ``file:line: target: why``."""
    problems = []
    text = page.read_text(encoding="utf-8")
    for line, target in links(text):
        if not target or _EXTERNAL.match(target):
            continue
        path_part, _, anchor = target.partition("#")
        where = f"{page.relative_to(root)}:{line}: {target}"
        resolved = (page.parent / path_part).resolve() if path_part else page
        if path_part.startswith("/"):
            problems.append(f"{where}: a link from the site root, which no checkout has")
            continue
        if not resolved.exists():
            problems.append(f"{where}: no such file")
            continue
        if not anchor:
            continue
        if resolved.suffix != ".md":
            problems.append(f"{where}: an anchor into a file that is not Markdown")
        elif anchor not in anchors(resolved.read_text(encoding="utf-8")):
            problems.append(f"{where}: no heading with that anchor")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    assert broken(page) == []


def test_every_docs_page_is_checked() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in PAGES}

    assert {"README.md", "ARCHITECTURE.md", "CHANGELOG.md", "docs/_index.md",
            "docs/installation-configuration.md", "docs/upgrading.md"} <= names


# -- the checker itself can fail ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("The `MediaFile` resource", "the-mediafile-resource"),
        ("Testing your own stacks: `plivo_media_provider.testing`",
         "testing-your-own-stacks-plivo_media_providertesting"),
        ("Listing media: `plivo-media ls`", "listing-media-plivo-media-ls"),
        ("From 0.1.0 to 0.2.0", "from-010-to-020"),
        ("Plivo's clock, not this machine's", "plivos-clock-not-this-machines"),
        ("Security: what is secret and where it goes", "security-what-is-secret-and-where-it-goes"),
        ("[Unreleased]", "unreleased"),
        ("A — B", "a--b"),
        ("Why *this* works", "why-this-works"),
    ],
    ids=["code", "snake-case-in-code", "colon-and-hyphen", "dots", "apostrophes", "colon",
         "bracketed", "dash-between-spaces", "emphasis"],
)
def test_headings_are_slugged_as_github_slugs_them(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


def test_a_missing_file_a_missing_anchor_and_an_anchor_into_code_are_found(
    tmp_path: Path,
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other\n\n## Twice\n\n## Twice\n")
    (tmp_path / "code.py").write_text("pass\n")
    page = tmp_path / "README.md"
    page.write_text(
        "# Title\n\n"
        "[ok](docs/other.md#twice-1) [ok](#title) [ok](https://example.com/x#y)\n"
        "[gone](docs/gone.md) [no anchor](docs/other.md#thrice) [self](#nowhere)\n"
        "[code](code.py#L1) `[not a link](nowhere.md)`\n"
        "```\n[in a fence](fenced.md)\n```\n"
        "[ref]: docs/missing-too.md\n"
    )

    assert broken(page, tmp_path) == [
        "README.md:4: docs/gone.md: no such file",
        "README.md:4: docs/other.md#thrice: no heading with that anchor",
        "README.md:4: #nowhere: no heading with that anchor",
        "README.md:5: code.py#L1: an anchor into a file that is not Markdown",
        "README.md:9: docs/missing-too.md: no such file",
    ]


# -- a section named in words ---------------------------------------------------------------------

_NAMED = re.compile(r"\*([^*\n]+)\* (?:in|on) (docs/[\w-]+\.md)")


def _named_sections() -> list[tuple[str, str, str]]:
    """Every ``*Heading* in docs/page.md`` in the package's source, in the field schema's
    descriptions as the schema and the plugin give them, and in the documentation."""
    files = [*sorted((ROOT / "plivo_media_provider").rglob("*.py")), *PAGES]
    texts = [(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")) for path in files]
    texts += [(f"the schema's {field.name}", field.description) for field in FIELDS]
    return [
        (source, title, page)
        for source, text in texts
        for title, page in _NAMED.findall(" ".join(text.split()))
    ]


def test_sections_named_in_words_are_headings_of_the_page_named() -> None:
    named = _named_sections()
    missing = [
        f"{source}: *{title}* in {page}" for source, title, page in named
        if not (ROOT / page).is_file()
        or github_slug(title) not in anchors((ROOT / page).read_text(encoding="utf-8"))
    ]

    assert {(source, title) for source, title, _ in named} >= {
        ("the schema's adopt_media_id", "Adoption"), ("the schema's reupload_after", "Expiry"),
        ("the schema's schema_version", "State compatibility")}
    assert missing == []
