"""Parsing of parse_mode markup into entities with UTF-16 offsets, and its error texts."""

from __future__ import annotations

import pytest

from sandbox.telegram.entities import parse_text
from sandbox.telegram.errors import ApiError


def entities(text: str, mode: str | None) -> tuple[str, list[tuple[str, int, int]]]:
    plain, found = parse_text(text, mode, None)
    return plain, [(e["type"], e["offset"], e["length"]) for e in found]


@pytest.mark.parametrize(
    ("source", "mode", "expected"),
    [
        ("<b>a <i>b</i></b>", "HTML", ("a b", [("bold", 0, 3), ("italic", 2, 1)])),
        ("&lt;b&gt; &amp; &#128512;", "HTML", ("<b> & 😀", [])),
        ("🎁 <u>x</u>", "HTML", ("🎁 x", [("underline", 3, 1)])),
        ('<a href="https://t.me">t</a>', "HTML", ("t", [("text_link", 0, 1)])),
        ('<span class="tg-spoiler">s</span>', "HTML", ("s", [("spoiler", 0, 1)])),
        (
            '<pre><code class="language-py">x = 1</code></pre>',
            "HTML",
            ("x = 1", [("pre", 0, 5)]),
        ),
        ("<blockquote expandable>q</blockquote>", "HTML", ("q", [("expandable_blockquote", 0, 1)])),
        (
            "__u__ ~s~ ||p||",
            "MarkdownV2",
            ("u s p", [("underline", 0, 1), ("strikethrough", 2, 1), ("spoiler", 4, 1)]),
        ),
        ("[a](http://x.y/\\))", "MarkdownV2", ("a", [("text_link", 0, 1)])),
        (">one\n>two\nthree", "MarkdownV2", ("one\ntwo\nthree", [("blockquote", 0, 7)])),
        ("*b* _i_", "Markdown", ("b i", [("bold", 0, 1), ("italic", 2, 1)])),
        ("  padded  ", None, ("padded", [])),
        (
            "see /help and @giftbot_support #tag",
            None,
            (
                "see /help and @giftbot_support #tag",
                [("bot_command", 4, 5), ("mention", 14, 16), ("hashtag", 31, 4)],
            ),
        ),
    ],
)
def test_parses(
    source: str, mode: str | None, expected: tuple[str, list[tuple[str, int, int]]]
) -> None:
    assert entities(source, mode) == expected


def test_pre_language_and_link_url() -> None:
    _, found = parse_text(
        '<pre><code class="language-py">x</code></pre> <a href="https://a.b">l</a>', "HTML", None
    )
    assert found[0]["language"] == "py"
    assert found[1]["url"] == "https://a.b"


@pytest.mark.parametrize(
    ("source", "mode", "message"),
    [
        ("<x>y</x>", "HTML", 'Unsupported start tag "x" at byte offset 0'),
        ("é<b>x</i>", "HTML", 'Unmatched end tag at byte offset 6, expected "</b>", found "</i>"'),
        ("<b>x", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<span>x</span>", "HTML", 'Tag "span" must have class "tg-spoiler"'),
        (
            "a-b",
            "MarkdownV2",
            "Character '-' is reserved and must be escaped with the preceding '\\'",
        ),
        ("x *bold", "MarkdownV2", "Can't find end of Bold entity at byte offset 2"),
        ("`code", "MarkdownV2", "Can't find end of Code entity at byte offset 0"),
        ("*x", "Markdown", "Can't find end of the entity starting at byte offset 0"),
    ],
)
def test_bad_markup(source: str, mode: str, message: str) -> None:
    with pytest.raises(ApiError) as failed:
        parse_text(source, mode, None)
    assert failed.value.code == 400
    assert failed.value.description == f"Bad Request: can't parse entities: {message}"
