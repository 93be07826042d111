"""How answers that are not Plivo's JSON are told: one line, honest about what is wrong."""

from __future__ import annotations

import pytest

from plivo_media_provider.api.answers import SUMMARY_CHARS, Answer, json_problem, summary

HTML = (b"<!DOCTYPE html>\n<html><head><title>Error</title>\n<script>var x = 1;</script>"
        b"</head>\n<body>\n  <h1>404   Not Found</h1>\n  <p>The page you asked for "
        b"does not exist on this server, and no amount of retrying will change that, "
        b"so please check the address.</p></body></html>")


def test_an_html_page_becomes_its_first_words_without_tags() -> None:
    line = summary(Answer(404, {"Content-Type": "text/html; charset=utf-8"}), HTML)

    prefix = "HTTP 404, text/html, "
    assert line.startswith(prefix + "'404 Not Found The page you asked for does not exist")
    quoted = line[len(prefix) + 1:-1]
    assert len(quoted) <= SUMMARY_CHARS + 1 and quoted.endswith("…")
    assert not quoted[:-1].endswith(" ")  # cut at a word, then the ellipsis
    assert "<" not in line and "var x" not in line and "\n" not in line


def test_a_short_text_body_is_quoted_whole_and_an_empty_one_said() -> None:
    assert summary(Answer(502, {"Content-Type": "text/plain"}), b"  Bad\n\tGateway ") == (
        "HTTP 502, text/plain, 'Bad Gateway'")
    assert summary(Answer(503, {}), b"") == "HTTP 503, no content type, empty body"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b'{"meta": {"limit": 20, "off', "truncated", id="cut-in-a-string"),
        pytest.param(b'{"meta": {"limit": 20,', "truncated", id="cut-after-a-comma"),
        pytest.param(b'{"meta": 1,]', "not valid JSON (Expecting property name", id="bad"),
        pytest.param(b"<html>oops</html>", "not valid JSON (Expecting value at line 1 column 1",
                     id="html"),
        pytest.param(b"{'a': 1}", "not valid JSON", id="single-quotes"),
    ],
)
def test_bad_json_is_called_truncated_only_when_it_is_cut_off(body: bytes, expected: str) -> None:
    problem = json_problem(body)

    assert problem.startswith(expected), problem
    assert ("truncated" in problem) == (expected == "truncated")
