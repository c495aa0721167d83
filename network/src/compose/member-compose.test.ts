import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FabricHome } from '../fabric-home';
import { Member } from '../member/member';
import { memberConfigFormat } from '../member/member-config';
import { MemberError } from '../member/member-error';
import { MemberHome } from '../member/member-home';
import { MemberCompose } from './member-compose';

describe('a member compose file, from a home that is not initialised', () => {
  let root: string;
  // Never reached: the refusals come before any Fabric configuration is read.
  const fabric = new FabricHome('/nonexistent-fabric-home');

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'isl-member-compose-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const refusedAsNotInitialised = (err: unknown): boolean => {
    assert.ok(err instanceof MemberError, String(err));
    assert.equal(err.code, 'MEMBER_NOT_INITIALISED');
    return true;
  };

  it('refuses an empty folder with MEMBER_NOT_INITIALISED, naming its member.yaml', () => {
    const home = new MemberHome(join(root, 'home'));
    assert.throws(
      () => new MemberCompose({ member: new Member({ home, fabric }), fabric }).write(),
      (err: unknown) => refusedAsNotInitialised(err) && (err as Error).message.includes(home.config),
    );
    assert.equal(existsSync(join(home.root, 'docker-compose.yaml')), false);
  });

  it('refuses a home whose init did not finish enrolling (its CA never answered) and writes nothing', () => {
    const home = new MemberHome(join(root, 'home'));
    Member.create(home, {
      format: memberConfigFormat,
      organisation: { name: 'hospital1', mspId: 'Hospital1MSP', description: 'Northside', peers: 1 },
      address: '127.0.13.1',
      basePort: 7000,
      logging: 'WARN',
    });
    const compose = new MemberCompose({ member: new Member({ home, fabric }), fabric });
    assert.throws(
      () => compose.write(),
      (err: unknown) => refusedAsNotInitialised(err) && /init has not finished/.test((err as Error).message),
    );
    assert.equal(existsSync(compose.file), false);
    assert.equal(existsSync(compose.configDir), false);
  });
});
