import { execFile } from 'node:child_process';
import { type Consortium, type NetworkStatus, projectRoot } from '@isl/network';
import type { OrganisationServices } from '../services/service-directory';

export interface StatusReport extends NetworkStatus {
  readonly organisations: OrganisationServices[];
}

/** Runs `npm run --silent status`, as an operator types it, against the test network; its JSON. */
export function runStatus(consortium: Consortium): Promise<StatusReport> {
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      ['run', '--silent', 'status'],
      {
        cwd: projectRoot,
        env: { ...process.env, ISL_BASE_PORT: String(consortium.topology.basePort), ISL_RUN_DIR: consortium.layout.root },
        timeout: 90_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`npm run --silent status failed: ${err.message}\n${stderr}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as StatusReport);
        } catch (parseError) {
          reject(new Error(`npm run --silent status printed no JSON (${String(parseError)}):\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}
