import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditConfigOf, auditEnvironment, auditSettingsSchema } from './audit-config';
import { authenticationFailed, LEDGER_CHANGE_ALERTS, ledgerChangeAlert } from './audit-events';
import { auditMessageXml } from './audit-message';
import { AuditOutbox } from './audit-outbox';
import { AuditTrail } from './audit-trail';
import { octetCounted, syslogMessage } from './syslog';

const STUDY = 'S'.repeat(43);
const at = new Date('2026-11-25T12:00:00.000Z');

describe('ATNA: syslog framing (RFC 5424, RFC 5425 octet counting)', () => {
  it('writes PRI 85, version 1, the timestamp, bounded printable header fields, the IHE MSGID, no structured data, then BOM + MSG', () => {
    const m = syslogMessage({ at: at.toISOString(), appName: 'isl gateway', hostname: 'host é 1', procId: '42' }, '<AuditMessage/>');
    assert.equal(m.toString('utf8'), '<85>1 2026-11-25T12:00:00.000Z host1 islgateway 42 IHE+RFC-3881 - \uFEFF<AuditMessage/>');
  });

  it('prefixes the length in octets (not characters) and a space', () => {
    const m = Buffer.from('é', 'utf8');
    assert.equal(octetCounted(m).toString('utf8'), '2 é');
  });
});

describe('ATNA: the audit message XML', () => {
  it("keeps a requester's text as text: markup escaped, control characters and lone surrogates dropped, line breaks as spaces", () => {
    const xml = auditMessageXml(authenticationFailed({ user: 'k\u0001ey', node: 'n', reason: '<a href="x">&\u0000\r\nnext\uD800', at }), {
      id: 's',
      site: 'Org1MSP',
      type: 3,
    });
    assert.match(xml, /<EventOutcomeDescription>&lt;a href=&quot;x&quot;&gt;&amp; next<\/EventOutcomeDescription>/);
    assert.match(xml, /UserID="key"/);
    assert.doesNotMatch(xml, /[\u0000-\u0008\n\r]/);
  });
});

describe('ATNA: ledger changes as Security Alerts', () => {
  const change = (name: string, payload: Record<string, unknown>) => ({ name, transactionId: 'tx9', blockNumber: '7', payload });

  it('grants and revocations are Object Security Attributes Changed, with the study reference and the recipient key', () => {
    for (const name of ['AccessAllowed', 'AccessRevoked']) {
      const r = ledgerChangeAlert(change(name, { study: STUDY, recipient: 'R'.repeat(43) }), 'gateway.org1', at);
      assert.equal(r?.event.code, '110113');
      assert.equal(r.types?.[0]?.code, '110135');
      assert.deepEqual(
        r.objects.map((o) => [o.id, o.idType.code, o.role]),
        [
          [STUDY, 'study-reference', 3],
          ['R'.repeat(43), 'recipient-key', 11],
        ],
      );
    }
  });

  it('other events, and an event without a study, are not audited', () => {
    assert.equal(ledgerChangeAlert(change('StudyDefined', { study: STUDY }), 'g', at), undefined);
    assert.equal(ledgerChangeAlert(change('AccessAllowed', {}), 'g', at), undefined);
    assert.deepEqual(Object.keys(LEDGER_CHANGE_ALERTS).sort(), ['AccessAllowed', 'AccessRevoked']);
  });
});

describe('ATNA: configuration', () => {
  const parse = (env: Record<string, string>) => auditConfigOf(auditSettingsSchema.parse(env));

  it('is off when no repository is configured', () => {
    assert.equal(parse({}), undefined);
  });

  it('reads the repository, its CA and name, a client identity and the outbox bound, and writes them back', () => {
    const env = {
      ISL_AUDIT_REPOSITORY: 'arr.example.org:6514',
      ISL_AUDIT_REPOSITORY_CA: '/etc/ca.pem',
      ISL_AUDIT_REPOSITORY_NAME: 'arr',
      ISL_AUDIT_CLIENT_CERT: '/c.pem',
      ISL_AUDIT_CLIENT_KEY: '/k.pem',
      ISL_AUDIT_OUTBOX_MAX: '5',
      ISL_AUDIT_RETRY_MS: '1000',
    };
    const c = parse(env);
    assert.deepEqual(c, {
      host: 'arr.example.org',
      port: 6514,
      caFile: '/etc/ca.pem',
      serverName: 'arr',
      client: { certFile: '/c.pem', keyFile: '/k.pem' },
      outboxMax: 5,
      retryMs: 1000,
    });
    assert.deepEqual(auditEnvironment(c), env);
  });

  it('refuses a repository that is not host:port, a port out of range, and half a client identity', () => {
    assert.throws(() => parse({ ISL_AUDIT_REPOSITORY: 'arr.example.org' }), /host:port/);
    assert.throws(() => parse({ ISL_AUDIT_REPOSITORY: 'arr:70000' }), /port 70000/);
    assert.throws(() => parse({ ISL_AUDIT_REPOSITORY: 'arr:6514', ISL_AUDIT_CLIENT_CERT: '/c.pem' }), /together/);
  });
});

describe('ATNA: outbox and trail (fake repository)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'isl-atna-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const record = (n: number) =>
    ledgerChangeAlert({ name: 'AccessAllowed', transactionId: `tx${String(n)}`, blockNumber: String(n), payload: { study: STUDY } }, 'g', at)!;

  it('a failed batch stops the flush, keeps its order, and is sent again first', async () => {
    const sent: string[][] = [];
    let up = false;
    const trail = new AuditTrail({
      outbox: new AuditOutbox({ dir, maxEntries: 100 }),
      sender: {
        send: (frames) => {
          if (!up) return Promise.reject(new Error('down'));
          sent.push(frames.map((f) => /transactionId" value="([^"]+)"/.exec(f.toString())?.[1] ?? '?'));
          return Promise.resolve();
        },
      },
      source: { id: 'g', site: 'Org1MSP', type: 3 },
      appName: 'isl-gateway',
      retryMs: 60_000,
      batch: { messages: 2, bytes: 1_000_000 },
    });
    for (let i = 1; i <= 5; i++) trail.record(record(i));
    assert.equal(await trail.flush(), 5);
    up = true;
    assert.equal(await trail.flush(), 0);
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    assert.deepEqual(sent, [[b64('tx1'), b64('tx2')], [b64('tx3'), b64('tx4')], [b64('tx5')]]);
  });

  it('continues the sequence after a restart, and sets an unreadable entry aside instead of resending it forever', () => {
    const first = new AuditOutbox({ dir, maxEntries: 10 });
    first.add({ at: 'a', xml: '<A/>' });
    writeFileSync(join(dir, '0000000000000002.json'), 'not json');
    const again = new AuditOutbox({ dir, maxEntries: 10 });
    again.add({ at: 'c', xml: '<C/>' });
    assert.deepEqual(
      again.oldest(10, 1_000_000).map((q) => [q.seq, q.entry.xml]),
      [
        [1, '<A/>'],
        [3, '<C/>'],
      ],
    );
    assert.ok(readdirSync(dir).includes('0000000000000002.json.unreadable'));
    assert.equal(again.size, 2);
  });
});
