import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { projectNode, projectRoot, type ProcessSupervisor } from '@isl/network';
import { IMAGE_SOURCE_NODE_OPTIONS } from '../imagesource/service';
import { startServiceProcess } from './service-process';

type Started = Parameters<ProcessSupervisor['start']>[0];

function recordingSupervisor(): { supervisor: ProcessSupervisor; started: Started[] } {
  const started: Started[] = [];
  const supervisor = {
    start: (o: Started) => {
      started.push(o);
      return 1;
    },
  } as unknown as ProcessSupervisor;
  return { supervisor, started };
}

describe('launching a service', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('starts the compiled entry point on the project Node, with its settings and only the inherited basics', () => {
    process.env.ISL_MEMBER_TOKEN_OF_SOMEONE = 'secret';
    process.env.HOME = '/home/operator';
    const { supervisor, started } = recordingSupervisor();
    for (const entry of ['gateway/main', 'imagesource/main'] as const) {
      startServiceProcess(supervisor, { name: `x.${entry}`, entry, settings: { ISL_ORG: 'Hospital1MSP' } });
    }
    assert.deepEqual(
      started.map((s) => [s.name, s.command, s.args, s.cwd]),
      [
        ['x.gateway/main', projectNode(), [join(projectRoot, 'application', 'dist', 'gateway', 'main.js')], projectRoot],
        ['x.imagesource/main', projectNode(), [join(projectRoot, 'application', 'dist', 'imagesource', 'main.js')], projectRoot],
      ],
    );
    for (const s of started) {
      assert.equal(s.env.ISL_ORG, 'Hospital1MSP');
      assert.equal(s.env.HOME, '/home/operator');
      assert.equal(s.env.ISL_MEMBER_TOKEN_OF_SOMEONE, undefined, 'nothing but the basics leaks from the launching environment');
    }
  });

  it("gives a service's Node options before its entry point", () => {
    const { supervisor, started } = recordingSupervisor();
    startServiceProcess(supervisor, { name: 'x', entry: 'imagesource/main', nodeOptions: IMAGE_SOURCE_NODE_OPTIONS, settings: {} });
    assert.deepEqual(started[0]?.args, ['--max-semi-space-size=2', join(projectRoot, 'application', 'dist', 'imagesource', 'main.js')]);
  });

  it('refuses to start a service that is not built, naming the missing file', () => {
    const { supervisor, started } = recordingSupervisor();
    assert.throws(() => {
      startServiceProcess(supervisor, { name: 'ghost', entry: 'ghost/main' as 'gateway/main', settings: {} });
    }, /ghost: .*application\/dist\/ghost\/main\.js is missing/);
    assert.equal(started.length, 0);
  });
});
