/** How long the gateway waits for slow clients (defaults: `defaultTimeouts`). */
export interface GatewayTimeouts {
  /** The request line and headers must arrive within this (Node's headersTimeout). */
  readonly headersMs: number;
  /** The whole request, body included, must arrive within this (Node's requestTimeout; large uploads need long). */
  readonly requestMs: number;
  /** A socket with no traffic either way for this long is closed (Fastify's connectionTimeout). */
  readonly idleMs: number;
  /** A body still arriving must progress by `minBodyBytesPerWindow` every `bodyWindowMs`, else 408. */
  readonly bodyWindowMs: number;
  readonly minBodyBytesPerWindow: number;
  /** How long a read with ?minBlock= waits for the gateway's peer to commit that block before 504. */
  readonly minBlockWaitMs: number;
}

export const defaultTimeouts: GatewayTimeouts = {
  headersMs: 10_000,
  requestMs: 3_600_000,
  idleMs: 300_000,
  bodyWindowMs: 10_000,
  minBodyBytesPerWindow: 16 * 1024,
  minBlockWaitMs: 5_000,
};
