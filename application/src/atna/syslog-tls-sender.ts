import { connect, type ConnectionOptions } from 'node:tls';
import { CodedError } from '@isl/platform';

export type DeliveryFailure = 'unreachable' | 'tls' | 'timeout' | 'cut';

export class AuditDeliveryError extends CodedError<DeliveryFailure> {}

export interface SyslogTlsOptions {
  readonly host: string;
  readonly port: number;
  /** PEM of the CAs that sign the repository's certificate (default: Node's). */
  readonly ca?: Buffer;
  /** Client certificate and key for mutual TLS (RFC 5425 §5.2). */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** The name the repository's certificate must carry (default: host). */
  readonly servername?: string;
  /** A batch not confirmed within this long is failed (and kept for the next attempt). */
  readonly timeoutMs?: number;
}

/**
 * Sends syslog frames over TLS (RFC 5425), one connection per batch. RFC 5425
 * has no acknowledgement, so a batch counts as taken only when the repository,
 * having read to the end of what was sent (the sender closes its side first),
 * closes its own side: everything before that end was read. Anything less
 * (refused, reset, no close in time) fails the whole batch, which is then sent
 * again: at-least-once, in order.
 */
export class SyslogTlsSender {
  readonly #options: SyslogTlsOptions;

  constructor(options: SyslogTlsOptions) {
    this.#options = options;
  }

  send(frames: readonly Buffer[]): Promise<void> {
    const o = this.#options;
    const tlsOptions: ConnectionOptions = {
      host: o.host,
      port: o.port,
      servername: o.servername ?? o.host,
      minVersion: 'TLSv1.2',
      ...(o.ca === undefined ? {} : { ca: o.ca }),
      ...(o.cert === undefined || o.key === undefined ? {} : { cert: o.cert, key: o.key }),
    };
    return new Promise<void>((resolve, reject) => {
      let secure = false;
      let ended = false;
      let failure: AuditDeliveryError | undefined;
      const socket = connect(tlsOptions, () => {
        secure = true;
        for (const frame of frames) socket.write(frame);
        socket.end();
      });
      const fail = (code: DeliveryFailure, message: string): void => {
        failure ??= new AuditDeliveryError(code, message);
        socket.destroy();
      };
      socket.setTimeout(o.timeoutMs ?? 10_000, () => {
        fail('timeout', `the audit repository ${o.host}:${String(o.port)} did not confirm the batch in time`);
      });
      socket.on('error', (err: Error & { code?: string }) => {
        const code: DeliveryFailure =
          !secure && (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EHOSTUNREACH') ? 'unreachable' : secure ? 'cut' : 'tls';
        fail(code, `audit repository ${o.host}:${String(o.port)}: ${err.message}`);
      });
      socket.on('end', () => {
        ended = true;
      });
      socket.on('close', () => {
        if (failure === undefined && secure && ended) resolve();
        else reject(failure ?? new AuditDeliveryError('cut', `the audit repository ${o.host}:${String(o.port)} closed before reading the batch`));
      });
    });
  }
}
