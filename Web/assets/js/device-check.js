// The join page's device check: camera preview, camera and microphone pickers, a microphone level
// meter. The stream it opens is the one the room later sends, so choosing a device here is the choice.

/** Root-mean-square level of 8-bit PCM samples (128 = silence), scaled to 0…100 for a meter. */
export function levelOf(samples) {
  if (!samples.length) return 0;
  let sum = 0;
  for (const sample of samples) sum += ((sample - 128) / 128) ** 2;
  return Math.min(100, Math.round(Math.sqrt(sum / samples.length) * 300));
}

export class DeviceCheck {
  /**
   * @param elements `{video, cameraSelect, micSelect, meter, message, cameraOn, micOn, off}` of the page
   * @param onLevel called about ten times a second with the microphone level (0…100)
   */
  constructor(elements, onLevel = () => {}) {
    this.el = elements;
    this.onLevel = onLevel;
    this.stream = null;
    this.audio = null; // AudioContext of the level meter
    this.el.cameraSelect.addEventListener("change", () => this.start());
    this.el.micSelect.addEventListener("change", () => this.start());
    this.el.cameraOn.addEventListener("change", () => this.applyToggles());
    this.el.micOn.addEventListener("change", () => this.applyToggles());
  }

  /** The current camera ("video") or microphone ("audio") track, or null. */
  track(kind) {
    return (kind === "audio" ? this.stream?.getAudioTracks() : this.stream?.getVideoTracks())?.[0] ?? null;
  }

  /** Opens the chosen devices (falling back to the microphone alone, then to nothing). */
  async start() {
    this.stopTracks();
    const camera = this.el.cameraSelect.value;
    const mic = this.el.micSelect.value;
    const say = (text) => { this.el.message.textContent = text; };
    if (!navigator.mediaDevices?.getUserMedia) {
      say("This browser can't use a camera or microphone here. You can still join.");
      return;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: mic ? { deviceId: { exact: mic } } : true,
        video: camera ? { deviceId: { exact: camera } } : { width: 640, height: 360 },
      });
      say("");
    } catch {
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        say("No camera found. You can join with your microphone.");
      } catch {
        this.stream = null;
        say("No camera or microphone is available (or the browser was not allowed to use them). You can still join.");
      }
    }
    this.el.video.srcObject = this.stream;
    this.applyToggles();
    await this.listDevices();
    this.watchLevel();
  }

  async listDevices() {
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    const fill = (select, kind, current, fallback) => {
      const options = devices.filter((d) => d.kind === kind);
      select.replaceChildren(...options.map((d, i) => {
        const option = document.createElement("option");
        option.value = d.deviceId;
        option.textContent = d.label || `${fallback} ${i + 1}`;
        return option;
      }));
      if (current) select.value = current;
      select.disabled = options.length === 0;
    };
    fill(this.el.cameraSelect, "videoinput", this.track("video")?.getSettings().deviceId, "Camera");
    fill(this.el.micSelect, "audioinput", this.track("audio")?.getSettings().deviceId, "Microphone");
  }

  watchLevel() {
    const track = this.track("audio");
    this.audio?.close();
    this.audio = null;
    if (!track || typeof AudioContext === "undefined") return;
    const context = new AudioContext();
    this.audio = context;
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    const tick = () => {
      if (context.state === "closed") return;
      analyser.getByteTimeDomainData(samples);
      const level = levelOf(samples);
      this.el.meter.value = level;
      this.onLevel(level);
      setTimeout(() => requestAnimationFrame(tick), 100);
    };
    tick();
  }

  /** Browsers start audio only after a gesture: call from the Join click. */
  resumeAudio() {
    this.audio?.resume?.();
  }

  /** Applies "join with the camera / microphone on" to the tracks and the preview. */
  applyToggles() {
    const cameraOn = this.el.cameraOn.checked;
    for (const track of this.stream?.getVideoTracks() ?? []) track.enabled = cameraOn;
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = this.el.micOn.checked;
    this.el.off.hidden = cameraOn && Boolean(this.track("video"));
  }

  stopTracks() {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
  }

  /** Releases the camera and microphone and stops the meter. */
  stop() {
    this.stopTracks();
    this.audio?.close();
    this.audio = null;
  }
}
