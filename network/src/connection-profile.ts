import { readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

const endpoint = z.object({ host: z.string(), port: z.number().int() });

const profileSchema = z.object({
  channel: z.string(),
  chaincode: z.string(),
  organisations: z.array(
    z.object({
      name: z.string(),
      mspId: z.string(),
      description: z.string(),
      ca: z.object({ url: z.string(), name: z.string(), caCert: z.string() }),
      peers: z.array(z.object({ name: z.string(), endpoint, tlsCaCert: z.string() })),
      gateway: endpoint,
      imageSource: endpoint,
      /** The image source's PACS; absent in profiles written before it existed (then imageSource port +1, +2). */
      orthanc: z.object({ http: endpoint, dicom: endpoint }).optional(),
      /** The organisation's orderer and its operations endpoint (auditors read Raft figures there). */
      orderer: z.object({ name: z.string(), endpoint, operations: endpoint }).optional(),
      /** The organisation's home: the folder that holds its orgs/<name>/ files (absent: the profile's own folder). */
      home: z.string().optional(),
      client: z.object({ cert: z.string(), key: z.string(), tlsCert: z.string(), tlsKey: z.string() }),
      admin: z.object({ cert: z.string(), key: z.string(), tlsCert: z.string(), tlsKey: z.string() }),
    }),
  ),
});

/**
 * What `npm start` writes for applications and the isl CLI (zero configuration):
 * the channel, and per organisation its peers, CA and identities' files.
 */
export type ConnectionProfile = z.infer<typeof profileSchema>;
export type OrganisationProfile = ConnectionProfile['organisations'][number];

export function writeConnectionProfile(file: string, profile: ConnectionProfile): void {
  writeFileSync(file, JSON.stringify(profile, null, 2), { mode: 0o600 });
}

export function readConnectionProfile(file: string): ConnectionProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the connection profile ${file} (is the network started? run npm start): ${(err as Error).message}`);
  }
  return profileSchema.parse(raw);
}

export function organisationOf(profile: ConnectionProfile, mspIdOrName: string): OrganisationProfile {
  const org = profile.organisations.find((o) => o.mspId === mspIdOrName || o.name === mspIdOrName);
  if (!org) {
    throw new Error(`no organisation ${mspIdOrName} in the connection profile (have: ${profile.organisations.map((o) => o.mspId).join(', ')})`);
  }
  return org;
}

/** The orderers a profile names, for audits of Raft activity. */
export function orderersOf(profile: ConnectionProfile): { mspId: string; name: string; operations: { host: string; port: number } }[] {
  return profile.organisations.flatMap((o) => (o.orderer ? [{ mspId: o.mspId, name: o.orderer.name, operations: o.orderer.operations }] : []));
}

/** The folder that holds an organisation's own files (orgs/<name>/…): its member home, or the profile's folder when the profile names none. */
export function organisationHome(profilePath: string, org: Pick<OrganisationProfile, 'home'>): string {
  return org.home ?? dirname(profilePath);
}
