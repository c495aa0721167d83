import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** Where the Debian packages put Orthanc and its DICOMweb plugin (override with env). */
export const ORTHANC_BINARY = process.env.ISL_ORTHANC_BIN ?? '/usr/sbin/Orthanc';
const DICOMWEB_PLUGIN = process.env.ISL_ORTHANC_DICOMWEB_PLUGIN ?? '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export interface OrthancCredentials {
  readonly username: string;
  readonly password: string;
}

const credentialsSchema = z.strictObject({ username: z.string().min(1), password: z.string().min(16) });

/** The files of one organisation's Orthanc under the run folder. */
export class OrthancFiles {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }
  get config(): string {
    return join(this.dir, 'orthanc.json');
  }
  get credentials(): string {
    return join(this.dir, 'credentials.json');
  }
  get storage(): string {
    return join(this.dir, 'storage');
  }
}

export interface OrthancConfigOptions {
  readonly files: OrthancFiles;
  readonly name: string;
  readonly httpPort: number;
  readonly dicomPort: number;
  readonly aet: string;
}

/**
 * The Orthanc credentials, made on first use (random password, file mode
 * 0600): Orthanc runs with authentication on, and only this organisation's
 * image-source service and operators read the file.
 */
export function orthancCredentials(files: OrthancFiles): OrthancCredentials {
  if (existsSync(files.credentials)) {
    return credentialsSchema.parse(JSON.parse(readFileSync(files.credentials, 'utf8')));
  }
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  const created = { username: 'isl-image-source', password: randomBytes(24).toString('base64url') };
  writeFileSync(files.credentials, JSON.stringify(created), { mode: 0o600, flag: 'wx' });
  return created;
}

/**
 * Writes Orthanc's configuration: HTTP with authentication, remote access
 * refused (Orthanc 1.10 has no bind-address option, so this is what keeps it
 * to loopback), a DICOM listener that admits no modality, and the DICOMweb
 * plugin. Returns the credentials the configuration registers.
 */
export function writeOrthancConfig(options: OrthancConfigOptions): OrthancCredentials {
  const { files } = options;
  const credentials = orthancCredentials(files);
  mkdirSync(files.storage, { recursive: true, mode: 0o700 });
  const config = {
    Name: options.name,
    StorageDirectory: files.storage,
    IndexDirectory: files.storage,
    StorageCompression: false,
    Plugins: [DICOMWEB_PLUGIN],
    HttpServerEnabled: true,
    HttpPort: options.httpPort,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [credentials.username]: credentials.password },
    SslEnabled: false,
    HttpCompressionEnabled: false,
    HttpDescribeErrors: true,
    KeepAlive: true,
    DicomServerEnabled: true,
    DicomPort: options.dicomPort,
    DicomAet: options.aet,
    DicomCheckCalledAet: true,
    DicomAlwaysAllowEcho: false,
    DicomAlwaysAllowStore: false,
    DicomAlwaysAllowFind: false,
    DicomAlwaysAllowGet: false,
    DicomAlwaysAllowMove: false,
    DicomModalities: {},
    OrthancPeers: {},
    ExecuteLuaEnabled: false,
    RestApiWriteToFileSystemEnabled: false,
    OverwriteInstances: false,
    SaveJobs: false,
    DicomWeb: {
      Enable: true,
      Root: '/dicom-web/',
      EnableWado: false,
      Ssl: false,
      Host: `127.0.0.1:${String(options.httpPort)}`,
    },
  };
  writeFileSync(files.config, JSON.stringify(config, null, 2), { mode: 0o600 });
  return credentials;
}
