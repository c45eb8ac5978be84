// The page streams PCM over SSE: it plays each delta as it arrives (Web Audio), advances the
// progress bar by the server's `progress`, keeps the samples for replay, and links to the copy
// the server kept of the same audio in the chosen format (no second synthesis). While it plays,
// the word being heard is highlighted in a read-only copy of the text that was sent.
"use strict";

const $ = (id) => document.getElementById(id);
let audioContext = null;
let streaming = null;    // the StreamPlayer of the latest request
let highlighter = null;  // the Highlighter of the text that request sent
let replay = null;       // the Highlighter of the text the audio element holds

const SSML_EXAMPLE = '<speak>我们去<phoneme alphabet="pinyin" ph="yin2 hang2">银行</phoneme>取钱。'
  + '<break time="300ms"/>Then we go home.</speak>';

function headers(json = false) {
  const result = json ? { "Content-Type": "application/json" } : {};
  const key = $("apikey").value.trim();
  if (key) result.Authorization = `Bearer ${key}`;
  return result;
}

async function loadVoices() {
  try {
    const response = await fetch("/v1/voices", { headers: headers() });
    if (response.status === 503) { setTimeout(loadVoices, 2000); return; }  // still preloading
    if (!response.ok) return;
    const { voices } = await response.json();
    const known = new Set([...$("voice").options].map((o) => o.value));
    for (const voice of voices.filter((v) => !known.has(v.id))) {
      const option = new Option(`${voice.id} (${voice.language}, ${voice.sample_rate / 1000} kHz)`, voice.id);
      $("voice").add(option);
    }
  } catch (error) { /* the service is still loading; "auto" works once it is ready */ }
}

function setState(state, text) {
  $("state").dataset.state = state;
  $("state").textContent = text;
}

function decodeBase64(b64) {
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function wavBlob(chunks, sampleRate) {
  const length = chunks.reduce((n, c) => n + c.length, 0);
  const view = new DataView(new ArrayBuffer(44 + length));
  const text = (offset, s) => [...s].forEach((ch, i) => view.setUint8(offset + i, ch.charCodeAt(0)));
  text(0, "RIFF"); view.setUint32(4, 36 + length, true); text(8, "WAVE"); text(12, "fmt ");
  view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true); view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true); view.setUint16(34, 16, true); text(36, "data"); view.setUint32(40, length, true);
  let offset = 44;
  for (const c of chunks) { new Uint8Array(view.buffer, offset, c.length).set(c); offset += c.length; }
  return new Blob([view.buffer], { type: "audio/wav" });
}

// Schedules PCM deltas back to back on the AudioContext. It remembers where each stretch of the
// stream landed on the context's clock, so `position()` can say how much of the stream has been
// heard, counting from the first sample, even if the stream ran dry and later audio started late.
class StreamPlayer {
  constructor(context, sampleRate) {
    this.context = context;
    this.sampleRate = sampleRate;
    this.nextTime = 0;
    this.carry = new Uint8Array(0);
    this.scheduled = 0;     // seconds of the stream scheduled so far
    this.stretches = [];    // {at: context time, from: stream seconds, seconds}, one per gapless run
    this.sources = new Set();
    this.complete = false;  // the stream has ended: nothing more will be scheduled
  }
  play(bytes) {
    const joined = new Uint8Array(this.carry.length + bytes.length);
    joined.set(this.carry); joined.set(bytes, this.carry.length);
    const usable = joined.length - (joined.length % 2);
    this.carry = joined.slice(usable);
    const samples = new Int16Array(joined.buffer.slice(0, usable));
    if (!samples.length) return;
    const buffer = this.context.createBuffer(1, samples.length, this.sampleRate);
    const channel = buffer.getChannelData(0);
    for (let i = 0; i < samples.length; i++) channel[i] = samples[i] / 32768;
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    const at = Math.max(this.nextTime, this.context.currentTime + 0.05);
    source.start(at);
    this.sources.add(source);
    source.onended = () => this.sources.delete(source);
    const last = this.stretches[this.stretches.length - 1];
    if (last && at === this.nextTime) last.seconds += buffer.duration;
    else this.stretches.push({ at, from: this.scheduled, seconds: buffer.duration });
    this.scheduled += buffer.duration;
    this.nextTime = at + buffer.duration;
  }
  now() {
    return this.context.currentTime - (this.context.outputLatency || 0);
  }
  // Seconds of the stream heard by now (null before its first sample); holds still while it is dry.
  position() {
    const now = this.now();
    for (let i = this.stretches.length - 1; i >= 0; i--) {
      const { at, from, seconds } = this.stretches[i];
      if (now >= at) return from + Math.min(now - at, seconds);
    }
    return null;
  }
  ended() {
    return this.complete && this.now() >= this.nextTime;
  }
  stop() {
    this.complete = true;
    this.nextTime = 0;  // ended() from now on
    for (const source of this.sources) source.stop();
    this.sources.clear();
  }
}

// A read-only copy of the text that was sent, in which every mark (offset and length in code
// points of that text, times in seconds of the stream) is a span. Driven by a clock: each frame
// the mark being heard gets `.speaking`, those before it `.spoken`. SSML tags are shown dimmed
// and hidden from screen readers; marks never point into them. Whether the input is SSML is the
// server's call (its X-Input-Format header), so the page and the server never disagree.
class Highlighter {
  constructor(view, input, ssml) {
    this.view = view;
    this.chars = Array.from(input);  // JS strings count UTF-16 units; marks count code points
    this.tags = ssml ? tagMask(this.chars) : null;
    this.marks = [];
    this.spans = [];     // per mark, the elements showing it (more than one only if a tag cut it)
    this.current = -1;   // the mark being heard
    this.passed = 0;     // how many marks have started by now
    this.heard = [];     // mark indices in the order this playback highlighted them (for tests)
    this.clock = null;
    this.frame = 0;
    this.render();
  }
  add(marks) {
    this.marks.push(...marks);
    this.render();
  }
  render() {
    const owner = new Int32Array(this.chars.length).fill(-1);
    this.marks.forEach((mark, i) => {
      const end = Math.min(mark.offset + mark.length, this.chars.length);
      for (let k = Math.max(mark.offset, 0); k < end; k++) owner[k] = i;
    });
    const fragment = document.createDocumentFragment();
    this.spans = this.marks.map(() => []);
    let from = 0;
    for (let i = 1; i <= this.chars.length; i++) {
      const kind = (k) => (owner[k] >= 0 ? `m${owner[k]}` : this.tags && this.tags[k] ? "tag" : "text");
      if (i < this.chars.length && kind(i) === kind(from)) continue;
      const text = this.chars.slice(from, i).join("");
      if (owner[from] >= 0) {
        const span = document.createElement("span");
        span.className = "mark";
        span.dataset.mark = owner[from];
        span.dataset.start = this.marks[owner[from]].start;
        span.dataset.end = this.marks[owner[from]].end;
        span.textContent = text;
        this.spans[owner[from]].push(span);
        fragment.append(span);
      } else if (kind(from) === "tag") {
        const span = document.createElement("span");
        span.className = "tag";
        span.setAttribute("aria-hidden", "true");
        span.textContent = text;
        fragment.append(span);
      } else {
        fragment.append(text);
      }
      from = i;
    }
    this.view.replaceChildren(fragment);
    this.view.dataset.marks = this.marks.length;
    const [current, passed] = [this.current, this.passed];
    this.current = -1;
    this.show(current, passed);
  }
  // Follow `clock` (an object with position() in stream seconds, null before it starts, and ended()).
  follow(clock) {
    this.halt();
    this.clock = clock;
    this.heard = [];
    this.view.dataset.heard = "";
    this.view.dataset.state = "playing";
    const tick = () => {
      if (this.clock !== clock) return;
      if (clock.ended()) { this.halt(); return; }
      const position = clock.position();
      if (position === null) this.show(-1, 0); else this.show(...this.catchUp(...this.markAt(position)));
      this.frame = requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
  }
  // A late frame (a busy page, a stall while audio starts) can find the clock past a short word
  // it never showed: show the first such word instead, one a frame, so a reader following along
  // sees every word in order and the highlight is back on the live word a few frames later.
  catchUp(index, passed) {
    const next = this.heard.length ? this.heard[this.heard.length - 1] + 1 : 0;
    return next < passed && next !== index && next < this.marks.length ? [next, next] : [index, passed];
  }
  // Stop following: no word is highlighted any more.
  halt() {
    cancelAnimationFrame(this.frame);
    this.clock = null;
    this.show(-1, 0);
    this.view.dataset.state = "stopped";
  }
  // [the mark heard at `position` or -1 between marks, how many marks have started by then]
  markAt(position) {
    let low = 0, high = this.marks.length;  // the first mark that starts after `position`
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.marks[middle].start <= position) low = middle + 1; else high = middle;
    }
    const index = low - 1;
    return [index >= 0 && position < this.marks[index].end ? index : -1, low];
  }
  show(index, passed) {
    if (index === this.current && passed === this.passed) return;
    for (const span of this.spans[this.current] || []) {
      span.classList.remove("speaking");
      span.removeAttribute("aria-current");
    }
    this.spans.forEach((spans, i) => spans.forEach((span) => span.classList.toggle("spoken", i < passed && i !== index)));
    for (const span of this.spans[index] || []) {
      span.classList.add("speaking");
      span.setAttribute("aria-current", "true");
    }
    this.current = index;
    this.passed = passed;
    if (index >= 0 && this.heard[this.heard.length - 1] !== index) {
      this.heard.push(index);
      this.view.dataset.heard = this.heard.join(" ");
    }
  }
}

// Which code points of an SSML source belong to a tag (`<...>`, quotes respected), to dim them.
function tagMask(chars) {
  const mask = new Uint8Array(chars.length);
  let inTag = false, quote = null;
  chars.forEach((c, i) => {
    if (!inTag && c === "<") inTag = true;
    if (!inTag) return;
    mask[i] = 1;
    if (quote) { if (c === quote) quote = null; }
    else if (c === '"' || c === "'") quote = c;
    else if (c === ">") inTag = false;
  });
  return mask;
}

// The text box shows either the editable textarea or, after a request, the text as it is read.
function showSpoken(shown) {
  $("text").hidden = shown;
  $("spoken").hidden = !shown;
  $("edit").hidden = !shown;
}

function editText() {
  if (highlighter) highlighter.halt();
  showSpoken(false);
  $("text").focus();
}

async function* sseEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("");
      if (data) yield JSON.parse(data);
    }
  }
}

async function errorMessage(response) {
  try { return (await response.json()).error.message; } catch { return `HTTP ${response.status}`; }
}

// The server kept the audio it streamed in the chosen format (download_format): link to it.
async function downloadLink(audioUrl, format) {
  const link = $("download");
  link.href = audioUrl;
  if ($("apikey").value.trim()) {
    // A plain link cannot send the key: fetch the file with it and link to the blob.
    const file = await fetch(audioUrl, { headers: headers() });
    if (!file.ok) throw new Error(await errorMessage(file));
    link.href = URL.createObjectURL(await file.blob());
  }
  link.download = `warmtts.${format}`;
  link.textContent = `下载 / Download (${format.toUpperCase()})`;
  link.hidden = false;
}

async function synthesize(event) {
  event.preventDefault();
  const started = performance.now();
  $("go").disabled = true;
  $("error").hidden = true;
  $("download").hidden = true;
  $("progress").value = 0;
  ["ttfa", "rtf", "length"].forEach((id) => ($(id).textContent = "…"));
  $("notice").hidden = true;
  setState("busy", "合成中… / Synthesizing…");
  if (streaming) streaming.stop();
  if (highlighter) highlighter.halt();
  $("player").pause();
  audioContext = audioContext || new AudioContext();
  await audioContext.resume();
  const body = {
    model: "warmtts", input: $("text").value, voice: $("voice").value,
    speed: parseFloat($("speed").value), response_format: "pcm", stream_format: "sse",
    download_format: $("format").value,
  };
  let followed = false;  // this request's text is on show, highlighted as it plays
  try {
    const response = await fetch("/v1/audio/speech", {
      method: "POST", headers: headers(true), body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(await errorMessage(response));
    const ignored = response.headers.get("X-SSML-Ignored-Tags");
    if (ignored) {
      $("notice").textContent = `未支持的 SSML 标签，按文本朗读 / SSML tags read as text: ${ignored}`;
      $("notice").hidden = false;
    }
    const sampleRate = parseInt(response.headers.get("X-Sample-Rate"), 10);
    streaming = new StreamPlayer(audioContext, sampleRate);
    highlighter = new Highlighter($("spoken"), body.input, response.headers.get("X-Input-Format") === "ssml");
    highlighter.follow(streaming);
    followed = true;
    showSpoken(true);
    const pcmChunks = [];
    let audioUrl = null;
    for await (const message of sseEvents(response)) {
      if (message.type === "speech.audio.delta") {
        const bytes = decodeBase64(message.audio);
        if (!pcmChunks.length) {
          $("ttfa").textContent = `${Math.round(performance.now() - started)} ms`;
          setState("busy", "播放中，继续合成… / Playing, still synthesizing…");
        }
        pcmChunks.push(bytes);
        streaming.play(bytes);
        $("progress").value = message.progress;
      } else if (message.type === "speech.audio.timestamps") {
        highlighter.add(message.marks);
      } else if (message.type === "speech.audio.done") {
        $("rtf").textContent = message.audio_seconds ? (message.synthesis_seconds / message.audio_seconds).toFixed(3) : "–";
        $("length").textContent = `${message.audio_seconds.toFixed(2)} s`;
        audioUrl = message.audio_url;
      } else if (message.type === "error") {
        throw new Error(message.error.message);
      }
    }
    streaming.complete = true;
    $("progress").value = 1;
    $("player").src = URL.createObjectURL(wavBlob(pcmChunks, sampleRate));
    replay = highlighter;
    setState("done", "完成 / Done");
    if (!audioUrl) throw new Error("the stream ended before it was complete");
    await downloadLink(audioUrl, body.download_format);
  } catch (error) {
    if (streaming) streaming.complete = true;
    if (!followed) showSpoken(false);  // refused: back to the text, to fix it
    setState("failed", "失败 / Failed");
    $("error").textContent = error.message;
    $("error").hidden = false;
  } finally {
    $("go").disabled = false;
  }
}

$("apikey").value = localStorage.getItem("warmtts-api-key") || "";
$("apikey").addEventListener("change", () => { localStorage.setItem("warmtts-api-key", $("apikey").value.trim()); loadVoices(); });
$("form").addEventListener("submit", synthesize);
$("spoken").addEventListener("click", editText);
$("edit").addEventListener("click", editText);
$("ssml-example").addEventListener("click", () => { $("text").value = SSML_EXAMPLE; editText(); });
// Replaying the kept copy highlights too: the element's own clock is the stream's. It ends at the
// element's next pause (one that reaches its end pauses too).
$("player").addEventListener("play", () => {
  if (!replay) return;
  if (highlighter !== replay) { highlighter.halt(); highlighter = replay; highlighter.render(); }
  const element = $("player");
  let paused = false;
  element.addEventListener("pause", () => { paused = true; }, { once: true });
  showSpoken(true);
  highlighter.follow({ position: () => element.currentTime, ended: () => paused });
});
loadVoices();
