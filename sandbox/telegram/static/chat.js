// The sandbox web chat: pick a test user, talk to the bot, watch its replies live.
import { api, ApiError, EventStream, followBot } from "./api.js";
import { composer } from "./composer.js";
import { renderMessage } from "./messages.js";
import { usersPanel } from "./users.js";

const $ = (id) => document.getElementById(id);
const view = {
  app: $("app"),
  messages: $("messages"),
  empty: $("empty-state"),
  title: $("chat-title"),
  status: $("chat-status"),
  composer: $("composer"),
  input: $("message-input"),
  toasts: $("toasts"),
  alert: $("alert-dialog"),
};

const state = {
  user: null, // the picked user as the sandbox knows it, to create again after a restart
  userId: null,
  instance: null, // the sandbox run last read: another one means the sandbox restarted
  stream: null,
  messages: new Map(), // message_id -> Message
  deleted: new Set(), // message ids
  payments: new Map(), // message_id -> {status, detail}
  presses: new Map(), // message_id -> {} while a callback press waits for its answer
};

const ANSWER_GRACE_MS = 300;

// ---- feedback -------------------------------------------------------------------------

function toast(text, kind = "info") {
  const node = document.createElement("div");
  node.className = "toast";
  node.dataset.kind = kind;
  node.textContent = text;
  view.toasts.append(node);
  setTimeout(() => node.remove(), kind === "error" ? 6000 : 3500);
}

function showAlert(text) {
  view.alert.querySelector("p").textContent = text;
  if (!view.alert.open) view.alert.showModal();
}

function showAnswer(messageId, text, alert, entry = undefined) {
  const press = state.presses.get(messageId);
  // `entry`: only the press that asked; a later press on the same message has its own.
  if (!press || !text || (entry !== undefined && press !== entry)) return;
  state.presses.delete(messageId);
  if (alert) showAlert(text);
  else toast(text, "answer");
}

// ---- the message list -----------------------------------------------------------------

const handlers = {
  fileUrl: api.fileUrl,
  onCommand: (text) => send(text),
  onCopy: copy,
  onPress: press,
  onPay: pay,
};

function nearBottom() {
  const list = view.messages;
  return list.scrollHeight - list.scrollTop - list.clientHeight < 120;
}

function rowFor(messageId) {
  return view.messages.querySelector(`.row[data-message-id="${CSS.escape(String(messageId))}"]`);
}

function updateEmptyState() {
  view.empty.hidden = state.userId !== null && state.messages.size > 0;
  view.empty.textContent =
    state.userId === null
      ? "Pick a test user, or create one, to start chatting with the bot."
      : "No messages yet. Send /start to begin.";
}

function upsert(message) {
  // A deletion can overtake the send call's answer; it must not bring the message back.
  if (state.deleted.has(message.message_id)) return;
  const stick = nearBottom() || !message.from_bot;
  state.messages.set(message.message_id, message);
  // The sandbox's `paid` on an invoice: what a reloaded page knows of an earlier payment.
  if (message.paid && state.payments.get(message.message_id)?.status !== "paid") {
    state.payments.set(message.message_id, { status: "paid" });
  }
  if (message.from_bot && message.from?.first_name) {
    view.title.textContent = message.from.first_name;
    followBot(message.from.id);
  }
  const row = renderMessage(message, handlers, state.payments.get(message.message_id));
  const existing = rowFor(message.message_id);
  if (existing) {
    existing.replaceWith(row);
  } else {
    const later = [...view.messages.children].find(
      (node) => Number(node.dataset.messageId) > message.message_id,
    );
    row.classList.add("enter");
    view.messages.insertBefore(row, later ?? null);
    if (stick) row.scrollIntoView({ block: "end" });
  }
  updateEmptyState();
}

function remove(messageId) {
  state.deleted.add(messageId);
  state.messages.delete(messageId);
  rowFor(messageId)?.remove();
  updateEmptyState();
}

function setPayment(messageId, payment) {
  state.payments.set(messageId, payment);
  const message = state.messages.get(messageId);
  if (message) upsert(message);
}

function applyEvent(event) {
  switch (event.type) {
    case "message":
    case "edit":
      upsert(event.message);
      break;
    case "delete":
      remove(event.message_id);
      break;
    case "callback_answer":
      showAnswer(event.message_id, event.text, event.show_alert);
      break;
    case "payment": {
      // The pay call's answer carries the bot's error text; keep it if the event comes later.
      const known = state.payments.get(event.message_id);
      const detail = known?.status === event.status ? known.detail : undefined;
      setPayment(event.message_id, { status: event.status, detail });
      break;
    }
    case "refund":
      toast("A Star payment was refunded", "answer");
      break;
    default:
      break; // Events this page does not know about are harmless.
  }
}

/**
 * Reads the chat afresh, at every (re)connection of the event stream; resolves to the seq the
 * stream follows it from. The transcript is the truth: a paid invoice shows as paid after a
 * reload, and a restarted sandbox (a new `instance`) starts the page over.
 */
async function syncTranscript() {
  const user = state.user;
  const transcript = await readTranscript(user);
  if (user !== state.user) throw new Error("another user was picked meanwhile");
  if (state.instance !== null && transcript.instance !== state.instance) restarted();
  state.instance = transcript.instance;
  state.messages.clear();
  view.messages.replaceChildren();
  for (const message of transcript.messages ?? []) upsert(message);
  updateEmptyState();
  view.messages.lastElementChild?.scrollIntoView({ block: "end" });
  return transcript.last_seq;
}

async function readTranscript(user) {
  try {
    return await api.transcript(user.id);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    // The sandbox no longer knows the user (it restarted, or was reset): create it again, so
    // the person carries on in the chat they had open.
    const { id, first_name, language_code } = user;
    await api.createUser({ id, first_name, language_code });
    toast(`${first_name} was created again in the sandbox`, "info");
    panel?.refresh();
    return api.transcript(user.id);
  }
}

function restarted() {
  // Message ids and seqs start over in a new run: what the page remembers of the old one
  // (deleted ids, payments, presses waiting for an answer) would hide or mislabel new messages.
  state.deleted.clear();
  state.payments.clear();
  state.presses.clear();
  toast("The sandbox restarted", "info");
  showBotName();
}

// ---- actions --------------------------------------------------------------------------

async function send(text) {
  const userId = state.userId;
  if (userId === null || !text.trim()) return false;
  try {
    const sent = await api.send(userId, text);
    // Shown at once; the stream's copy (with parsed entities) replaces it by id.
    if (userId === state.userId && !state.messages.has(sent.message_id)) {
      upsert({ message_id: sent.message_id, text, date: Date.now() / 1000, from_bot: false });
    }
    return true;
  } catch (error) {
    toast(`Not sent: ${error.message}`, "error");
    return false;
  }
}

async function press(message, button, node) {
  const messageId = message.message_id;
  const entry = {};
  const forget = () => state.presses.get(messageId) === entry && state.presses.delete(messageId);
  state.presses.set(messageId, entry);
  node.setAttribute("aria-busy", "true");
  try {
    const result = await api.press(state.userId, messageId, button.callback_data);
    if (result?.answer) {
      // The stream's callback_answer also says whether the answer is an alert, so it is
      // preferred; the call's own answer is shown if that event is late or lost.
      setTimeout(() => showAnswer(messageId, result.answer, false, entry), ANSWER_GRACE_MS);
    } else {
      forget();
    }
  } catch (error) {
    forget();
    toast(error.message, "error");
  } finally {
    node.removeAttribute("aria-busy");
  }
}

async function pay(message) {
  const messageId = message.message_id;
  const before = state.payments.get(messageId);
  setPayment(messageId, { status: "paying" });
  try {
    const result = await api.pay(state.userId, messageId);
    setPayment(messageId, { status: result.status, detail: result.error_message });
  } catch (error) {
    if (before) setPayment(messageId, before);
    else state.payments.delete(messageId);
    if (state.messages.has(messageId)) upsert(state.messages.get(messageId));
    toast(`Payment failed: ${error.message}`, "error");
  }
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast("Copied", "answer");
  } catch {
    toast("The browser did not allow copying to the clipboard", "error");
  }
}

// ---- user selection and the live stream -----------------------------------------------

const STATUS_TEXT = { live: "bot", connecting: "connecting…", offline: "reconnecting…" };

function setStatus(status) {
  view.status.dataset.state = status;
  view.status.textContent = STATUS_TEXT[status] ?? status;
}

function selectUser(user) {
  state.stream?.close();
  state.user = user;
  state.userId = user.id;
  state.messages.clear();
  state.deleted.clear();
  state.payments.clear();
  state.presses.clear();
  view.messages.replaceChildren();
  view.app.dataset.user = String(user.id);
  for (const control of view.composer.elements) control.disabled = false;
  updateEmptyState();
  state.stream = new EventStream(user.id, {
    prepare: syncTranscript,
    onEvent: applyEvent,
    onStatus: setStatus,
  }).start();
  view.input.focus();
}

function showBotName() {
  api
    .currentBot()
    .then((bot) => {
      if (bot?.first_name) view.title.textContent = bot.first_name;
      followBot(bot?.id);
    })
    .catch(() => {}); // Only the title: the first bot message names the bot as well.
}

composer({ form: view.composer, input: view.input, startButton: $("start-button"), send });
updateEmptyState();
showBotName();
const panel = usersPanel({ onSelect: selectUser, onError: (text) => toast(text, "error") });
