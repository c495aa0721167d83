import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

const fileSchema = z.object({ tokens: z.array(z.object({ name: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), issuedAt: z.string() })) });

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * Bearer tokens the organisation issues to its own systems. Only their SHA-256
 * digests are stored; a token is shown once, when issued.
 */
export class TokenStore {
  readonly #file: string;
  #digests: { name: string; sha256: Buffer }[];

  constructor(file: string) {
    this.#file = file;
    this.#digests = existsSync(file)
      ? fileSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).tokens.map((t) => ({ name: t.name, sha256: Buffer.from(t.sha256, 'hex') }))
      : [];
  }

  /** Issues a new token for `name` and returns it (the only time it exists in clear). */
  issue(name: string): string {
    const token = `isl_${randomBytes(32).toString('base64url')}`;
    const entry = { name, sha256: digest(token) };
    const stored = existsSync(this.#file) ? fileSchema.parse(JSON.parse(readFileSync(this.#file, 'utf8'))).tokens : [];
    stored.push({ name, sha256: entry.sha256.toString('hex'), issuedAt: new Date().toISOString() });
    mkdirSync(dirname(this.#file), { recursive: true, mode: 0o700 });
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ tokens: stored }, null, 2), { mode: 0o600 });
    renameSync(tmp, this.#file);
    this.#digests.push(entry);
    return token;
  }

  /** The caller's name when the token is valid, else undefined (constant-time comparison). */
  verify(token: string): string | undefined {
    const d = digest(token);
    return this.#digests.find((t) => timingSafeEqual(t.sha256, d))?.name;
  }

  get size(): number {
    return this.#digests.length;
  }
}
