import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Consortium, FabricHome, loadTopology, memberHomeOf, type NetworkStatus, projectRoot } from '@isl/network';
import { describeServices } from './service-directory';
import { startupSummary } from './startup-summary';

/** What npm start prints: every organisation's endpoints, image sources and PACS included (issue 11 item 16). */
describe("npm start's summary", () => {
  // Ports nobody listens on: the summary is made from the topology, whatever answers.
  const topology = loadTopology(join(projectRoot, 'test-network-config', 'topology.yaml'), 31_000);
  let runDir: string;
  let summary: string;

  before(async () => {
    runDir = mkdtempSync(join(tmpdir(), 'isl-summary-'));
    const consortium = new Consortium({ topology, fabric: new FabricHome(''), runDir });
    const status: NetworkStatus = {
      orderers: [],
      peers: [],
      chaincode: { name: topology.chaincode.name, version: null, sequence: null, endorsementPolicy: null },
      processes: [],
      projectNode: 'v24.0.0',
    };
    summary = startupSummary({
      topology,
      status,
      services: await describeServices(consortium.connectionProfile(), consortium.layout.connectionProfile),
      elapsedMs: 1_000,
      nodeVersion: 'v24.0.0',
      connectionProfile: consortium.layout.connectionProfile,
      memberTokens: join(memberHomeOf(runDir, '<org>'), 'orgs', '<org>', 'gateway', 'member-token'),
      logs: join(memberHomeOf(runDir, '<org>'), 'logs'),
    });
  });

  after(() => {
    rmSync(runDir, { recursive: true, force: true });
  });

  it("lists every organisation's image source: the ITI-43, RAD-69 and WADO-RS URLs and the TLS CA to trust", () => {
    for (const org of topology.organisations) {
      const url = `https://127.0.0.1:${String(org.imageSource.port)}`;
      assert.ok(summary.includes(`ITI-43 POST ${url} `), `${org.mspId} ITI-43 in:\n${summary}`);
      assert.ok(summary.includes(`RAD-69 POST ${url}/rad69 `), `${org.mspId} RAD-69`);
      assert.ok(summary.includes(`WADO-RS GET ${url}/studies/{study} `), `${org.mspId} WADO-RS`);
      assert.ok(summary.includes(join(memberHomeOf(runDir, org.name), 'orgs', org.name, 'identities', 'image-source')), `${org.mspId} TLS CA`);
    }
  });

  it("lists every organisation's Orthanc: REST, DICOMweb, DICOM and where its credentials are", () => {
    for (const org of topology.organisations) {
      const http = `http://127.0.0.1:${String(org.orthancHttp.port)}`;
      assert.ok(
        summary.includes(`Orthanc (PACS)  ${http}   DICOMweb ${http}/dicom-web/   DICOM 127.0.0.1:${String(org.orthancDicom.port)}`),
        `${org.mspId} Orthanc in:\n${summary}`,
      );
      assert.ok(
        summary.includes(join(memberHomeOf(runDir, org.name), 'orgs', org.name, 'image-source', 'orthanc', 'credentials.json')),
        `${org.mspId} credentials`,
      );
    }
  });

  it("prints each gateway's web portal URL (issue 16)", () => {
    for (const org of topology.organisations) {
      assert.ok(summary.includes(`web portal      http://127.0.0.1:${String(org.gateway.port)}/portal/ `), `${org.mspId} portal in:\n${summary}`);
    }
  });

  it('still lists each gateway, CA, orderer and peer, and the Node it runs on', () => {
    for (const org of topology.organisations) {
      assert.ok(summary.includes(`gateway (REST)  http://127.0.0.1:${String(org.gateway.port)}/api/v1`), org.mspId);
      assert.ok(summary.includes(`CA              https://127.0.0.1:${String(org.ca.endpoint.port)}`), org.mspId);
      for (const p of org.peers) {
        assert.ok(summary.includes(p.name), p.name);
      }
    }
    assert.match(summary, /Node v24\.0\.0\./);
  });
});
