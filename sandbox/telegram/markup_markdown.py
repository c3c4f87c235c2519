"""parse_mode=MarkdownV2 and the legacy Markdown, following the Bot API's formatting rules."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.telegram.entities import Entity, MarkupError, TextBuilder, byte_offset

RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}
_MARKERS = {"**": "bold", "*": "bold", "__": "underline", "_": "italic", "~": "strikethrough"}


@dataclass
class _Open:
    kind: str
    start: int
    source_index: int
    order: int


class _V2Parser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.i = 0
        self.out = TextBuilder()
        self.stack: list[_Open] = []
        self.done: list[tuple[int, Entity]] = []
        self.order = 0
        self.quote: _Open | None = None

    def fail_reserved(self, char: str) -> MarkupError:
        return MarkupError(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )

    def parse(self) -> tuple[str, list[Entity]]:
        src = self.src
        while self.i < len(src):
            char = src[self.i]
            at_line_start = self.i == 0 or src[self.i - 1] == "\n"
            if at_line_start:
                self._line_start()
                if self.i >= len(src):
                    break
                char = src[self.i]
            if char == "\\":
                if self.i + 1 >= len(src):
                    raise self.fail_reserved("\\")
                self.out.add(src[self.i + 1])
                self.i += 2
            elif char == "`":
                self._code()
            elif char == "|" and src.startswith("||", self.i):
                self._toggle("spoiler", 2)
            elif char == "_" and src.startswith("__", self.i):
                self._toggle("underline", 2)
            elif char in "*_~":
                self._toggle(_MARKERS[char], 1)
            elif char == "!" and src.startswith("![", self.i):
                self._push("custom_emoji", 2)
            elif char == "[":
                self._push("text_link", 1)
            elif (
                char == "]" and self.stack and self.stack[-1].kind in {"text_link", "custom_emoji"}
            ):
                self._link_end()
            elif char == "\n":
                self._newline()
            elif char in RESERVED:
                raise self.fail_reserved(char)
            else:
                self.out.add(char)
                self.i += 1
        if self.stack:
            top = self.stack[-1]
            raise MarkupError(
                f"Can't find end of {_NAMES[top.kind]} entity at byte offset "
                f"{byte_offset(src, top.source_index)}"
            )
        self._end_quote()
        self.done.sort(key=lambda item: item[0])
        return self.out.text(), [entity for _, entity in self.done]

    def _line_start(self) -> None:
        src = self.src
        if src.startswith("**>", self.i) and self.quote is None:
            self.quote = self._new_open("expandable_blockquote", self.i)
            self.i += 3
        elif src.startswith(">", self.i):
            if self.quote is None:
                self.quote = self._new_open("blockquote", self.i)
            self.i += 1

    def _newline(self) -> None:
        nxt = self.i + 1
        continues = nxt < len(self.src) and self.src[nxt] == ">"
        if self.quote is not None and not continues:
            self._end_quote()
        self.out.add("\n")
        self.i += 1

    def _end_quote(self) -> None:
        if self.quote is not None:
            self._emit(self.quote, {"type": self.quote.kind})
            self.quote = None

    def _new_open(self, kind: str, source_index: int) -> _Open:
        opened = _Open(kind, self.out.length16, source_index, self.order)
        self.order += 1
        return opened

    def _push(self, kind: str, width: int) -> None:
        self.stack.append(self._new_open(kind, self.i))
        self.i += width

    def _toggle(self, kind: str, width: int) -> None:
        # `||` closing an expandable quote at the end of its line.
        if kind == "spoiler" and self.quote and self.quote.kind == "expandable_blockquote":
            after = self.i + 2
            at_line_end = after >= len(self.src) or self.src[after] == "\n"
            if at_line_end and not any(o.kind == "spoiler" for o in self.stack):
                self.i = after
                self._end_quote()
                return
        if self.stack and self.stack[-1].kind == kind:
            self._emit(self.stack.pop(), {"type": kind})
            self.i += width
        elif any(o.kind == kind for o in self.stack):
            top = self.stack[-1]
            raise MarkupError(
                f"Can't find end of {_NAMES[top.kind]} entity at byte offset "
                f"{byte_offset(self.src, top.source_index)}"
            )
        else:
            self._push(kind, width)

    def _link_end(self) -> None:
        opened = self.stack.pop()
        src = self.src
        self.i += 1
        if not src.startswith("(", self.i):
            # `[text]` without a URL is plain text, as in Telegram.
            return
        url, self.i = _until(src, self.i + 1, ")", "TextUrl", opened.source_index)
        if opened.kind == "custom_emoji":
            emoji_id = url.removeprefix("tg://emoji?id=")
            self._emit(opened, {"type": "custom_emoji", "custom_emoji_id": emoji_id})
        else:
            self._emit(opened, {"type": "text_link", "url": url})

    def _code(self) -> None:
        src = self.src
        start = self.i
        if src.startswith("```", self.i):
            body, self.i = _until(src, self.i + 3, "```", "Pre", start)
            language, newline, rest = body.partition("\n")
            entity: Entity = {"type": "pre"}
            if newline and language and " " not in language:
                entity["language"] = language
                body = rest
            opened = self._new_open("pre", start)
            self.out.add(body)
            self._emit(opened, entity)
        else:
            body, self.i = _until(src, self.i + 1, "`", "Code", start)
            opened = self._new_open("code", start)
            self.out.add(body)
            self._emit(opened, {"type": "code"})

    def _emit(self, opened: _Open, entity: Entity) -> None:
        length = self.out.length16 - opened.start
        if length > 0:
            self.done.append((opened.order, {**entity, "offset": opened.start, "length": length}))


def _until(src: str, index: int, closer: str, name: str, opened_at: int) -> tuple[str, int]:
    """Body up to an unescaped `closer` (inside code and URLs only `\\` escapes)."""
    body: list[str] = []
    while index < len(src):
        if src[index] == "\\" and index + 1 < len(src):
            body.append(src[index + 1])
            index += 2
        elif src.startswith(closer, index):
            return "".join(body), index + len(closer)
        else:
            body.append(src[index])
            index += 1
    raise MarkupError(
        f"Can't find end of {name} entity at byte offset {byte_offset(src, opened_at)}"
    )


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    return _V2Parser(source).parse()


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """The legacy Markdown mode: *bold*, _italic_, `code`, ```pre```, [text](url)."""
    out = TextBuilder()
    entities: list[Entity] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source) and source[i + 1] in "_*`[":
            out.add(source[i + 1])
            i += 2
            continue
        closer = {"*": "*", "_": "_", "`": "`", "[": "]"}.get(char)
        if closer is None:
            out.add(char)
            i += 1
            continue
        if source.startswith("```", i):
            closer, width = "```", 3
        else:
            width = 1
        end = source.find(closer, i + width)
        if end == -1:
            raise MarkupError(
                f"Can't find end of the entity starting at byte offset {byte_offset(source, i)}"
            )
        body = source[i + width : end]
        entity: Entity = {
            "*": {"type": "bold"},
            "_": {"type": "italic"},
            "`": {"type": "code"} if width == 1 else {"type": "pre"},
            "[": {"type": "text_link"},
        }[char]
        i = end + width
        if char == "[":
            if not source.startswith("(", i) or source.find(")", i) == -1:
                raise MarkupError(
                    "Can't find end of the entity starting at byte offset "
                    f"{byte_offset(source, end)}"
                )
            close = source.find(")", i)
            entity["url"] = source[i + 1 : close]
            i = close + 1
        start = out.length16
        out.add(body)
        if out.length16 > start:
            entities.append({**entity, "offset": start, "length": out.length16 - start})
    return out.text(), entities
