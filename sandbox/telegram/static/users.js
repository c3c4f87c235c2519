// The test-user picker: lists the sandbox's users, creates new ones, remembers the last pick.
import { api } from "./api.js";

const STORAGE_KEY = "giftbot-sandbox-user";
const LANGUAGES = { en: "English", ru: "Русский" };

function initials(name) {
  return (name || "?").trim().slice(0, 1).toUpperCase() || "?";
}

/** A hue derived from the id, so every user keeps the same avatar colour. */
function avatarHue(id) {
  return (Math.abs(Number(id)) * 47) % 360;
}

function avatar(user) {
  const node = document.createElement("span");
  node.className = "avatar";
  node.setAttribute("aria-hidden", "true");
  node.style.setProperty("--hue", String(avatarHue(user.id)));
  node.textContent = initials(user.first_name);
  return node;
}

function randomId() {
  return 100_000_000 + Math.floor(Math.random() * 900_000_000);
}

/**
 * Wires the sidebar. `onSelect(user)` runs when a user is picked (also the remembered one at
 * start-up); `onError(text)` reports failures. Returns `{refresh}` to re-read the user list.
 */
export function usersPanel({ onSelect, onError }) {
  const app = document.getElementById("app");
  const list = document.getElementById("user-list");
  const form = document.getElementById("user-form");
  const formError = document.getElementById("user-form-error");
  const toggle = document.getElementById("users-toggle");
  const idInput = form.elements.namedItem("id");
  let users = [];
  let selectedId = null;

  function setSidebar(open) {
    app.classList.toggle("sidebar-open", open);
    toggle.setAttribute("aria-expanded", String(open));
    if (open && getComputedStyle(toggle).display !== "none") {
      document.getElementById("sidebar").querySelector("button, input")?.focus();
    }
  }

  function render() {
    list.replaceChildren();
    for (const user of users) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "user";
      button.dataset.userId = String(user.id);
      if (user.id === selectedId) button.setAttribute("aria-current", "true");
      const label = document.createElement("span");
      label.className = "user-label";
      const name = document.createElement("span");
      name.className = "user-name";
      name.textContent = user.first_name;
      const meta = document.createElement("span");
      meta.className = "user-meta";
      const language = LANGUAGES[user.language_code] ?? user.language_code ?? "?";
      meta.textContent = `id ${user.id} · ${language}`;
      label.append(name, meta);
      button.append(avatar(user), label);
      button.addEventListener("click", () => select(user));
      item.append(button);
      list.append(item);
    }
    document.getElementById("user-empty").hidden = users.length > 0;
  }

  function select(user) {
    selectedId = user.id;
    localStorage.setItem(STORAGE_KEY, String(user.id));
    render();
    setSidebar(false);
    onSelect(user);
  }

  async function refresh() {
    try {
      users = await api.listUsers();
    } catch (error) {
      onError(`Could not load users: ${error.message}`);
      users = [];
    }
    render();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError.textContent = "";
    const data = new FormData(form);
    const user = {
      id: Number(data.get("id")),
      first_name: String(data.get("first_name")).trim(),
      language_code: String(data.get("language_code")),
    };
    try {
      const created = await api.createUser(user);
      await refresh();
      form.reset();
      idInput.value = String(randomId());
      select(users.find((u) => u.id === created?.id) ?? created ?? user);
    } catch (error) {
      formError.textContent = error.message;
    }
  });

  toggle.addEventListener("click", () => setSidebar(!app.classList.contains("sidebar-open")));
  // On narrow screens the list is a drawer over the chat: a click beside it closes it.
  document.addEventListener("click", (event) => {
    const inside = event.target.closest?.("#sidebar, #users-toggle");
    if (!inside && app.classList.contains("sidebar-open")) setSidebar(false);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && app.classList.contains("sidebar-open")) {
      setSidebar(false);
      toggle.focus();
    }
  });

  idInput.value = String(randomId());
  refresh().then(() => {
    const remembered = Number(localStorage.getItem(STORAGE_KEY));
    const user = users.find((u) => u.id === remembered);
    if (user) select(user);
    else if (users.length === 0) setSidebar(true);
  });
  // The chat calls this when the user list changed behind the page (a restarted sandbox).
  return { refresh };
}
