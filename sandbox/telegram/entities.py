"""Message text as Telegram stores it: plain text plus entities with UTF-16 offsets.

`parse_text` applies a `parse_mode` (or explicit `entities`), trims surrounding whitespace as
Telegram does, and adds the entities Telegram detects on its own (commands, mentions, links).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sandbox.telegram.errors import ApiError, bad_request

Entity = dict[str, Any]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class MarkupError(Exception):
    """Malformed markup; the message follows Telegram's "can't parse entities" wording."""


@dataclass
class TextBuilder:
    """Accumulates output text and tracks its UTF-16 length for entity offsets."""

    parts: list[str] = field(default_factory=list)
    length16: int = 0

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.length16 += utf16_len(chunk)

    def text(self) -> str:
        return "".join(self.parts)


def byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def parse_text(
    text: str, parse_mode: str | None, entities: list[Entity] | None
) -> tuple[str, list[Entity]]:
    """Text and entities as the stored message carries them; raises 400 on bad markup."""
    from sandbox.telegram.markup_html import parse_html
    from sandbox.telegram.markup_markdown import parse_markdown, parse_markdown_v2

    mode = (parse_mode or "").lower()
    try:
        if entities:
            plain, found = text, [dict(e) for e in entities]
        elif mode == "html":
            plain, found = parse_html(text)
        elif mode == "markdownv2":
            plain, found = parse_markdown_v2(text)
        elif mode == "markdown":
            plain, found = parse_markdown(text)
        elif mode:
            raise bad_request(f"unsupported parse_mode {parse_mode!r}")
        else:
            plain, found = text, []
    except MarkupError as exc:
        raise bad_request(f"can't parse entities: {exc}") from exc
    plain, found = _strip(plain, found)
    return plain, _sorted(found + _detected(plain, found))


def check_text(text: str, *, limit: int, empty: str, too_long: str) -> None:
    if not text:
        raise bad_request(empty)
    if len(text) > limit:
        raise bad_request(too_long)


def _strip(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    stripped = text.strip()
    if not stripped:
        return "", []
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(int(entity["offset"]) - lead, 0)
        stop = min(int(entity["offset"]) + int(entity["length"]) - lead, end)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept


_DETECTORS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")),
    ("url", re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")),
    ("email", re.compile(r"(?<![\w.])[\w.+-]+@[\w-]+\.[\w.-]*\w")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}\b")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
)
# Telegram never detects entities inside these.
_OPAQUE = frozenset({"code", "pre", "text_link", "text_mention", "custom_emoji"})


def _detected(text: str, explicit: list[Entity]) -> list[Entity]:
    taken: list[tuple[int, int]] = [
        (e["offset"], e["offset"] + e["length"]) for e in explicit if e["type"] in _OPAQUE
    ]
    found: list[Entity] = []
    for kind, pattern in _DETECTORS:
        for match in pattern.finditer(text):
            start = utf16_len(text[: match.start()])
            stop = start + utf16_len(match.group())
            if any(a < stop and start < b for a, b in taken):
                continue
            taken.append((start, stop))
            found.append({"type": kind, "offset": start, "length": stop - start})
    return found


def _sorted(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def validate_entities(raw: Any) -> list[Entity] | None:
    """Explicit `entities` as sent by the bot (aiogram sends them as a JSON list)."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise bad_request("can't parse entities JSON object")
    for entity in raw:
        if not isinstance(entity.get("type"), str) or not all(
            isinstance(entity.get(k), int) and entity[k] >= 0 for k in ("offset", "length")
        ):
            raise ApiError(400, "Bad Request: can't parse entities: wrong entity")
    return raw
