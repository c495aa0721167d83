import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '@isl/network';
import { RsyslogRepository, type ReceivedMessage } from '../testing/rsyslog';
import { authenticationFailed, instancesTransferred, ledgerChangeAlert } from './audit-events';
import type { AuditRecord } from './audit-message';
import { AuditOutbox } from './audit-outbox';
import { AuditTrail } from './audit-trail';
import { SyslogTlsSender } from './syslog-tls-sender';

const basePort = Number.parseInt(process.env.ISL_TEST_BASE_PORT ?? '17000', 10) + 700;
const SCHEMA = join(projectRoot, 'application', 'schemas', 'dicom-audit-message.rng');
const STUDY = 'S'.repeat(43);
const RECIPIENT = 'R'.repeat(43);
/** Strings of the synthetic study that must never reach an audit message (the ledger's privacy rules). */
const PHI = ['Doe^Jane', 'PAT-0001'];

/** Validates each message's XML against the DICOM PS3.15 A.5.1 schema with xmllint (libxml2). */
function validate(dir: string, messages: readonly ReceivedMessage[]): void {
  messages.forEach((m, i) => {
    assert.ok(m.msg.startsWith('\uFEFF<AuditMessage>'), `message ${String(i)} is UTF-8 with its BOM, then the AuditMessage: ${m.msg.slice(0, 40)}`);
    const file = join(dir, `message-${String(i)}.xml`);
    writeFileSync(file, m.msg.slice(1));
    try {
      execFileSync('xmllint', ['--noout', '--relaxng', SCHEMA, file], { stdio: 'pipe' });
    } catch (err) {
      assert.fail(`message ${String(i)} does not validate against the DICOM audit schema: ${String((err as { stderr?: Buffer }).stderr)}`);
    }
    for (const phi of PHI) assert.ok(!m.msg.includes(phi), `message ${String(i)} carries ${phi}`);
  });
}

const at = new Date('2026-11-25T12:00:00.000Z');
const records = (): AuditRecord[] => [
  instancesTransferred({
    study: STUDY,
    recipient: RECIPIENT,
    recipientAddress: '127.0.0.1',
    source: 'https://127.0.0.1:17050/iti43',
    at,
    outcome: 0,
  }),
  instancesTransferred({ study: STUDY, recipient: RECIPIENT, source: 'https://127.0.0.1:17050/iti43', at, outcome: 4, description: 'refused: NO_GRANT' }),
  authenticationFailed({ user: RECIPIENT, address: '127.0.0.1', node: 'https://127.0.0.1:17050/iti43', reason: 'signature invalid: <script>&"', at }),
  ledgerChangeAlert(
    { name: 'AccessAllowed', transactionId: 'tx1', blockNumber: '12', payload: { study: STUDY, recipient: RECIPIENT, source: 'X'.repeat(43) } },
    'gateway.org1',
    at,
  )!,
];

describe('ATNA audit trail to a real rsyslog over TLS (RFC 5425)', function () {
  this.timeout(120_000);
  let dir: string;

  beforeEach(() => {
    mkdirSync(join(projectRoot, '.run'), { recursive: true });
    dir = mkdtempSync(join(projectRoot, '.run', 'atna-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function trail(repo: RsyslogRepository, client: boolean, options: { maxEntries?: number; dir?: string } = {}): AuditTrail {
    return new AuditTrail({
      outbox: new AuditOutbox({ dir: options.dir ?? join(dir, 'outbox'), maxEntries: options.maxEntries ?? 1000 }),
      sender: new SyslogTlsSender({
        host: repo.host,
        port: repo.port,
        ca: readFileSync(repo.ca),
        servername: 'localhost',
        timeoutMs: 5_000,
        ...(client ? { cert: readFileSync(repo.client.certFile), key: readFileSync(repo.client.keyFile) } : {}),
      }),
      source: { id: 'image-source.org1', site: 'Org1MSP', type: 4 },
      appName: 'isl-image-source',
      retryMs: 60_000,
    });
  }

  it('delivers every kind of audit message over mutual TLS; each parses and validates against the DICOM audit schema and carries no PHI', async () => {
    const repo = new RsyslogRepository({ dir: join(dir, 'rsyslog'), port: basePort, requireClientCert: true });
    await repo.start();
    try {
      const t = trail(repo, true);
      for (const r of records()) t.record(r);
      assert.equal(await t.flush(), 0);
      const got = await repo.waitForMessages(4);
      assert.equal(got.length, 4);
      // PRI 85: facility 10 (security/authorization), severity 5 (notice); IHE's MSGID.
      assert.deepEqual(new Set(got.map((m) => `${m.pri} ${m.msgid} ${m.appName}`)), new Set(['85 IHE+RFC-3881 isl-image-source']));
      validate(dir, got);
      assert.match(got[0]?.msg ?? '', /csd-code="110104"/);
      assert.match(got[2]?.msg ?? '', /csd-code="110114".*csd-code="110122"/);
      assert.match(got[3]?.msg ?? '', /csd-code="110113".*csd-code="110135"/);
      // The attacker's text stays text: escaped, not markup.
      assert.match(got[2]?.msg ?? '', /signature invalid: &lt;script&gt;&amp;&quot;/);
    } finally {
      await repo.stop();
    }
  });

  // rsyslog's gtls driver completes the TLS 1.3 handshake, then checks the client certificate and just
  // closes (no alert): the sender must not take that close for delivery. Each flush is a new connection,
  // and whether the refusal's close overtakes the batch is a race on the old sender, so several are tried.
  it('a client without a certificate is refused by a repository that requires one: nothing arrives, the messages stay in the outbox', async () => {
    const repo = new RsyslogRepository({ dir: join(dir, 'rsyslog'), port: basePort + 1, requireClientCert: true });
    await repo.start();
    try {
      const t = trail(repo, false);
      t.record(records()[0]!);
      t.record(records()[1]!);
      for (let attempt = 0; attempt < 40; attempt++) assert.equal(await t.flush(), 2, `the refused messages are kept (attempt ${String(attempt)})`);
      assert.equal(repo.messages().length, 0);
    } finally {
      await repo.stop();
    }
  });

  it('a repository whose certificate is not of the configured CA is refused before anything is sent', async () => {
    const repo = new RsyslogRepository({ dir: join(dir, 'rsyslog'), port: basePort + 2, requireClientCert: false });
    const other = new RsyslogRepository({ dir: join(dir, 'other'), port: basePort + 3, requireClientCert: false });
    await repo.start();
    try {
      const t = new AuditTrail({
        outbox: new AuditOutbox({ dir: join(dir, 'outbox'), maxEntries: 10 }),
        sender: new SyslogTlsSender({ host: repo.host, port: repo.port, ca: readFileSync(other.ca), servername: 'localhost', timeoutMs: 5_000 }),
        source: { id: 'gateway.org1', site: 'Org1MSP', type: 3 },
        appName: 'isl-gateway',
        retryMs: 60_000,
      });
      t.record(records()[3]!);
      assert.equal(await t.flush(), 1);
      assert.equal(repo.messages().length, 0);
    } finally {
      await repo.stop();
    }
  });

  it('keeps messages while the repository is down, then sends them all in order once it is back (at-least-once; here each exactly once)', async () => {
    const repo = new RsyslogRepository({ dir: join(dir, 'rsyslog'), port: basePort + 4, requireClientCert: true });
    const t = trail(repo, true);
    const sent = Array.from({ length: 25 }, (_, i) =>
      instancesTransferred({
        study: STUDY,
        recipient: RECIPIENT,
        source: 'https://127.0.0.1:17050/iti43',
        at,
        outcome: 4,
        description: `refused #${String(i)}`,
      }),
    );
    for (const r of sent) t.record(r);
    assert.equal(await t.flush(), 25, 'nothing is lost while the repository is down');
    // A restart of the sending service in between: a new trail over the same outbox folder.
    const again = trail(repo, true);
    await repo.start();
    try {
      assert.equal(await again.flush(), 0);
      const got = await repo.waitForMessages(25);
      assert.deepEqual(
        got.map((m) => /refused #(\d+)/.exec(m.msg)?.[1]),
        sent.map((_, i) => String(i)),
        'every message once, in the order they happened',
      );
      validate(dir, got);
    } finally {
      await repo.stop();
    }
  });

  it('a full outbox drops new messages, counts them, and keeps the ones it has', async () => {
    const repo = new RsyslogRepository({ dir: join(dir, 'rsyslog'), port: basePort + 5, requireClientCert: true });
    const t = trail(repo, true, { maxEntries: 3 });
    for (let i = 0; i < 5; i++) t.record(records()[1]!);
    assert.equal(await t.flush(), 3);
    assert.equal(t.dropped, 2);
    await repo.start();
    try {
      assert.equal(await t.flush(), 0);
      assert.equal((await repo.waitForMessages(3)).length, 3);
    } finally {
      await repo.stop();
    }
  });
});
