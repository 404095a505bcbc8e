// The chat panel of a game: a log of messages and a one-line form. Messages are rendered with
// textContent only; names and texts are whatever people typed.

import { h, timeOfDay } from "./dom.js";

export class ChatPanel {
  constructor({ onSend, canSend }) {
    this.onSend = onSend;
    this.canSend = canSend;
    this.rendered = 0;
    this.epoch = 0;
    this.log = h("ol", { class: "chat-log", role: "log", "aria-label": "Chat history" });
    this.empty = h("li", { class: "chat-empty" }, "No messages yet. Say hello!");
    this.log.append(this.empty);
    this.input = h("input", { type: "text", id: "chat-input", maxlength: 500, autocomplete: "off", placeholder: "Say something…" });
    this.button = h("button", { class: "btn", type: "submit" }, "Send");
    const form = h("form", { class: "chat-form", onsubmit: (e) => this.submit(e) },
      h("label", { for: "chat-input", class: "sr-only" }, "Chat message"), this.input, this.button);
    this.el = h("section", { class: "chat card-inner", "aria-labelledby": "chat-h" },
      h("h2", { id: "chat-h" }, "Chat"), this.log, form);
  }

  async submit(e) {
    e.preventDefault();
    const text = this.input.value.trim();
    if (!text) return;
    this.button.disabled = true;
    try {
      await this.onSend(text);
      this.input.value = "";
    } finally {
      this.button.disabled = false;
      this.input.focus();
    }
  }

  /** Append messages we have not drawn yet. `me` marks our own lines. */
  render(messages, me, epoch = 0) {
    if (messages.length < this.rendered || epoch !== this.epoch) {
      this.epoch = epoch;
      this.log.replaceChildren(this.empty);
      this.rendered = 0;
    }
    if (messages.length === this.rendered) return;
    const nearBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    this.empty.remove();
    for (const m of messages.slice(this.rendered)) {
      this.log.append(h("li", { class: `chat-line${m.player_id != null && m.player_id === me ? " mine" : ""}` },
        h("span", { class: "chat-time" }, timeOfDay(m.at)),
        h("span", { class: "chat-name" }, m.name),
        h("span", { class: "chat-text" }, m.text)));
    }
    this.rendered = messages.length;
    if (nearBottom || this.rendered <= 1) this.log.scrollTop = this.log.scrollHeight;
  }
}
