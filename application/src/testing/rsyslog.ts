import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '@isl/network';
import { makeTestPki, testPkiFiles, type PemPair } from './test-pki';

/** One message as the repository wrote it: its syslog header fields and the MSG. */
export interface ReceivedMessage {
  readonly pri: string;
  readonly msgid: string;
  readonly appName: string;
  /** MSG as received, BOM included. */
  readonly msg: string;
}

export interface RsyslogOptions {
  /** The test's run folder: certificates, configuration and received messages go here. */
  readonly dir: string;
  readonly port: number;
  /** x509/certvalid: a client must present a certificate of `clientCas`; anon: none asked. */
  readonly requireClientCert: boolean;
  /** Further CA certificates (PEM files) trusted for client certificates, e.g. a member's TLS CA. */
  readonly clientCas?: readonly string[];
}

const FIELD_SEPARATOR = '\t';

/**
 * A real Audit Record Repository for tests: Debian's rsyslogd with imtcp over
 * the gtls driver (RFC 5425, octet-counted framing), writing each message it
 * receives to one line of a file. Its CA, server and client certificates are
 * made with openssl in the test's folder (makeTestPki).
 */
export class RsyslogRepository {
  readonly #o: RsyslogOptions;
  readonly ca: string;
  readonly server: PemPair;
  /** A client certificate of the test CA (for mutual TLS). */
  readonly client: PemPair;
  readonly receivedFile: string;
  #process: ChildProcess | undefined;

  constructor(o: RsyslogOptions) {
    this.#o = o;
    mkdirSync(join(o.dir, 'work'), { recursive: true });
    const pki = testPkiFiles(o.dir);
    this.ca = pki.ca;
    this.server = pki.server;
    this.client = pki.client;
    this.receivedFile = join(o.dir, 'received.log');
    if (!existsSync(this.ca)) makeTestPki(o.dir);
    writeFileSync(join(o.dir, 'trusted.pem'), [this.ca, ...(o.clientCas ?? [])].map((f) => readFileSync(f, 'utf8')).join('\n'));
    writeFileSync(join(o.dir, 'rsyslog.conf'), this.#configuration());
  }

  get host(): string {
    return '127.0.0.1';
  }

  get port(): number {
    return this.#o.port;
  }

  /** Starts rsyslogd and waits until it accepts connections. */
  async start(): Promise<void> {
    const conf = join(this.#o.dir, 'rsyslog.conf');
    execFileSync('rsyslogd', ['-N1', '-f', conf], { stdio: 'pipe' });
    const child = spawn('rsyslogd', ['-n', '-f', conf, '-i', join(this.#o.dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    this.#process = child;
    await waitFor(
      `rsyslogd listening on ${this.host}:${String(this.port)}`,
      () => (child.exitCode !== null ? Promise.reject(new Error(`rsyslogd exited: ${stderr}`)) : accepts(this.host, this.port)),
      {
        timeoutMs: 20_000,
      },
    );
  }

  /** Stops rsyslogd (SIGTERM to the process this started) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (child === undefined || child.exitCode !== null) return;
    const gone = new Promise<void>((resolve) =>
      child.once('exit', () => {
        resolve();
      }),
    );
    child.kill('SIGTERM');
    await gone;
    this.#process = undefined;
  }

  /** Every message received so far, in order. */
  messages(): ReceivedMessage[] {
    if (!existsSync(this.receivedFile)) return [];
    return readFileSync(this.receivedFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [pri = '', msgid = '', appName = '', ...rest] = line.split(FIELD_SEPARATOR);
        return { pri, msgid, appName, msg: rest.join(FIELD_SEPARATOR) };
      });
  }

  /** Waits until at least `count` messages arrived; answers them all. */
  waitForMessages(count: number, timeoutMs = 30_000): Promise<ReceivedMessage[]> {
    return waitFor(
      `${String(count)} audit message(s) at rsyslog (${this.receivedFile})`,
      () => {
        const all = this.messages();
        return all.length >= count ? all : false;
      },
      { timeoutMs },
    );
  }

  #configuration(): string {
    const d = this.#o.dir;
    return `global(
  DefaultNetstreamDriver="gtls"
  DefaultNetstreamDriverCAFile="${join(d, 'trusted.pem')}"
  DefaultNetstreamDriverCertFile="${this.server.certFile}"
  DefaultNetstreamDriverKeyFile="${this.server.keyFile}"
  maxMessageSize="64k"
  workDirectory="${join(d, 'work')}"
)
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="${this.#o.requireClientCert ? 'x509/certvalid' : 'anon'}")
template(name="audit" type="string" string="%pri%\\t%msgid%\\t%app-name%\\t%msg%\\n")
# Only what arrives over TLS is written: rsyslogd's own messages go to the default ruleset, which writes nothing.
ruleset(name="received") {
  action(type="omfile" file="${this.receivedFile}" template="audit")
}
input(type="imtcp" address="127.0.0.1" port="${String(this.#o.port)}" ruleset="received")
`;
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => {
      resolve(false);
    });
  });
}
