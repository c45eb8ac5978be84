// "Speak as I type": the text box's new text goes into the realtime WebSocket as it is typed,
// and each sentence is heard as soon as it is complete while typing goes on. An edit anywhere but
// at the end is a barge-in: the server drops what it had not spoken and the page stops its audio.
// The API key, if any, travels as a subprotocol (a browser cannot set headers on a WebSocket).
"use strict";

class TypingSession {
  constructor(view) {
    this.view = view;       // #typing-status: its data-* attributes say what happened (and tests read them)
    this.socket = null;
    this.player = null;
    this.sent = "";         // the text box's text the server has been given
    this.words = [];        // the marks heard, in order
    this.deltas = 0;
    this.clears = 0;
    this.pending = [];      // messages typed before the socket opened
  }
  start() {
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/v1/audio/speech/realtime`;
    const key = $("apikey").value.trim();
    this.socket = new WebSocket(url, key ? ["realtime", `openai-insecure-api-key.${key}`] : []);
    this.sent = $("text").value;  // what is already there is not spoken: only what is typed next
    this.socket.onopen = () => {
      this.send({ type: "session.update", session: { voice: $("voice").value, speed: parseFloat($("speed").value) } });
      for (const message of this.pending.splice(0)) this.send(message);
      this.status("open");
    };
    this.socket.onmessage = (message) => this.receive(JSON.parse(message.data));
    this.socket.onclose = () => this.status("closed");
    this.socket.onerror = () => this.status("failed", "WebSocket");
  }
  stop() {
    if (this.player) this.player.stop();
    if (this.socket) this.socket.close();
    this.socket = null;
  }
  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
    else this.pending.push(message);
  }
  typed(text) {
    if (text.startsWith(this.sent)) {
      const added = text.slice(this.sent.length);
      if (added) this.send({ type: "input_text.append", text: added });
    } else {  // an edit inside the text: stop what is playing, go on from the new text
      this.send({ type: "input_text.clear" });
      if (this.player) this.player.stop();
      this.player = null;
    }
    this.sent = text;
  }
  receive(event) {
    if (event.type === "session.updated") {
      this.rate = event.session.sample_rate;
    } else if (event.type === "speech.audio.delta") {
      if (!this.player || this.player.complete) this.player = new StreamPlayer(audioContext, this.rate);
      this.player.play(decodeBase64(event.delta));
      this.deltas += 1;
      this.status("speaking");
    } else if (event.type === "speech.audio.timestamps") {
      this.words.push(...event.marks.map((mark) => mark.text));
    } else if (event.type === "input_text.cleared") {
      this.clears += 1;
      this.status("cleared");
    } else if (event.type === "error") {
      this.status("failed", event.error.message);
    }
  }
  status(state, error = "") {
    Object.assign(this.view.dataset, { state, deltas: this.deltas, clears: this.clears, words: this.words.join(" ") });
    this.view.textContent = {
      open: "边打边说：请输入 / Speak as I type: type away",
      speaking: `朗读中 / Speaking: ${this.words.slice(-6).join(" ")}`,
      cleared: "已打断，请继续输入 / Stopped: type on",
      closed: "已关闭 / Closed",
      failed: `失败 / Failed: ${error}`,
    }[state];
  }
}

let typing = null;

$("typing").addEventListener("change", async () => {
  if (typing) { typing.stop(); typing = null; }
  $("typing-status").hidden = !$("typing").checked;
  $("go").disabled = $("typing").checked;
  if (!$("typing").checked) return;
  audioContext = audioContext || new AudioContext();
  await audioContext.resume();
  editText();
  typing = new TypingSession($("typing-status"));
  typing.start();
});
$("text").addEventListener("input", () => { if (typing) typing.typed($("text").value); });
