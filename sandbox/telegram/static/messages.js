// Turns one Bot API Message (plus the sandbox's `from_bot`) into a chat row element.
import { renderText, safeUrl } from "./entities.js";

const UNSUPPORTED_BUTTONS = [
  "web_app",
  "login_url",
  "switch_inline_query",
  "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat",
  "callback_game",
];

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export // Icons are inline SVG: emoji fonts are not installed everywhere the sandbox runs.
const ICONS = {
  file: "M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8zm0 0v5h5M9 13h6M9 17h6",
  copy: "M9 9h10v10H9zM5 15V5h10",
};

function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", `icon icon-${name}`);
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  return svg;
}

export function formatPrice(currency, amount) {
  if (currency === "XTR") return `⭐ ${amount}`;
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount / 100);
  } catch {
    return `${amount} ${currency}`;
  }
}

function formatSize(bytes) {
  if (!Number.isFinite(bytes)) return "";
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function formatTime(unixSeconds) {
  if (!unixSeconds) return "";
  const date = new Date(unixSeconds * 1000);
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

const PAYMENT_LABELS = {
  paying: "Processing payment…",
  paid: "Paid",
  declined: "Payment declined",
  timeout: "Payment timed out: the bot did not confirm in time",
};

/** The status line under an invoice; `detail` is the bot's error message, if any. */
function paymentLabel(payment) {
  const label = PAYMENT_LABELS[payment.status] ?? payment.status;
  return payment.detail ? `${label}: ${payment.detail}` : label;
}

function invoiceCard(invoice, payment) {
  const card = el("div", "invoice");
  card.append(el("p", "invoice-title", invoice.title ?? "Invoice"));
  if (invoice.description) card.append(el("p", "invoice-description", invoice.description));
  card.append(el("p", "invoice-price", formatPrice(invoice.currency, invoice.total_amount)));
  const status = el("p", "invoice-status");
  status.setAttribute("role", "status");
  if (payment) {
    status.dataset.status = payment.status;
    status.textContent = paymentLabel(payment);
  } else {
    status.hidden = true;
  }
  card.append(status);
  return card;
}

function documentCard(document, fileUrl) {
  const card = el("div", "document");
  const badge = el("span", "document-icon");
  badge.append(icon("file"));
  card.append(badge);
  const info = el("div", "document-info");
  const name = document.file_name || "file";
  const anchor = el("a", "document-name", name);
  anchor.href = fileUrl(document.file_id);
  anchor.download = name;
  anchor.setAttribute("aria-label", `Download ${name}`);
  info.append(anchor);
  const details = [formatSize(document.file_size), document.mime_type].filter(Boolean);
  info.append(el("span", "document-meta", details.join(" · ")));
  card.append(info);
  return card;
}

function serviceText(message) {
  const paid = message.successful_payment;
  if (paid) {
    const price = formatPrice(paid.currency, paid.total_amount);
    return `You paid ${price}${paid.is_recurring ? " (subscription)" : ""}`;
  }
  const refunded = message.refunded_payment;
  if (refunded) return `${formatPrice(refunded.currency, refunded.total_amount)} refunded`;
  return null;
}

function keyboardButton(button, message, handlers, payment) {
  const label = button.text ?? "";
  if (button.url) {
    const href = safeUrl(button.url);
    const anchor = el("a", "kb-btn kb-url", label);
    if (href) {
      anchor.href = href;
      anchor.target = "_blank";
      anchor.rel = "noopener noreferrer";
    }
    anchor.title = button.url;
    return anchor;
  }
  const node = el("button", "kb-btn", label);
  node.type = "button";
  if (button.copy_text) {
    node.classList.add("kb-copy");
    node.append(icon("copy"));
    node.addEventListener("click", () => handlers.onCopy(button.copy_text.text ?? ""));
  } else if (button.pay) {
    node.classList.add("kb-pay");
    node.disabled = payment?.status === "paid" || payment?.status === "paying";
    if (payment?.status === "paid") node.textContent = "Paid ✓";
    node.addEventListener("click", () => handlers.onPay(message, node));
  } else if (button.callback_data !== undefined) {
    node.addEventListener("click", () => handlers.onPress(message, button, node));
  } else {
    const kind = UNSUPPORTED_BUTTONS.find((key) => key in button) ?? "this button";
    node.disabled = true;
    node.title = `${kind} is not supported by the sandbox`;
  }
  return node;
}

function keyboard(message, handlers, payment) {
  let rows = message.reply_markup?.inline_keyboard ?? [];
  const invoice = message.invoice;
  // Telegram draws a Pay button on an invoice without a keyboard; with one, the first is Pay.
  if (invoice && !rows.some((row) => row.some((b) => b.pay))) {
    const pay = { text: `Pay ${formatPrice(invoice.currency, invoice.total_amount)}`, pay: true };
    rows = [[pay], ...rows];
  }
  if (rows.length === 0) return null;
  const group = el("div", "keyboard");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", "Message buttons");
  for (const row of rows) {
    const line = el("div", "kb-row");
    for (const button of row) line.append(keyboardButton(button, message, handlers, payment));
    group.append(line);
  }
  return group;
}

/**
 * A row for `message`. handlers: onPress(message, button, node), onPay(message, node),
 * onCopy(text), onCommand(text), fileUrl(fileId); `payment` is this invoice's known status.
 */
export function renderMessage(message, handlers, payment) {
  const row = el("div", "row");
  row.dataset.messageId = String(message.message_id);
  const service = serviceText(message);
  if (service) {
    row.classList.add("service");
    row.append(el("p", "service-pill", service));
    return row;
  }
  row.classList.add(message.from_bot ? "from-bot" : "from-user");
  const bubble = el("article", "bubble");
  const author = message.from_bot ? message.from?.first_name || "Bot" : "You";
  bubble.setAttribute("aria-label", `${author}, ${formatTime(message.date)}`);

  if (message.invoice) bubble.append(invoiceCard(message.invoice, payment));
  if (message.document) bubble.append(documentCard(message.document, handlers.fileUrl));
  const text = message.text ?? message.caption;
  const entities = message.text !== undefined ? message.entities : message.caption_entities;
  if (text) {
    const body = el("div", "text");
    body.append(renderText(text, entities, handlers));
    bubble.append(body);
  } else if (!message.invoice && !message.document) {
    bubble.append(el("div", "text unsupported", "This message type is not shown in the sandbox"));
  }

  const meta = el("div", "meta");
  if (message.edit_date) meta.append(el("span", "edited", "edited"));
  const time = el("time", "", formatTime(message.date));
  if (message.date) time.dateTime = new Date(message.date * 1000).toISOString();
  meta.append(time);
  bubble.append(meta);
  row.append(bubble);

  const buttons = keyboard(message, handlers, payment);
  if (buttons) row.append(buttons);
  return row;
}
