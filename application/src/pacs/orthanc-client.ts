import { Agent, type IncomingMessage } from 'node:http';
import { sendRequest } from '@isl/platform';
import { z } from 'zod';
import type { ManifestInstance, ManifestStudy } from './kos-manifest';
import type { OrthancCredentials } from './orthanc-config';

/** Orthanc answered with an unexpected status, or not at all. */
export class OrthancError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OrthancError';
    this.status = status;
  }
}

export interface OrthancInstance {
  /** Orthanc's own identifier (not a DICOM UID). */
  readonly id: string;
  readonly sopInstanceUid: string;
  readonly instanceNumber: number;
  readonly fileSize: number;
}

const storedSchema = z.object({ ID: z.string(), Status: z.string(), ParentStudy: z.string() });
const lookupSchema = z.array(z.object({ ID: z.string(), Type: z.string() }));
const instancesSchema = z.array(
  z.object({
    ID: z.string(),
    FileSize: z.number().optional(),
    MainDicomTags: z.object({ SOPInstanceUID: z.string(), InstanceNumber: z.string().optional() }),
  }),
);

const studySchema = z.object({
  MainDicomTags: z.record(z.string(), z.string()),
  PatientMainDicomTags: z.record(z.string(), z.string()),
});
const seriesSchema = z.array(z.object({ ID: z.string(), MainDicomTags: z.object({ SeriesInstanceUID: z.string() }) }));
const seriesInstancesSchema = z.array(z.object({ ID: z.string(), ParentSeries: z.string(), MainDicomTags: z.object({ SOPInstanceUID: z.string() }) }));
const metadataSchema = z.object({ SopClassUid: z.string(), TransferSyntax: z.string() });
/**
 * Orthanc 1.10 announces "Keep-Alive: timeout=1" but closes an idle connection after 500 ms (its
 * civetweb keep_alive_timeout_ms; configurable only from Orthanc 1.11.3). Node's agents keep a
 * connection for the announced timeout less a 1 s buffer, that is not at all: every instance of a
 * release cost a TCP connect and close (a sixth of the image source's CPU in a profile of a
 * 200-instance release). A 900 ms buffer keeps an idle connection 100 ms, enough for back-to-back
 * requests and well inside Orthanc's 500 ms; a GET (or an idempotent POST: a store, a lookup) that
 * still meets a connection Orthanc has just closed is sent again by sendRequest.
 */
const KEEP_ALIVE_BUFFER_MS = 900;
/** Instance metadata requests to Orthanc in flight at once while a study is described. */
const DESCRIBE_CONCURRENCY = 8;

/**
 * The part of Orthanc's REST API the image source uses, over loopback HTTP
 * with basic authentication. Instance files are returned as streams so a
 * study never has to be held whole in memory.
 */
export class OrthancClient {
  readonly #base: URL;
  readonly #authorization: string;
  readonly #agent = new Agent({ keepAlive: true, agentKeepAliveTimeoutBuffer: KEEP_ALIVE_BUFFER_MS });

  constructor(baseUrl: string, credentials: OrthancCredentials) {
    this.#base = new URL(baseUrl);
    this.#authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }

  async system(): Promise<{ readonly Version: string; readonly Name: string }> {
    return z.object({ Version: z.string(), Name: z.string() }).parse(await this.#json('GET', '/system'));
  }

  /** Stores one DICOM file; Orthanc deduplicates by SOP Instance UID. Returns its study's Orthanc id. */
  async storeInstance(bytes: Uint8Array): Promise<{ readonly id: string; readonly studyId: string; readonly alreadyStored: boolean }> {
    // Idempotent: Orthanc keeps the copy it holds (OverwriteInstances false), so a store lost with a
    // reused connection is sent again (it failed a publish in the bench of 26 Nov, 09:36).
    const stored = storedSchema.parse(await this.#json('POST', '/instances', bytes, 'application/dicom', true));
    return { id: stored.ID, studyId: stored.ParentStudy, alreadyStored: stored.Status === 'AlreadyStored' };
  }

  /** The Orthanc id of the resource with this DICOM UID and level, if Orthanc holds it. */
  async lookup(uid: string, type: 'Study' | 'Instance'): Promise<string | undefined> {
    const found = lookupSchema.parse(await this.#json('POST', '/tools/lookup', Buffer.from(uid), 'text/plain', true));
    return found.find((f) => f.Type === type)?.ID;
  }

  /** The study's instances in a stable order (instance number, then SOP Instance UID). */
  async studyInstances(studyId: string): Promise<OrthancInstance[]> {
    const list = instancesSchema.parse(await this.#json('GET', `/studies/${encodeURIComponent(studyId)}/instances`));
    return list
      .map((i) => ({
        id: i.ID,
        sopInstanceUid: i.MainDicomTags.SOPInstanceUID,
        instanceNumber: Number.parseInt(i.MainDicomTags.InstanceNumber ?? '0', 10) || 0,
        fileSize: i.FileSize ?? 0,
      }))
      .sort((a, b) => a.instanceNumber - b.instanceNumber || a.sopInstanceUid.localeCompare(b.sopInstanceUid));
  }

  /**
   * What a manifest of the study names (Orthanc's study, patient and series
   * main tags, and each instance's SOP Class and Transfer Syntax metadata),
   * series and instances in a stable order.
   */
  async describeStudy(studyId: string): Promise<ManifestStudy> {
    const id = encodeURIComponent(studyId);
    const study = studySchema.parse(await this.#json('GET', `/studies/${id}`));
    const series = seriesSchema.parse(await this.#json('GET', `/studies/${id}/series`));
    const instances = seriesInstancesSchema.parse(await this.#json('GET', `/studies/${id}/instances`));
    const metadata = new Map<string, z.infer<typeof metadataSchema>>();
    for (let i = 0; i < instances.length; i += DESCRIBE_CONCURRENCY) {
      await Promise.all(
        instances.slice(i, i + DESCRIBE_CONCURRENCY).map(async (instance) => {
          metadata.set(instance.ID, metadataSchema.parse(await this.#json('GET', `/instances/${encodeURIComponent(instance.ID)}/metadata?expand`)));
        }),
      );
    }
    const bySeries = new Map<string, ManifestInstance[]>();
    for (const i of instances) {
      const meta = metadata.get(i.ID);
      const entry = { sopInstanceUid: i.MainDicomTags.SOPInstanceUID, sopClassUid: meta?.SopClassUid ?? '', transferSyntaxUid: meta?.TransferSyntax ?? '' };
      const list = bySeries.get(i.ParentSeries) ?? [];
      list.push(entry);
      bySeries.set(i.ParentSeries, list);
    }
    const tag = (tags: Record<string, string>, name: string): string => tags[name] ?? '';
    return {
      studyInstanceUid: tag(study.MainDicomTags, 'StudyInstanceUID'),
      patient: {
        name: tag(study.PatientMainDicomTags, 'PatientName'),
        id: tag(study.PatientMainDicomTags, 'PatientID'),
        birthDate: tag(study.PatientMainDicomTags, 'PatientBirthDate'),
        sex: tag(study.PatientMainDicomTags, 'PatientSex'),
      },
      study: {
        date: tag(study.MainDicomTags, 'StudyDate'),
        time: tag(study.MainDicomTags, 'StudyTime'),
        id: tag(study.MainDicomTags, 'StudyID'),
        accessionNumber: tag(study.MainDicomTags, 'AccessionNumber'),
        referringPhysicianName: tag(study.MainDicomTags, 'ReferringPhysicianName'),
      },
      series: series
        .map((s) => ({
          seriesInstanceUid: s.MainDicomTags.SeriesInstanceUID,
          instances: (bySeries.get(s.ID) ?? []).sort((a, b) => a.sopInstanceUid.localeCompare(b.sopInstanceUid)),
        }))
        .filter((s) => s.instances.length > 0)
        .sort((a, b) => a.seriesInstanceUid.localeCompare(b.seriesInstanceUid)),
    };
  }

  /** The instance's stored DICOM file as a stream (the caller must consume or destroy it). */
  async openInstanceFile(instanceId: string): Promise<IncomingMessage> {
    const res = await this.#send('GET', `/instances/${encodeURIComponent(instanceId)}/file`);
    if (res.statusCode !== 200) {
      res.resume();
      throw new OrthancError(`Orthanc answered ${String(res.statusCode)} for instance ${instanceId}`, res.statusCode);
    }
    return res;
  }

  /** The instance's stored file in memory (tests and small reads only). */
  async instanceFile(instanceId: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.openInstanceFile(instanceId)) {
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  async #json(method: string, path: string, body?: Uint8Array, contentType?: string, idempotent?: boolean): Promise<unknown> {
    const res = await this.#send(method, path, body, contentType, idempotent);
    const chunks: Buffer[] = [];
    for await (const chunk of res) {
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode >= 300) {
      throw new OrthancError(`Orthanc ${method} ${path} answered ${String(res.statusCode)}: ${text.slice(0, 200)}`, res.statusCode);
    }
    return JSON.parse(text) as unknown;
  }

  #send(method: string, path: string, body?: Uint8Array, contentType?: string, idempotent?: boolean): Promise<IncomingMessage> {
    const url = new URL(path, this.#base);
    const headers = {
      authorization: this.#authorization,
      ...(body ? { 'content-type': contentType ?? 'application/octet-stream', 'content-length': String(body.byteLength) } : {}),
    };
    return sendRequest(url, {
      method,
      headers,
      agent: this.#agent,
      timeoutMs: 30_000,
      ...(body ? { body } : {}),
      ...(idempotent === true ? { idempotent } : {}),
    }).catch((err: unknown) => {
      throw new OrthancError(`Orthanc ${method} ${path}: ${(err as Error).message}`, undefined, { cause: err });
    });
  }
}
