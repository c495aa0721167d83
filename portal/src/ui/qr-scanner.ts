import jsQR from 'jsqr';
import { button, h } from './dom';

/** How long the camera stays on without finding a code (then it is turned off and the page says so). */
const SCAN_MS = 120_000;
/** Frames decoded per second: enough to catch a code held up, little work for a phone. */
const FRAME_MS = 150;

export interface ScanOutcome {
  /** The text of the first QR code that `accept` took. */
  readonly found?: string;
  /** Why nothing was scanned, in words for the person (no camera, refused, nothing seen). */
  readonly problem?: string;
}

/** What getUserMedia's failure means for the person holding the device. */
function cameraProblem(err: unknown): string {
  const name = err instanceof DOMException ? err.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'The camera was refused. Allow it for this page, or paste the key id instead.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found on this device. Paste the key id instead.';
  if (name === 'NotReadableError') return 'The camera is in use by another application. Close it, or paste the key id instead.';
  return `The camera could not be started (${err instanceof Error ? err.message : String(err)}). Paste the key id instead.`;
}

/**
 * Scans a QR code with the device's camera: the video is shown in `slot`
 * while frames are decoded (jsQR) until a code that `accept` takes is seen,
 * the person presses "Stop", or SCAN_MS pass. The camera is always turned
 * off at the end. Codes `accept` refuses are reported by `onRefused` and
 * scanning goes on.
 */
export async function scanQr(slot: HTMLElement, accept: (text: string) => boolean, onRefused: (text: string) => void): Promise<ScanOutcome> {
  // Absent outside a secure context (http other than localhost), whatever the types say.
  if (!('mediaDevices' in navigator) || typeof navigator.mediaDevices.getUserMedia !== 'function') {
    return { problem: 'This browser gives this page no camera (it needs https or localhost). Paste the key id instead.' };
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  } catch (err) {
    return { problem: cameraProblem(err) };
  }
  const video = h('video', { class: 'scanner', muted: '', playsinline: '', 'aria-label': 'Camera view: hold the QR code in front of the camera' });
  video.muted = true;
  video.srcObject = stream;
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  let stop: (outcome: ScanOutcome) => void = () => undefined;
  const done = new Promise<ScanOutcome>((resolve) => {
    stop = resolve;
  });
  slot.replaceChildren(
    h('div', { class: 'scanner-box' }, video),
    button('Stop the camera', () => {
      stop({ problem: 'Scanning stopped. Paste the key id, or scan again.' });
    }),
  );
  const timer = setTimeout(() => {
    stop({ problem: 'No QR code was seen. Hold the code steady in front of the camera, or paste the key id.' });
  }, SCAN_MS);
  const frames = setInterval(() => {
    if (context === null || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || video.videoWidth === 0) return;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    context.drawImage(video, 0, 0);
    const code = jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height, { inversionAttempts: 'dontInvert' });
    if (code === null || code.data === '') return;
    if (accept(code.data)) stop({ found: code.data });
    else onRefused(code.data);
  }, FRAME_MS);
  try {
    await video.play();
  } catch (err) {
    stop({ problem: cameraProblem(err) });
  }
  const outcome = await done;
  clearTimeout(timer);
  clearInterval(frames);
  for (const track of stream.getTracks()) track.stop();
  slot.replaceChildren();
  return outcome;
}
