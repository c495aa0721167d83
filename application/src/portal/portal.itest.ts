import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import puppeteer, { type ElementHandle, type Page as FirefoxPage } from 'puppeteer-core';
import type { Organisation } from '@isl/network';
import { projectRoot, waitFor } from '@isl/network';
import { getTestConsortium } from '@isl/network/testing';
import { fetchAnswer } from '@isl/platform';
import { y4mStill } from '../testing/fake-camera';
import { runIsl } from '../testing/run-isl';
import { getTestServices } from '../testing/root-hooks';

const PATIENT_ORG = 'Hospital1MSP';
/** Screenshots of each page, for people to look at (git-ignored). */
const ARTEFACTS = join(projectRoot, 'test-artefacts', 'portal');
const CHROMIUM = process.env.ISL_CHROMIUM ?? '/usr/bin/chromium';
/**
 * Debian's Firefox ESR, driven over WebDriver BiDi by puppeteer-core: playwright-core
 * drives only its own patched Firefox (Juggler), and its BiDi Firefox (channel
 * moz-firefox) asks this Firefox for emulation.setMediaFeaturesOverride, which it
 * does not know (docs/portal.md, Browsers).
 */
const FIREFOX = process.env.ISL_FIREFOX ?? '/usr/bin/firefox-esr';

interface Access {
  readonly allowed: boolean;
  readonly reason?: string;
}

/**
 * Luminance spread of a PNG, measured in the page (the browser decodes it).
 * Browser code as text: this file is compiled for Node, without DOM types.
 */
const PIXEL_STATS = `async (b64) => {
  const img = new Image();
  img.src = 'data:image/png;base64,' + b64;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const { data } = ctx.getImageData(0, 0, img.width, img.height);
  const values = [];
  for (let i = 0; i < data.length; i += 4) values.push(Math.round(0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2]));
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
  return { mean, std, distinct: new Set(values).size };
}`;

/**
 * The picture a camera held up to an image of the page would see: the image
 * scaled (no smoothing) onto a white 640×480 frame, as luma, base64.
 */
const CAMERA_FRAME = `async (selector) => {
  const img = document.querySelector(selector);
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 480;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, 640, 480);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(img, 120, 40, 400, 400);
  const { data } = ctx.getImageData(0, 0, 640, 480);
  let luma = '';
  for (let i = 0; i < data.length; i += 4) luma += String.fromCharCode(Math.round(0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]));
  return btoa(luma);
}`;

async function pixelStats(page: Page, png: Buffer): Promise<{ mean: number; std: number; distinct: number }> {
  return page.evaluate(`(${PIXEL_STATS})(${JSON.stringify(png.toString('base64'))})`);
}

/** axe-core's run in the page: the serious and critical violations, as "rule (nodes)". */
const AXE_SERIOUS = `axe.run().then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ' (' + v.nodes.length + ')'))`;

describe('the web portal in Chromium: patient, clinician and auditor pages (real network, real image source)', function () {
  this.timeout(600_000);
  let browser: Browser | undefined;
  /** The patient's browser in the first test: its camera films the clinician's QR code. */
  let cameraBrowser: Browser | undefined;
  let work: string;
  let patientOrg: Organisation;
  let clinicianOrg: Organisation;
  let published: { reference: string; source: string };
  const patientWallet = { file: '', passphrase: 'patient portal passphrase', recoveryCode: '' };
  const cspViolations: string[] = [];

  const org = (mspId: string): Organisation => {
    const found = getTestConsortium().topology.organisations.find((o) => o.mspId === mspId);
    assert.ok(found, mspId);
    return found;
  };
  const portal = (o: Organisation, page: string): string => `${getTestServices().gatewayUrl(o)}/portal/#${page}`;

  /** A page of the portal, as a person opens it: its own browser context (nothing shared with the other roles). */
  const open = async (o: Organisation, page: string, token: string, using = browser): Promise<{ context: BrowserContext; page: Page }> => {
    assert.ok(using);
    // The image sources' TLS certificates come from the consortium's CAs, which this test browser does not trust.
    const context = await using.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 1400 } });
    const p = await context.newPage();
    p.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
    // The first load of the bundle on a busy machine can be slow: bounded, not tight.
    await p.goto(portal(o, page), { timeout: 120_000 });
    await p.fill('#token', token);
    return { context, page: p };
  };

  /** A GET of the gateway's REST API (`path` under /api/v1/), its JSON answer. */
  const readJson = async <T>(o: Organisation, path: string, token: string, timeoutMs = 30_000): Promise<T> => {
    const answer = await fetchAnswer(new URL(`${getTestServices().gatewayUrl(o)}/api/v1/${path}`), {
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
      timeoutMs,
    });
    return JSON.parse(answer.body.toString()) as T;
  };

  /** A chart's numbers as the page shows them (its data table): [label, value] rows. */
  const chartRows = async (page: Page, chart: string): Promise<[string, number][]> => {
    const rows = page.locator(`#${chart} .chart-data tr`);
    const drawn: [string, number][] = [];
    for (let i = 0; i < (await rows.count()); i++) {
      drawn.push([(await rows.nth(i).locator('th').textContent()) ?? '', Number(await rows.nth(i).locator('td').textContent())]);
    }
    return drawn;
  };

  /** CheckAccess at an organisation's peer, read through its gateway. */
  const access = async (o: Organisation, recipient: string): Promise<Access> => {
    const url = `${getTestServices().gatewayUrl(o)}/api/v1/access?source=${published.source}&study=${published.reference}&recipient=${recipient}`;
    const answer = await fetchAnswer(new URL(url), {
      method: 'GET',
      headers: { authorization: `Bearer ${getTestServices().memberToken(o)}` },
      timeoutMs: 30_000,
    });
    return JSON.parse(answer.body.toString()) as Access;
  };

  /** The study's access requests at an organisation's peer. */
  const requests = async (o: Organisation): Promise<{ recipient: string; status: string }[]> => {
    const url = `${getTestServices().gatewayUrl(o)}/api/v1/sources/${published.source}/studies/${published.reference}/requests`;
    const answer = await fetchAnswer(new URL(url), {
      method: 'GET',
      headers: { authorization: `Bearer ${getTestServices().memberToken(o)}` },
      timeoutMs: 30_000,
    });
    return JSON.parse(answer.body.toString()) as { recipient: string; status: string }[];
  };

  const shot = async (page: Page, name: string): Promise<void> => {
    await page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: true });
  };

  before(async function () {
    assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: scripts/bootstrap.sh installs Debian's chromium (or set ISL_CHROMIUM)`);
    assert.ok(existsSync(join(projectRoot, 'portal', 'dist', 'index.html')), 'the portal is not built: npm run build -w portal');
    mkdirSync(ARTEFACTS, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'isl-portal-'));
    patientOrg = org(PATIENT_ORG);
    clinicianOrg = getTestConsortium().topology.organisations.find((o) => o.mspId !== PATIENT_ORG) ?? patientOrg;
    // The patient's wallet is made by the isl CLI (default scrypt cost), then opened in the browser.
    patientWallet.file = join(work, 'patient-wallet.json');
    const env = { ISL_WALLET: patientWallet.file, ISL_WALLET_PASSPHRASE: patientWallet.passphrase };
    const run = (args: string[]): Promise<unknown> => runIsl(args, { profile: getTestConsortium().layout.connectionProfile, org: PATIENT_ORG, env });
    patientWallet.recoveryCode = ((await run(['wallet', 'create'])) as { recoveryCode: string }).recoveryCode;
    const seeded = (await run(['pacs', 'seed', '--instances', '4', '--out', join(work, 'study')])) as { folder: string };
    published = (await run(['publish', seeded.folder])) as { reference: string; source: string };
    // Root in a container: Chromium's sandbox needs user namespaces it may not have.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    await cameraBrowser?.close();
  });

  /** A Chromium whose (fake) camera films `selector` of `page` held up in front of it. */
  const filming = async (page: Page, selector: string): Promise<Browser> => {
    const luma = Buffer.from(await page.evaluate<string>(`(${CAMERA_FRAME})(${JSON.stringify(selector)})`), 'base64');
    const video = join(work, 'camera.y4m');
    writeFileSync(video, y4mStill(new Uint8Array(luma), 640, 480));
    return chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
    });
  };

  it('the patient grants a clinician with a CLI-made wallet; the viewer draws the study; after revocation the clinician is refused', async () => {
    const services = getTestServices();
    const clinician = await open(clinicianOrg, 'clinician', services.memberToken(clinicianOrg));

    // The clinician makes a wallet and a recipient key in the browser; the page shows it with a QR code.
    await clinician.page.fill('input[name="Clinician-new-passphrase"]', 'clinician portal passphrase');
    await clinician.page.click('text=Create a new wallet');
    await clinician.page.waitForSelector('text=New wallet created');
    await clinician.page.click('text=Make a new recipient key');
    const keyId = (await clinician.page.textContent('#recipient-key-id', { timeout: 60_000 })) ?? '';
    assert.match(keyId, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(await clinician.page.isVisible('img[alt^="QR code of key id"]'));
    // The patient's device has a camera that sees the clinician's QR code (the page's own image).
    cameraBrowser = await filming(clinician.page, 'img[alt^="QR code of key id"]');
    const patient = await open(patientOrg, 'patient', services.memberToken(patientOrg), cameraBrowser);

    // The clinician asks for access (a RequestAccess signed in the browser, relayed at the clinician's gateway).
    await clinician.page.fill('#request-source', published.source);
    await clinician.page.fill('#request-study', published.reference);
    await clinician.page.selectOption('#request-purpose', 'COC');
    await clinician.page.click('text=Sign and send request');
    await clinician.page.waitForSelector('text=Request recorded in block', { timeout: 60_000 });
    await waitFor('the request at the patient organisation’s peer', async () => (await requests(patientOrg)).some((r) => r.recipient === keyId) || false, {
      timeoutMs: 30_000,
    });

    // The patient opens the CLI's wallet file and finds the study it published.
    await patient.page.setInputFiles('input[name="Patient-wallet-file"]', patientWallet.file);
    await patient.page.fill('input[name="Patient-passphrase"]', patientWallet.passphrase);
    await patient.page.click('text=Open wallet');
    await patient.page.click(`button[aria-label="Manage study ${published.reference.slice(0, 8)}"]`, { timeout: 120_000 });
    await patient.page.waitForSelector('#grant-form');

    // Grant: a plain-words preview of exactly what is signed, then sign in the browser and relay.
    // The pending request fills the grant form (its key and purpose); the patient picks the end date.
    await patient.page.click(`button[aria-label="Grant ${keyId.slice(0, 8)}"]`);
    assert.equal(await patient.page.inputValue('#grant-recipient'), keyId);
    assert.equal(await patient.page.inputValue('#grant-purpose'), 'COC');
    // The key can also be scanned from the clinician's QR code with the camera: exactly that key fills the field.
    await patient.page.fill('#grant-recipient', '');
    await patient.page.click('text=Scan the QR code with the camera');
    // Until the field holds a key, or the page says why it cannot (then the assertion below shows that message).
    const scanned = await waitFor(
      'the scanned key in the recipient field, or a message next to it',
      async () => (await patient.page.inputValue('#grant-recipient')) || (await patient.page.textContent('#grant-recipient-error')) || false,
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    assert.equal(scanned, keyId);
    assert.equal(await patient.page.inputValue('#grant-recipient'), keyId);
    assert.equal(await patient.page.locator('#grant-camera video').count(), 0, 'the camera is turned off once the code is read');
    assert.equal((await patient.page.textContent('#grant-recipient-error')) ?? '', '');
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await patient.page.fill('#grant-until', until);
    await patient.page.selectOption('#grant-purpose', 'TREAT');
    await patient.page.click('#grant-form >> text=Review');
    const preview = (await patient.page.textContent('.preview-sentence')) ?? '';
    assert.ok(preview.includes(keyId) && preview.includes(published.reference) && preview.includes(published.source), preview);
    assert.match(preview, /for treatment, until/);
    await patient.page.click('text=Sign and send');
    await patient.page.waitForSelector('#grants >> text=until', { timeout: 60_000 });
    assert.deepEqual(
      (await requests(patientOrg)).filter((r) => r.recipient === keyId).map((r) => r.status),
      ['allowed'],
      'the grant answered the request',
    );
    await shot(patient.page, 'patient');

    // The clinician's gateway's peer has the grant: open the study; the viewer draws it.
    await waitFor('the grant at the clinician organisation’s peer', async () => (await access(clinicianOrg, keyId)).allowed || false, { timeoutMs: 30_000 });
    await clinician.page.fill('#open-source', published.source);
    await clinician.page.fill('#open-study', published.reference);
    await clinician.page.click('text=Open study');
    await clinician.page.waitForSelector('#viewer[data-state="drawn"]', { timeout: 120_000 });
    await clinician.page.waitForSelector('text=Study open: 4 images');
    const viewer = clinician.page.locator('#viewer');
    const stats = await waitFor(
      'the viewer to draw pixels',
      async () => {
        const s = await pixelStats(clinician.page, await viewer.screenshot());
        return s.std > 5 && s.distinct > 16 ? s : false;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    assert.ok(stats.std > 5, `the canvas is not blank: ${JSON.stringify(stats)}`);
    await shot(clinician.page, 'clinician');

    // Revoke: preview, sign, relay; the clinician's next attempt shows a clear refusal, not a broken viewer.
    await patient.page.click(`button[aria-label="Revoke ${keyId.slice(0, 8)}"]`);
    const revokePreview = (await patient.page.textContent('.preview-sentence')) ?? '';
    assert.match(revokePreview, /You stop recipient/);
    await patient.page.click('text=Sign and send');
    await patient.page.waitForSelector('#grants >> text=revoked', { timeout: 60_000 });
    await waitFor('the revocation at the clinician organisation’s peer', async () => !(await access(clinicianOrg, keyId)).allowed || false, {
      timeoutMs: 30_000,
    });
    await clinician.page.click('text=Open study');
    await clinician.page.waitForSelector('text=the patient revoked your access', { timeout: 60_000 });
    assert.equal(await clinician.page.getAttribute('#viewer', 'data-state'), 'empty');
    await shot(clinician.page, 'clinician-refused');

    // The release is in the patient's accounting of disclosures, shown as a timeline.
    // The image source records the release in the background: reopen the study until the timeline shows it.
    // Each reopen first clears the study's detail, so count only once it has loaded again (either form of the section).
    await patient.page.click('text=Refresh');
    const released = patient.page.locator('#disclosures li');
    await waitFor(
      'the release in the disclosures timeline',
      async () => {
        await patient.page.click(`button[aria-label="Manage study ${published.reference.slice(0, 8)}"]`);
        await released.or(patient.page.getByText('Never released.')).first().waitFor({ timeout: 30_000 });
        return (await released.count()) > 0 || false;
      },
      { timeoutMs: 60_000, intervalMs: 2_000 },
    );
    await clinician.context.close();
    await patient.context.close();
    assert.deepEqual(cspViolations, []);
  });

  it('bad input gets a message next to its field and nothing is signed', async () => {
    const services = getTestServices();
    const patient = await open(patientOrg, 'patient', services.memberToken(patientOrg));
    await patient.page.setInputFiles('input[name="Patient-wallet-file"]', patientWallet.file);
    await patient.page.fill('input[name="Patient-passphrase"]', 'not the passphrase');
    await patient.page.click('text=Open wallet');
    await patient.page.waitForSelector('text=Wrong passphrase for this wallet.', { timeout: 60_000 });
    assert.equal(await patient.page.getAttribute('input[name="Patient-passphrase"]', 'aria-invalid'), 'true');

    await patient.page.fill('input[name="Patient-passphrase"]', patientWallet.passphrase);
    await patient.page.click('text=Open wallet');
    await patient.page.click(`button[aria-label="Manage study ${published.reference.slice(0, 8)}"]`, { timeout: 120_000 });
    await patient.page.fill('#grant-recipient', 'not-a-key');
    await patient.page.fill('#grant-until', '2020-01-01');
    await patient.page.click('#grant-form >> text=Review');
    assert.match((await patient.page.textContent('#grant-recipient-error')) ?? '', /not a key id/);
    assert.match((await patient.page.textContent('#grant-until-error')) ?? '', /in the past/);
    assert.equal(await patient.page.locator('.preview').count(), 0, 'nothing offered for signing');
    // This browser has no camera for the page (none, or not allowed): said next to the field; pasting still works.
    await patient.page.click('text=Scan the QR code with the camera');
    await patient.page.waitForSelector('#grant-recipient-error >> text=/camera/', { timeout: 30_000 });
    assert.match((await patient.page.textContent('#grant-recipient-error')) ?? '', /Paste the key id instead/);
    assert.equal(await patient.page.getAttribute('#grant-recipient', 'aria-invalid'), 'true');
    await shot(patient.page, 'patient-bad-input');

    // A gateway that stops answering: the relay fails at the network level; the form says so, and the ledger has no new grant.
    const grantsUrl = `${services.gatewayUrl(patientOrg)}/api/v1/sources/${published.source}/studies/${published.reference}/grants`;
    const grants = async (): Promise<number> =>
      (
        JSON.parse(
          (
            await fetchAnswer(new URL(grantsUrl), {
              method: 'GET',
              headers: { authorization: `Bearer ${services.memberToken(patientOrg)}` },
              timeoutMs: 30_000,
            })
          ).body.toString(),
        ) as unknown[]
      ).length;
    const before = await grants();
    await patient.page.route('**/api/v1/grants', (route) => route.abort('connectionrefused'));
    await patient.page.fill('#grant-recipient', published.source);
    await patient.page.fill('#grant-until', new Date(Date.now() + 86_400_000).toISOString().slice(0, 10));
    await patient.page.click('#grant-form >> text=Review');
    await patient.page.click('text=Sign and send');
    await patient.page.waitForSelector('text=The gateway does not answer', { timeout: 30_000 });
    assert.equal(await grants(), before, 'nothing reached the ledger');
    await patient.context.close();
  });

  it('works in Firefox too: a clinician key, the patient opens the CLI wallet, signs and relays a grant; the auditor charts are drawn', async () => {
    assert.ok(existsSync(FIREFOX), `no Firefox at ${FIREFOX}: scripts/bootstrap.sh installs Debian's firefox-esr (or set ISL_FIREFOX)`);
    const services = getTestServices();
    const firefox = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      timeout: 60_000,
      defaultViewport: { width: 1100, height: 1400 },
      protocolTimeout: 300_000,
    });
    /** Text of the first element `selector` matches (this file has no DOM types: the page evaluates a string). */
    const text = (page: FirefoxPage, selector: string): Promise<string> =>
      page.evaluate(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? ''`) as Promise<string>;
    const openIn = async (o: Organisation, name: string, token: string): Promise<FirefoxPage> => {
      const page = await (await firefox.createBrowserContext()).newPage();
      // As in Chromium: the first load of the bundle on a busy machine can be slow.
      page.setDefaultTimeout(120_000);
      await page.goto(portal(o, name));
      await page.locator('#token').fill(token);
      return page;
    };
    try {
      assert.match(await firefox.version(), /firefox/i);
      const clinician = await openIn(clinicianOrg, 'clinician', services.memberToken(clinicianOrg));
      await clinician.locator('input[name="Clinician-new-passphrase"]').fill('firefox clinician passphrase');
      await clinician.locator('button::-p-text(Create a new wallet)').click();
      await clinician.waitForSelector('::-p-text(New wallet created)', { timeout: 60_000 });
      await clinician.locator('button::-p-text(Make a new recipient key)').click();
      await clinician.waitForSelector('img[alt^="QR code of key id"]', { timeout: 60_000 });
      const keyId = await text(clinician, '#recipient-key-id');
      assert.match(keyId, /^[A-Za-z0-9_-]{43}$/);

      const patient = await openIn(patientOrg, 'patient', services.memberToken(patientOrg));
      const file = (await patient.$('input[name="Patient-wallet-file"]')) as ElementHandle<HTMLInputElement> | null;
      assert.ok(file);
      await file.uploadFile(patientWallet.file);
      await patient.locator('input[name="Patient-passphrase"]').fill(patientWallet.passphrase);
      await patient.locator('button::-p-text(Open wallet)').click();
      await patient
        .locator(`button[aria-label="Manage study ${published.reference.slice(0, 8)}"]`)
        .setTimeout(120_000)
        .click();
      await patient.waitForSelector('#grant-form');
      await patient.locator('#grant-recipient').fill(keyId);
      await patient.locator('#grant-until').fill(new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10));
      await patient.locator('#grant-form button::-p-text(Review)').click();
      const preview = await text(patient, '.preview-sentence');
      assert.ok(preview.includes(keyId) && preview.includes(published.reference), preview);
      await patient.locator('button::-p-text(Sign and send)').click();
      await waitFor('the Firefox grant at the clinician organisation’s peer', async () => (await access(clinicianOrg, keyId)).allowed || false, {
        timeoutMs: 60_000,
      });
      // The page shows the grant it made among the study's grants.
      await waitFor('the grant in the Firefox page', async () => (await text(patient, '#grants')).includes(keyId.slice(0, 8)) || false, { timeoutMs: 60_000 });
      await patient.screenshot({ path: join(ARTEFACTS, 'firefox-patient.png'), fullPage: true });

      const auditor = await openIn(patientOrg, 'auditor', services.auditorToken(patientOrg));
      await auditor.locator('button::-p-text(Load the audit)').click();
      await auditor.waitForSelector('#chart-endorsements rect', { timeout: 300_000 });
      await auditor.waitForSelector('#chart-disclosures rect');
      assert.ok(Number(await auditor.evaluate(`document.querySelectorAll('#chart-disclosures rect').length`)) >= 30);
      await auditor.screenshot({ path: join(ARTEFACTS, 'firefox-auditor.png'), fullPage: true });
    } finally {
      await firefox.close();
    }
  });

  it('a patient who lost the wallet moves the study to a new one with the recovery code the CLI printed', async () => {
    const services = getTestServices();
    const studyUrl = `${services.gatewayUrl(patientOrg)}/api/v1/sources/${published.source}/studies/${published.reference}`;
    const owner = async (): Promise<string> => {
      const answer = await fetchAnswer(new URL(studyUrl), {
        method: 'GET',
        headers: { authorization: `Bearer ${services.memberToken(patientOrg)}` },
        timeoutMs: 30_000,
      });
      return (JSON.parse(answer.body.toString()) as { patient: string }).patient;
    };
    const before = await owner();
    const patient = await open(patientOrg, 'patient', services.memberToken(patientOrg));
    await patient.page.fill('input[name="Patient-new-passphrase"]', 'a new patient passphrase');
    await patient.page.click('text=Create a new wallet');
    await patient.page.waitForSelector('text=New wallet created', { timeout: 60_000 });
    const rotate = patient.page.locator('section', { has: patient.page.locator('#rotate-code') });
    // A typo in the code is caught by its checksum, next to the field; nothing is signed.
    await patient.page.fill(
      '#rotate-code',
      patientWallet.recoveryCode.replace(/^(.)/, (c) => (c === '0' ? '1' : '0')),
    );
    await patient.page.fill('#rotate-source', published.source);
    await patient.page.fill('#rotate-study', published.reference);
    await rotate.locator('text=Review').click();
    await patient.page.waitForSelector('#rotate-code-error >> text=look for a typo', { timeout: 30_000 });
    assert.equal(await rotate.locator('.preview').count(), 0);
    await patient.page.fill('#rotate-code', patientWallet.recoveryCode);
    await rotate.locator('text=Review').click();
    assert.match((await rotate.locator('.preview-sentence').textContent({ timeout: 60_000 })) ?? '', /You move study/);
    await rotate.locator('text=Sign and send').click();
    await patient.page.waitForSelector('text=The study is yours again', { timeout: 60_000 });
    const after = await owner();
    assert.notEqual(after, before, 'the study has a new owner key');
    // The new wallet finds the study as its own.
    await patient.page.click(`button[aria-label="Manage study ${published.reference.slice(0, 8)}"]`, { timeout: 60_000 });
    await shot(patient.page, 'patient-rotated');
    await patient.context.close();
  });

  it('the auditor page draws its charts from the live audit', async () => {
    const services = getTestServices();
    const auditor = await open(patientOrg, 'auditor', services.auditorToken(patientOrg));
    await auditor.page.click('text=Load the audit');
    await auditor.page.waitForSelector('#chart-endorsements rect', { timeout: 300_000 });
    const report = await readJson<{ organisations: { mspId: string; endorsements: number }[] }>(
      patientOrg,
      'audit',
      services.auditorToken(patientOrg),
      300_000,
    );
    const drawn = await chartRows(auditor.page, 'chart-endorsements');
    assert.deepEqual(
      drawn.map(([name]) => name),
      report.organisations.map((o) => o.mspId),
    );
    // The audit read after the page's can only have grown (a disclosure may still be recorded meanwhile).
    for (const [i, [, n]] of drawn.entries()) {
      const live = report.organisations[i]?.endorsements ?? 0;
      assert.ok(n > 0 && n <= live, `the chart shows the live audit: ${JSON.stringify(drawn)} vs ${String(live)}`);
    }

    // Disclosures per day: the chart shows the live count, which holds at least the release of the first test.
    const perDay = await readJson<{ from: string; to: string; total: number; days: { day: string; disclosures: number }[] }>(
      patientOrg,
      'audit/disclosures-per-day',
      services.auditorToken(patientOrg),
      300_000,
    );
    const ours = await readJson<{ recordedAt: string }[]>(
      patientOrg,
      `sources/${published.source}/studies/${published.reference}/disclosures`,
      services.memberToken(patientOrg),
    );
    const oursInRange = ours.filter((d) => d.recordedAt.slice(0, 10) >= perDay.from && d.recordedAt.slice(0, 10) <= perDay.to).length;
    const days = await chartRows(auditor.page, 'chart-disclosures');
    assert.deepEqual(
      days.map(([day]) => day),
      perDay.days.map((d) => d.day),
    );
    const drawnTotal = days.reduce((sum, [, n]) => sum + n, 0);
    assert.ok(
      oursInRange >= 1 && drawnTotal >= oursInRange && drawnTotal <= perDay.total,
      `drawn ${String(drawnTotal)}, ours ${String(oursInRange)}, live ${String(perDay.total)}`,
    );
    assert.equal(await auditor.page.locator('#chart-disclosures rect').count(), perDay.days.length);
    await auditor.page.fill('#history-key', `study/${published.source}/${published.reference}`);
    await auditor.page.click('text=Show history');
    await auditor.page.waitForSelector('#history li', { timeout: 60_000 });
    // The study changed owner key in the rotation test: the timeline says which field changed, from what to what.
    const study = await readJson<{ patient: string }>(
      patientOrg,
      `sources/${published.source}/studies/${published.reference}`,
      services.memberToken(patientOrg),
    );
    const versions = auditor.page.locator('#history > ol > li');
    assert.equal(await versions.count(), 2);
    assert.match((await versions.nth(0).textContent()) ?? '', /created: study/);
    const changed = (await versions.nth(1).locator('.changes').textContent()) ?? '';
    assert.match(changed, new RegExp(`patient: [A-Za-z0-9_-]{43} → ${study.patient}`), changed);
    await shot(auditor.page, 'auditor');
    await auditor.context.close();
  });

  it('axe-core finds no serious or critical violation on any page', async () => {
    const axeSource = (createRequire(__filename)('axe-core') as { source: string }).source;
    for (const page of ['patient', 'clinician', 'auditor']) {
      const p = await open(patientOrg, page, 'x');
      // Evaluated, not injected as a script element: the portal's CSP rightly refuses inline scripts.
      await p.page.evaluate(axeSource);
      const violations = await p.page.evaluate<string[]>(AXE_SERIOUS);
      assert.deepEqual(violations, [], `${page}: ${violations.join(', ')}`);
      await p.context.close();
    }
  });
});
