import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { getTestConsortium, testNetwork } from '@isl/network/testing';
import { runStatus, type StatusReport } from '../testing/run-status';

/** `npm run --silent status` tells a client and an operator where everything is (issue 11 item 16). */
describe("npm run --silent status lists every organisation's endpoints (real network, real Orthanc)", function () {
  this.timeout(120_000);
  let status: StatusReport;

  before(async () => {
    status = await runStatus(getTestConsortium());
  });

  it('has one entry per organisation, with its gateway', () => {
    const { topology } = getTestConsortium();
    assert.deepEqual(
      status.organisations.map((o) => o.org),
      topology.organisations.map((o) => o.mspId),
    );
    for (const org of topology.organisations) {
      const entry = status.organisations.find((o) => o.org === org.mspId);
      assert.equal(entry?.gateway.api, `http://127.0.0.1:${String(org.gateway.port)}/api/v1`);
    }
  });

  it("gives each image source's ITI-43 URL as the URL its DefineSource registered on the ledger, and its RAD-69 and WADO-RS URLs", async () => {
    for (const entry of status.organisations) {
      assert.ok(entry.imageSource.source, `${entry.org}'s image source answered /healthz with its source key id`);
      const connection = await testNetwork().connect(entry.org);
      try {
        const record = JSON.parse(Buffer.from(await connection.contract.evaluateTransaction('GetSource', entry.imageSource.source)).toString('utf8')) as {
          url: string;
          org: string;
        };
        assert.equal(record.org, entry.org);
        assert.equal(entry.imageSource.iti43, record.url, `${entry.org} ITI-43`);
        assert.equal(entry.imageSource.wadoRs, `${record.url}/studies/{study}`, `${entry.org} WADO-RS`);
        assert.equal(entry.imageSource.rad69, `${record.url}/rad69`, `${entry.org} RAD-69`);
      } finally {
        connection.close();
      }
    }
  });

  it("gives each Orthanc's REST and DICOMweb URLs and credentials file, which let an operator in", async () => {
    for (const entry of status.organisations) {
      const { username, password } = JSON.parse(readFileSync(entry.orthanc.credentials, 'utf8')) as { username: string; password: string };
      const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
      const system = await fetch(`${entry.orthanc.http}/system`, { headers: { authorization }, signal: AbortSignal.timeout(10_000) });
      assert.equal(system.status, 200, `${entry.org} Orthanc /system`);
      assert.equal(
        (await fetch(`${entry.orthanc.http}/system`, { signal: AbortSignal.timeout(10_000) })).status,
        401,
        `${entry.org} Orthanc refuses without credentials`,
      );
      const studies = await fetch(`${entry.orthanc.dicomWeb}studies`, {
        headers: { authorization, accept: 'application/dicom+json' },
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(studies.status, 200, `${entry.org} DICOMweb QIDO-RS`);
      assert.match(entry.orthanc.dicom, /^127\.0\.0\.1:\d+$/);
    }
  });
});
