// Sounds made with WebAudio (no files): the click of a stone, a soft chime for "your turn" and
// a tick for the last seconds. The audio context starts on the first user gesture, as browsers
// require; until then sounds are skipped silently.

const KEY = "gameserver.sound";

export class Sound {
  constructor(storage = window.localStorage) {
    this.storage = storage;
    this.ctx = null;
    this.enabled = storage.getItem(KEY) !== "off";
    const unlock = () => {
      this.context();
      window.removeEventListener("pointerdown", unlock);
      window.removeEventListener("keydown", unlock);
    };
    window.addEventListener("pointerdown", unlock);
    window.addEventListener("keydown", unlock);
  }

  setEnabled(on) {
    this.enabled = on;
    this.storage.setItem(KEY, on ? "on" : "off");
  }

  context() {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return null;
    if (!this.ctx) {
      try { this.ctx = new AC(); } catch { return null; }
    }
    if (this.ctx.state === "suspended") this.ctx.resume().catch(() => {});
    return this.ctx;
  }

  ready() {
    if (!this.enabled || !this.ctx || this.ctx.state !== "running") return null;
    return this.ctx;
  }

  /** A short, woody click: filtered noise plus a low thump. */
  stone() {
    const ctx = this.ready();
    if (!ctx) return;
    const t = ctx.currentTime;
    const len = Math.floor(ctx.sampleRate * 0.06);
    const buf = ctx.createBuffer(1, len, ctx.sampleRate);
    const data = buf.getChannelData(0);
    for (let i = 0; i < len; i++) data[i] = (Math.random() * 2 - 1) * (1 - i / len) ** 3;
    const noise = ctx.createBufferSource();
    noise.buffer = buf;
    const band = ctx.createBiquadFilter();
    band.type = "bandpass";
    band.frequency.value = 2400;
    band.Q.value = 1.2;
    const ng = ctx.createGain();
    ng.gain.value = 0.5;
    noise.connect(band).connect(ng).connect(ctx.destination);
    noise.start(t);

    const osc = ctx.createOscillator();
    osc.type = "sine";
    osc.frequency.setValueAtTime(180, t);
    osc.frequency.exponentialRampToValueAtTime(90, t + 0.08);
    const og = ctx.createGain();
    og.gain.setValueAtTime(0.35, t);
    og.gain.exponentialRampToValueAtTime(0.001, t + 0.1);
    osc.connect(og).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 0.12);
  }

  tone(freq, start, dur, vol = 0.12) {
    const ctx = this.ctx;
    const osc = ctx.createOscillator();
    osc.type = "triangle";
    osc.frequency.value = freq;
    const g = ctx.createGain();
    g.gain.setValueAtTime(0.0001, start);
    g.gain.exponentialRampToValueAtTime(vol, start + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, start + dur);
    osc.connect(g).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + dur + 0.05);
  }

  /** Two soft rising notes. */
  yourTurn() {
    const ctx = this.ready();
    if (!ctx) return;
    const t = ctx.currentTime + 0.12;
    this.tone(660, t, 0.25);
    this.tone(880, t + 0.12, 0.35);
  }

  tick() {
    const ctx = this.ready();
    if (!ctx) return;
    this.tone(1200, ctx.currentTime, 0.05, 0.05);
  }

  finished() {
    const ctx = this.ready();
    if (!ctx) return;
    const t = ctx.currentTime;
    this.tone(523, t, 0.3);
    this.tone(659, t + 0.15, 0.3);
    this.tone(784, t + 0.3, 0.5);
  }
}
