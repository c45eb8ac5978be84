// The page streams PCM over SSE: it plays each delta as it arrives (Web Audio), advances the
// progress bar by the server's `progress`, keeps the samples for replay, and links to the copy
// the server kept of the same audio in the chosen format (no second synthesis).
"use strict";

const $ = (id) => document.getElementById(id);
let audioContext = null;

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

class StreamPlayer {
  constructor(context, sampleRate) {
    this.context = context;
    this.sampleRate = sampleRate;
    this.nextTime = 0;
    this.carry = new Uint8Array(0);
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
    this.nextTime = Math.max(this.nextTime, this.context.currentTime + 0.05);
    source.start(this.nextTime);
    this.nextTime += buffer.duration;
  }
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
  setState("busy", "合成中… / Synthesizing…");
  audioContext = audioContext || new AudioContext();
  await audioContext.resume();
  const body = {
    model: "warmtts", input: $("text").value, voice: $("voice").value,
    speed: parseFloat($("speed").value), response_format: "pcm", stream_format: "sse",
    download_format: $("format").value,
  };
  try {
    const response = await fetch("/v1/audio/speech", {
      method: "POST", headers: headers(true), body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(await errorMessage(response));
    const sampleRate = parseInt(response.headers.get("X-Sample-Rate"), 10);
    const player = new StreamPlayer(audioContext, sampleRate);
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
        player.play(bytes);
        $("progress").value = message.progress;
      } else if (message.type === "speech.audio.done") {
        $("rtf").textContent = message.audio_seconds ? (message.synthesis_seconds / message.audio_seconds).toFixed(3) : "–";
        $("length").textContent = `${message.audio_seconds.toFixed(2)} s`;
        audioUrl = message.audio_url;
      } else if (message.type === "error") {
        throw new Error(message.error.message);
      }
    }
    $("progress").value = 1;
    $("player").src = URL.createObjectURL(wavBlob(pcmChunks, sampleRate));
    setState("done", "完成 / Done");
    if (!audioUrl) throw new Error("the stream ended before it was complete");
    await downloadLink(audioUrl, body.download_format);
  } catch (error) {
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
loadVoices();
