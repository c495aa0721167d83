import { Enums, init as initCore, RenderingEngine, type Types } from '@cornerstonejs/core';
import { init as initLoader, wadouri } from '@cornerstonejs/dicom-image-loader';

/**
 * The study viewer: Cornerstone3D's stack viewport, fed with the DICOM
 * instances the portal fetched itself (the signed WADO-RS request is the
 * portal's, so Cornerstone gets the files, not a URL). Without WebGL,
 * Cornerstone draws on the CPU.
 */
let ready: Promise<void> | undefined;

function initialise(): Promise<void> {
  ready ??= (async () => {
    initCore();
    initLoader({ maxWebWorkers: 1 });
    await Promise.resolve();
  })();
  return ready;
}

export class StudyViewer {
  readonly #engine: RenderingEngine;
  readonly #viewportId = 'study';
  #imageIds: string[] = [];
  #index = 0;

  private constructor(engine: RenderingEngine) {
    this.#engine = engine;
  }

  static async open(element: HTMLDivElement): Promise<StudyViewer> {
    await initialise();
    const engine = new RenderingEngine(`portal-${String(Date.now())}`);
    engine.enableElement({ viewportId: 'study', type: Enums.ViewportType.STACK, element });
    return new StudyViewer(engine);
  }

  #viewport(): Types.IStackViewport {
    return this.#engine.getViewport<Types.IStackViewport>(this.#viewportId);
  }

  /** Shows the instances (ordered as given), the middle one first. */
  async show(files: readonly Uint8Array[]): Promise<void> {
    this.#imageIds = files.map((bytes) => wadouri.fileManager.add(new Blob([bytes.slice()], { type: 'application/dicom' })));
    this.#index = Math.floor(this.#imageIds.length / 2);
    await this.#viewport().setStack(this.#imageIds, this.#index);
    this.#viewport().render();
  }

  get position(): { readonly index: number; readonly count: number } {
    return { index: this.#index, count: this.#imageIds.length };
  }

  /** Moves through the stack (keyboard: arrow keys on the viewer). */
  async step(delta: number): Promise<void> {
    const next = Math.min(this.#imageIds.length - 1, Math.max(0, this.#index + delta));
    if (next === this.#index) return;
    this.#index = next;
    await this.#viewport().setImageIdIndex(next);
  }

  destroy(): void {
    this.#engine.destroy();
  }
}
