// Renders Bot API text + MessageEntity[] into DOM nodes.
// Every piece of text goes in through text nodes, never innerHTML, so bot text cannot inject
// markup. Offsets and lengths are UTF-16 code units, which is exactly how JS strings index.

const SAFE_SCHEMES = new Set(["http:", "https:", "tg:", "mailto:", "tel:"]);

/** Returns the URL if it uses a scheme a link may safely open, else null. */
export function safeUrl(raw) {
  if (typeof raw !== "string" || raw === "") return null;
  try {
    const url = new URL(raw.includes(":") ? raw : `https://${raw}`);
    return SAFE_SCHEMES.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function link(href, className) {
  const a = document.createElement("a");
  a.className = className;
  if (href) {
    a.href = href;
    if (!href.startsWith("mailto:") && !href.startsWith("tel:")) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
  }
  return a;
}

function makeSpoiler() {
  const span = document.createElement("span");
  span.className = "spoiler";
  span.tabIndex = 0;
  span.setAttribute("role", "button");
  span.setAttribute("aria-label", "Hidden text, press to reveal");
  const reveal = (event) => {
    event.stopPropagation();
    span.classList.add("revealed");
    span.removeAttribute("role");
    span.removeAttribute("tabindex");
    span.removeAttribute("aria-label");
  };
  span.addEventListener("click", reveal, { once: true });
  span.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      reveal(event);
    }
  });
  return span;
}

function makeElement(entity, content, options) {
  switch (entity.type) {
    case "bold":
      return document.createElement("strong");
    case "italic":
      return document.createElement("em");
    case "underline":
      return document.createElement("u");
    case "strikethrough":
      return document.createElement("s");
    case "spoiler":
      return makeSpoiler();
    case "code": {
      const code = document.createElement("code");
      code.className = "inline-code";
      return code;
    }
    case "pre": {
      const pre = document.createElement("pre");
      if (entity.language) pre.dataset.language = entity.language;
      return pre;
    }
    case "blockquote":
    case "expandable_blockquote":
      return document.createElement("blockquote");
    case "text_link":
      return link(safeUrl(entity.url), "entity-link");
    case "url":
      return link(safeUrl(content), "entity-link");
    case "email":
      return link(`mailto:${content}`, "entity-link");
    case "phone_number":
      return link(`tel:${content.replace(/[^\d+]/g, "")}`, "entity-link");
    case "bot_command": {
      // As in Telegram, tapping a command sends it.
      const button = document.createElement("button");
      button.type = "button";
      button.className = "entity-command";
      button.addEventListener("click", () => options.onCommand?.(content));
      return button;
    }
    case "mention":
    case "hashtag":
    case "cashtag":
    case "text_mention": {
      const span = document.createElement("span");
      span.className = "entity-accent";
      return span;
    }
    default:
      return document.createElement("span");
  }
}

/**
 * Builds nodes for text[start, end) given entities sorted by (offset asc, length desc).
 * Entities nested inside another become its children; one that crosses its parent's end is
 * split so no text is lost (the Bot API allows such overlaps for some entity pairs).
 */
function build(parent, text, start, end, entities, options) {
  let pos = start;
  let queue = entities.slice();
  while (queue.length > 0) {
    const entity = queue.shift();
    const from = Math.max(entity.offset, pos);
    const to = Math.min(entity.offset + entity.length, end);
    if (to <= from) continue;
    if (from > pos) parent.append(text.slice(pos, from));
    const children = [];
    const rest = [];
    for (const other of queue) {
      const otherEnd = other.offset + other.length;
      if (other.offset >= to) {
        rest.push(other);
        continue;
      }
      children.push(other);
      if (otherEnd > to) rest.push({ ...other, offset: to, length: otherEnd - to });
    }
    const content = text.slice(from, to);
    const element = makeElement(entity, content, options);
    if (entity.type === "pre") {
      const code = document.createElement("code");
      build(code, text, from, to, children, options);
      element.append(code);
    } else {
      build(element, text, from, to, children, options);
    }
    parent.append(element);
    pos = to;
    queue = rest.sort(byPosition);
  }
  if (pos < end) parent.append(text.slice(pos, end));
}

function byPosition(a, b) {
  return a.offset - b.offset || b.length - a.length;
}

/** Text with entities as a DocumentFragment. `options.onCommand(text)` handles /commands. */
export function renderText(text, entities = [], options = {}) {
  const fragment = document.createDocumentFragment();
  const valid = (entities || []).filter(
    (e) => Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0,
  );
  build(fragment, text || "", 0, (text || "").length, valid.sort(byPosition), options);
  return fragment;
}
