// Client for the sandbox control API (/sandbox/...) and its Server-Sent Events stream.

// With several bots connected, the page is opened as /?bot=<id> and every call names that bot.
const BOT_ID = new URLSearchParams(window.location.search).get("bot");
// Else the bot this page has seen (the only one connected, or the author of a message), so
// that after a sandbox restart the user's messages wait for that bot until it reconnects
// instead of being refused for want of a connected bot.
let botId = BOT_ID;

/** Remember the bot this page talks to, unless the URL named one. */
export function followBot(id) {
  if (!BOT_ID && id) botId = String(id);
}

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

function endpoint(path, params = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
  }
  if (botId) url.searchParams.set("bot", botId);
  return url;
}

function describeError(data, raw, response) {
  if (data && typeof data === "object") {
    const detail = data.description ?? data.error ?? data.message ?? data.reason;
    if (typeof detail === "string" && detail) return detail;
  }
  return raw.trim() || `${response.status} ${response.statusText}`;
}

async function request(method, path, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(endpoint(path), init);
  const raw = await response.text();
  let data = null;
  try {
    data = raw ? JSON.parse(raw) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(describeError(data, raw, response), response.status);
  return data;
}

const userPath = (userId, action) => `/sandbox/users/${encodeURIComponent(userId)}/${action}`;

export const api = {
  /** The bot this page talks to (named by ?bot=, else the only one), or null. */
  currentBot: async () => {
    const { bots = [] } = (await request("GET", "/sandbox/bots")) ?? {};
    if (botId) return bots.find((bot) => String(bot.id) === botId) ?? null;
    return bots.length === 1 ? bots[0] : null;
  },
  listUsers: async () => (await request("GET", "/sandbox/users")).users ?? [],
  createUser: (user) => request("POST", "/sandbox/users", user),
  /** `{messages, last_seq, instance}`: the chat, the seq to follow it from, the sandbox run. */
  transcript: (userId) => request("GET", userPath(userId, "chat")),
  send: (userId, text) => request("POST", userPath(userId, "send"), { text }),
  press: (userId, messageId, data) =>
    request("POST", userPath(userId, "press"), { message_id: messageId, data }),
  pay: (userId, messageId) => request("POST", userPath(userId, "pay"), { message_id: messageId }),
  fileUrl: (fileId) => endpoint(`/sandbox/files/${encodeURIComponent(fileId)}`).href,
};

/**
 * One user's live event stream. Every (re)connection first runs `prepare()`, which reads the
 * chat afresh and resolves to the seq to follow it from; the stream then starts there, so
 * nothing is lost or applied twice, whether the network blinked or the sandbox restarted
 * (its seqs start over, so an old `since` would skip the new run's first events). The
 * browser's own EventSource retry cannot do that, so errors close the source and the
 * connection is made again here, with backoff, for as long as the page is open.
 */
export class EventStream {
  constructor(userId, { prepare, onEvent, onStatus }) {
    this.userId = userId;
    this.handlers = { prepare, onEvent, onStatus };
    this.lastSeq = null;
    this.source = null;
    this.timer = null;
    this.delay = 500;
    this.closed = false;
  }

  start() {
    this.connect();
    return this;
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.source?.close();
  }

  retry() {
    if (this.closed) return;
    this.handlers.onStatus("offline");
    this.timer = setTimeout(() => this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, 5_000);
  }

  async connect() {
    if (this.closed) return;
    this.handlers.onStatus("connecting");
    let since;
    try {
      since = await this.handlers.prepare();
    } catch {
      this.retry(); // the sandbox is down or restarting: try again shortly
      return;
    }
    if (this.closed) return;
    this.lastSeq = since;
    const source = new EventSource(endpoint("/sandbox/events", { user_id: this.userId, since }));
    this.source = source;
    source.onopen = () => {
      this.delay = 500;
      this.handlers.onStatus("live");
    };
    source.onmessage = (message) => this.dispatch(message.data);
    source.onerror = () => {
      source.close();
      this.retry();
    };
  }

  dispatch(raw) {
    let event;
    try {
      event = JSON.parse(raw);
    } catch {
      return;
    }
    if (typeof event?.seq === "number") {
      if (this.lastSeq !== null && event.seq <= this.lastSeq) return;
      this.lastSeq = event.seq;
    }
    // The stream covers every bot the user talks to; this page shows one of them.
    if (botId && event.bot_id !== undefined && String(event.bot_id) !== botId) return;
    this.handlers.onEvent(event);
  }
}
