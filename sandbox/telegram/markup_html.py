"""parse_mode=HTML, with the tags and error texts of the Bot API's HTML style."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from sandbox.telegram.entities import Entity, MarkupError, TextBuilder, byte_offset

_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_OTHER = frozenset({"a", "span", "blockquote", "tg-emoji"})
_ATTR = re.compile(r"""([A-Za-z][\w-]*)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass
class _Open:
    name: str
    entity: Entity
    start: int
    order: int
    attrs: dict[str, str] = field(default_factory=dict)


def parse_html(source: str) -> tuple[str, list[Entity]]:
    out = TextBuilder()
    stack: list[_Open] = []
    done: list[tuple[int, Entity]] = []
    i, n, order = 0, len(source), 0
    while i < n:
        char = source[i]
        if char == "<":
            end = source.find(">", i)
            if end == -1:
                raise MarkupError(f"Unclosed start tag at byte offset {byte_offset(source, i)}")
            inner = source[i + 1 : end]
            if inner.startswith("/"):
                _close(source, i, inner[1:].strip().lower(), stack, out, done)
            else:
                stack.append(_open(source, i, inner, out.length16, order))
                order += 1
            i = end + 1
        elif char == "&":
            decoded, i = _entity(source, i)
            out.add(decoded)
        else:
            out.add(char)
            i += 1
    if stack:
        raise MarkupError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    done.sort(key=lambda item: item[0])
    return out.text(), [entity for _, entity in done]


def _open(source: str, index: int, inner: str, start: int, order: int) -> _Open:
    name_match = re.match(r"[A-Za-z][\w-]*", inner)
    name = name_match.group().lower() if name_match else ""
    if name not in _SIMPLE and name not in _OTHER:
        raise MarkupError(
            f'Unsupported start tag "{name}" at byte offset {byte_offset(source, index)}'
        )
    attrs = {
        key.lower(): html.unescape(value.strip("\"'"))
        for key, value in _ATTR.findall(inner[len(name) :])
    }
    entity: Entity
    if name in _SIMPLE:
        entity = {"type": _SIMPLE[name]}
    elif name == "a":
        href = attrs.get("href", "")
        user = re.fullmatch(r"tg://user\?id=(\d+)", href)
        entity = (
            {"type": "text_mention", "user": {"id": int(user.group(1)), "is_bot": False}}
            if user
            else {"type": "text_link", "url": href}
        )
    elif name == "span":
        if attrs.get("class") != "tg-spoiler":
            raise MarkupError('Tag "span" must have class "tg-spoiler"')
        entity = {"type": "spoiler"}
    elif name == "blockquote":
        expandable = "expandable" in attrs
        entity = {"type": "expandable_blockquote" if expandable else "blockquote"}
    else:
        if "emoji-id" not in attrs:
            raise MarkupError('Tag "tg-emoji" must have attribute "emoji-id"')
        entity = {"type": "custom_emoji", "custom_emoji_id": attrs["emoji-id"]}
    return _Open(name, entity, start, order, attrs)


def _close(
    source: str,
    index: int,
    name: str,
    stack: list[_Open],
    out: TextBuilder,
    done: list[tuple[int, Entity]],
) -> None:
    if not stack:
        raise MarkupError(f"Unexpected end tag at byte offset {byte_offset(source, index)}")
    top = stack.pop()
    if name and name != top.name:
        raise MarkupError(
            f"Unmatched end tag at byte offset {byte_offset(source, index)}, "
            f'expected "</{top.name}>", found "</{name}>"'
        )
    length = out.length16 - top.start
    language = top.attrs.get("class", "")
    parent = stack[-1] if stack else None
    # <pre><code class="language-x"> is one pre entity carrying the language.
    if top.name == "code" and parent and parent.name == "pre":
        if language.startswith("language-"):
            parent.entity["language"] = language.removeprefix("language-")
        return
    if length > 0:
        done.append((top.order, {**top.entity, "offset": top.start, "length": length}))


def _entity(source: str, index: int) -> tuple[str, int]:
    match = re.match(r"&(#x[0-9A-Fa-f]+|#\d+|[A-Za-z]+);", source[index:])
    if match is None:
        return "&", index + 1
    body = match.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
        decoded = chr(code) if 0 < code < 0x110000 else ""
    elif body in _NAMED_ENTITIES:
        decoded = _NAMED_ENTITIES[body]
    else:
        # Telegram supports only the four named entities; others stay literal.
        return "&", index + 1
    return decoded, index + len(match.group())
