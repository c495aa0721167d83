import { connect as netConnect } from 'node:net';
import { connect, type ConnectionOptions } from 'node:tls';
import { CodedError } from '@isl/platform';
import { HeldFlightTransport } from './held-flight-transport';

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
 * Sends syslog frames over TLS 1.3 (RFC 5425), one connection per batch.
 * RFC 5425 has no acknowledgement, and a repository may complete the
 * handshake and only then refuse the client (rsyslog's gtls driver checks the
 * client certificate after it, sends no alert and just closes). So the batch
 * leaves in the same write as the client's Finished (HeldFlightTransport):
 * a repository that refuses closes with the batch unread, and its TCP stack
 * resets the connection. A batch counts as taken only when the repository,
 * having read to the end of the stream (the sender closes its side, with a
 * close_notify, right after the batch), closes its own side cleanly; a reset,
 * an alert, any other error or no close in time fails the whole batch, which
 * is sent again: at-least-once, in order. TLS 1.2 is not offered: there the
 * server's Finished comes last, a refusing repository closes before the
 * batch arrives, and its close cannot be told from an accepting one's.
 */
export class SyslogTlsSender {
  readonly #options: SyslogTlsOptions;

  constructor(options: SyslogTlsOptions) {
    this.#options = options;
  }

  send(frames: readonly Buffer[]): Promise<void> {
    const o = this.#options;
    const where = `${o.host}:${String(o.port)}`;
    return new Promise<void>((resolve, reject) => {
      let secure = false;
      let ended = false;
      let failure: AuditDeliveryError | undefined;
      const raw = netConnect({ host: o.host, port: o.port });
      const transport = new HeldFlightTransport(raw);
      const socket = connect(this.#tlsOptions(transport), () => {
        secure = true;
        socket.write(Buffer.concat(frames), () => {
          transport.release();
        });
        socket.end();
      });
      const fail = (code: DeliveryFailure, message: string): void => {
        failure ??= new AuditDeliveryError(code, message);
        socket.destroy();
      };
      const onError = (err: Error & { code?: string }): void => {
        fail(failureOf(err, secure), `audit repository ${where}: ${err.message}`);
      };
      raw.setTimeout(o.timeoutMs ?? 10_000, () => {
        fail('timeout', `the audit repository ${where} did not confirm the batch in time`);
      });
      raw.on('error', onError);
      socket.on('error', onError);
      socket.on('end', () => {
        ended = true;
      });
      socket.on('close', () => {
        if (failure === undefined && secure && ended) resolve();
        else reject(failure ?? new AuditDeliveryError('cut', `the audit repository ${where} closed before reading the batch`));
      });
    });
  }

  #tlsOptions(transport: HeldFlightTransport): ConnectionOptions {
    const o = this.#options;
    return {
      socket: transport,
      servername: o.servername ?? o.host,
      minVersion: 'TLSv1.3',
      ...(o.ca === undefined ? {} : { ca: o.ca }),
      ...(o.cert === undefined || o.key === undefined ? {} : { cert: o.cert, key: o.key }),
    };
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH']);

function failureOf(err: Error & { code?: string }, secure: boolean): DeliveryFailure {
  if (secure) return 'cut';
  return err.code !== undefined && UNREACHABLE.has(err.code) ? 'unreachable' : 'tls';
}
