/**
 * A video for Chromium's fake camera (`--use-file-for-fake-video-capture`): YUV4MPEG2
 * (Y4M), 4:2:0, every frame the given grey picture (luma; chroma neutral). Chromium
 * plays the file in a loop, so one frame is a still picture held in front of the camera.
 */
export function y4mStill(luma: Uint8Array, width: number, height: number, frames = 1): Buffer {
  if (width % 2 !== 0 || height % 2 !== 0 || luma.length !== width * height) {
    throw new Error(`a 4:2:0 frame needs even sides and width × height luma samples: ${String(width)}×${String(height)}, ${String(luma.length)} samples`);
  }
  const header = Buffer.from(`YUV4MPEG2 W${String(width)} H${String(height)} F10:1 Ip A1:1 C420jpeg\n`, 'ascii');
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n', 'ascii'), luma, chroma]);
  return Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]);
}
