// Client for the sandbox control API (/sandbox/...) and its Server-Sent Events stream.

// With several bots connected, the page is opened as /?bot=<id> and every call names that bot.
const BOT_ID = new URLSearchParams(window.location.search).get("bot");

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
  if (BOT_ID) url.searchParams.set("bot", BOT_ID);
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
    if (BOT_ID) return bots.find((bot) => String(bot.id) === BOT_ID) ?? null;
    return bots.length === 1 ? bots[0] : null;
  },
  listUsers: async () => (await request("GET", "/sandbox/users")).users ?? [],
  createUser: (user) => request("POST", "/sandbox/users", user),
  transcript: async (userId) => (await request("GET", userPath(userId, "chat"))).messages ?? [],
  send: (userId, text) => request("POST", userPath(userId, "send"), { text }),
  press: (userId, messageId, data) =>
    request("POST", userPath(userId, "press"), { message_id: messageId, data }),
  pay: (userId, messageId) => request("POST", userPath(userId, "pay"), { message_id: messageId }),
  fileUrl: (fileId) => endpoint(`/sandbox/files/${encodeURIComponent(fileId)}`).href,
};

/**
 * One user's live event stream. The browser's own EventSource retry would reconnect without
 * `since`, losing what happened while it was away, so errors close the source and reconnect
 * here, resuming after the last seq seen. `onOpen(resumed)` tells a fresh connection (the
 * caller must reload the transcript) from a resumed one (the server replays what was missed).
 */
export class EventStream {
  constructor(userId, { onEvent, onOpen, onStatus }) {
    this.userId = userId;
    this.handlers = { onEvent, onOpen, onStatus };
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

  connect() {
    if (this.closed) return;
    const resumed = this.lastSeq !== null;
    const params = { user_id: this.userId, since: resumed ? this.lastSeq : null };
    const source = new EventSource(endpoint("/sandbox/events", params));
    this.source = source;
    this.handlers.onStatus("connecting");
    source.onopen = () => {
      this.delay = 500;
      this.handlers.onStatus("live");
      this.handlers.onOpen(resumed);
    };
    source.onmessage = (message) => this.dispatch(message.data);
    source.onerror = () => {
      source.close();
      if (this.closed) return;
      this.handlers.onStatus("offline");
      this.timer = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 10_000);
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
      // A replay may overlap what this page already applied.
      if (this.lastSeq !== null && event.seq <= this.lastSeq) return;
      this.lastSeq = event.seq;
    }
    // The stream covers every bot the user talks to; this page shows one of them.
    if (BOT_ID && event.bot_id !== undefined && String(event.bot_id) !== BOT_ID) return;
    this.handlers.onEvent(event);
  }
}
