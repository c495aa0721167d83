/** The parts of a decoded channel configuration (configtxlator JSON) that membership changes touch. */
export interface ConfigGroup {
  version?: string;
  mod_policy?: string;
  groups?: Record<string, ConfigGroup>;
  values?: Record<string, { version?: string; mod_policy?: string; value?: unknown }>;
  policies?: Record<string, unknown>;
}

export interface ChannelConfig {
  sequence?: string;
  channel_group: ConfigGroup;
}

export interface Consenter {
  host: string;
  port: number;
  client_tls_cert: string;
  server_tls_cert: string;
}

/** A deep copy to modify: the original stays as fetched (compute_update needs both). */
export function cloneConfig(config: ChannelConfig): ChannelConfig {
  return structuredClone(config);
}

function group(config: ChannelConfig, name: 'Application' | 'Orderer'): ConfigGroup {
  const g = config.channel_group.groups?.[name];
  if (!g) {
    throw new Error(`the channel configuration has no ${name} group`);
  }
  return g;
}

/** The MSP IDs of the channel's application members. */
export function memberIds(config: ChannelConfig): string[] {
  return Object.keys(group(config, 'Application').groups ?? {}).sort();
}

/** A member's organisation group in the Application or Orderer group. */
export function orgGroup(config: ChannelConfig, section: 'Application' | 'Orderer', mspId: string): ConfigGroup | undefined {
  return group(config, section).groups?.[mspId];
}

export function setOrgGroup(config: ChannelConfig, section: 'Application' | 'Orderer', mspId: string, value: ConfigGroup | undefined): void {
  const g = group(config, section);
  const groups = { ...(g.groups ?? {}) };
  if (value === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a member's group is keyed by its MSP ID
    delete groups[mspId];
  } else {
    groups[mspId] = value;
  }
  g.groups = groups;
}

function consensusMetadata(config: ChannelConfig): { consenters: Consenter[] } {
  const value = group(config, 'Orderer').values?.ConsensusType?.value as { metadata?: { consenters?: Consenter[] } } | undefined;
  if (!value?.metadata?.consenters) {
    throw new Error('the channel configuration has no Raft consenters');
  }
  return value.metadata as { consenters: Consenter[] };
}

/** The Raft consenters, in order. */
export function consenters(config: ChannelConfig): Consenter[] {
  return consensusMetadata(config).consenters;
}

export function setConsenters(config: ChannelConfig, list: readonly Consenter[]): void {
  consensusMetadata(config).consenters = [...list];
}

/** The first root CA certificate (PEM) of a member's MSP in the channel, if it is a member. */
export function rootCert(config: ChannelConfig, mspId: string): string | undefined {
  const value = orgGroup(config, 'Application', mspId)?.values?.MSP?.value as { config?: { root_certs?: string[] } } | undefined;
  const [b64] = value?.config?.root_certs ?? [];
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}
