import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { createServer as createNetServer } from 'node:net';
import { Readable } from 'node:stream';
import type { JWK } from 'jose';
import { fetchAnswer, type HttpAnswer } from '@isl/platform';
import { generate } from 'selfsigned';
import { thumbprint } from '@isl/chaincode';
import type { RecipientSigningKey } from '../wire/http-signature';
import { ImageSourceServer, type ImageSourceServerOptions, type Release } from '../imagesource/server';
import type { Authorisation } from '../imagesource/study-release';
import type { ManifestStudy } from '../pacs/kos-manifest';

/** A fresh recipient key, as a wallet would derive one. */
export async function recipientKey(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<RecipientSigningKey> {
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  const publicJwk = pair.publicKey.export({ format: 'jwk' }) as JWK;
  return { alg, publicJwk, keyId: await thumbprint(publicJwk), privateKey: createPrivateKey(pair.privateKey.export({ format: 'pem', type: 'pkcs8' })) };
}

/** A study release without a ledger or a PACS: grants are a set, each study is two small "instances". */
export class FakeRelease implements Release {
  readonly grants = new Set<string>();
  readonly released: { study: string; recipient: string; size: number; encrypted: boolean; breakGlass?: string }[] = [];
  /** `${study} ${recipient}` → the break-glass lease (statement digest) it is released under, instead of a grant. */
  readonly leases = new Map<string, string>();
  authorisations = 0;

  /** Study Instance UID → reference, for RAD-69. */
  readonly studyUids = new Map<string, string>();

  grant(study: string, recipient: string): void {
    this.grants.add(`${study} ${recipient}`);
  }

  authoriseStudy(studyInstanceUid: string, recipient: string): Promise<Authorisation> {
    return this.authorise(this.studyUids.get(studyInstanceUid) ?? 'unknown', recipient);
  }

  /** Every fake study: one series 1.3 of the two instances, CT, Explicit VR Little Endian. */
  describe(auth: Extract<Authorisation, { granted: true }>): Promise<ManifestStudy> {
    return Promise.resolve({
      studyInstanceUid: [...this.studyUids].find(([, ref]) => ref === auth.reference)?.[0] ?? '1.1',
      patient: { name: 'FAKE^PATIENT', id: 'F1', birthDate: '', sex: 'O' },
      study: { date: '20250101', time: '120000', id: '1', accessionNumber: '', referringPhysicianName: '' },
      series: [
        {
          seriesInstanceUid: '1.3',
          instances: auth.instances.map((i) => ({
            sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
            sopInstanceUid: i.sopInstanceUid,
            transferSyntaxUid: '1.2.840.10008.1.2.1',
          })),
        },
      ],
    });
  }

  authorise(reference: string, recipient: string): Promise<Authorisation> {
    this.authorisations++;
    const key = `${reference} ${recipient}`;
    const lease = this.leases.get(key);
    if (!this.grants.has(key) && lease === undefined) return Promise.resolve({ granted: false, reason: 'NO_GRANT' });
    const instances = [1, 2].map((n) => ({ id: `${reference}-${String(n)}`, sopInstanceUid: `1.2.${String(n)}`, instanceNumber: n, fileSize: 8 }));
    return Promise.resolve(lease === undefined ? { granted: true, reference, instances } : { granted: true, reference, instances, breakGlass: lease });
  }

  openInstance(instance: { readonly id: string }): Promise<Readable> {
    return Promise.resolve(Readable.from([Buffer.from(`DICM:${instance.id}`)]));
  }

  async pipeInstance(file: Readable, out: NodeJS.WritableStream): Promise<number> {
    let size = 0;
    for await (const chunk of file) {
      size += (chunk as Buffer).length;
      out.write(chunk as Buffer);
    }
    return size;
  }

  recordRelease(d: {
    readonly study: string;
    readonly recipient: string;
    readonly size: number;
    readonly encrypted?: boolean;
    readonly breakGlass?: string;
  }): void {
    this.released.push({
      study: d.study,
      recipient: d.recipient,
      size: d.size,
      encrypted: d.encrypted === true,
      ...(d.breakGlass === undefined ? {} : { breakGlass: d.breakGlass }),
    });
  }

  flushDisclosures(): void {
    // Nothing to flush: releases are kept in memory.
  }
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) =>
    probe.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface Harness {
  readonly server: ImageSourceServer;
  readonly release: FakeRelease;
  readonly port: number;
  /** The registered URL, e.g. https://127.0.0.1:40123 */
  readonly url: string;
  readonly ca: Buffer;
  close(): Promise<void>;
}

/** A real HTTPS image-source server on 127.0.0.1 with a self-signed certificate and a fake release. */
export async function startImageSource(options: Partial<Omit<ImageSourceServerOptions, 'tls' | 'release'>> = {}): Promise<Harness> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  const port = await freePort();
  const release = new FakeRelease();
  const url = `https://127.0.0.1:${String(port)}`;
  const server = new ImageSourceServer({
    sourceId: 'source-under-test',
    publicUrl: url,
    tls: { cert: Buffer.from(pems.cert), key: Buffer.from(pems.private) },
    release,
    log: () => undefined,
    ...options,
  });
  await server.listen(port);
  return { server, release, port, url, ca: Buffer.from(pems.cert), close: () => server.close() };
}

export type Answer = HttpAnswer;

/** One HTTPS request with the request-target sent exactly as given (origin-form, absolute-form, anything). */
export function send(h: Harness, method: string, requestTarget: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Answer> {
  return fetchAnswer(`https://127.0.0.1:${String(h.port)}`, {
    method,
    path: requestTarget,
    headers,
    ca: h.ca,
    agent: false,
    timeoutMs: 30_000,
    ...(body ? { body } : {}),
  });
}
