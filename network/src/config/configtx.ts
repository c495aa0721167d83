import { stringify } from 'yaml';
import type { Endpoint, Topology } from '../topology/topology';

const byteSize = (s: string): string => s; // configtxgen reads "10 MB" as is

/** What the channel configuration holds of one member organisation. */
export interface ChannelMember {
  readonly mspId: string;
  /** Its MSP as the channel holds it: CA and TLS CA certificates, NodeOUs (no keys). */
  readonly mspDir: string;
  readonly anchorPeers: readonly Endpoint[];
  readonly orderer: Endpoint;
  /** Its orderer's TLS certificate, which Raft consenters authenticate each other by. */
  readonly consenterTlsCert: string;
}

function orgSection(member: ChannelMember): Record<string, unknown> {
  const id = member.mspId;
  const rule = (roles: string[]): string => `OR(${roles.map((r) => `'${id}.${r}'`).join(',')})`;
  return {
    Name: id,
    ID: id,
    MSPDir: member.mspDir,
    Policies: {
      Readers: { Type: 'Signature', Rule: rule(['admin', 'peer', 'client', 'orderer']) },
      Writers: { Type: 'Signature', Rule: rule(['admin', 'client', 'orderer']) },
      Admins: { Type: 'Signature', Rule: rule(['admin']) },
      Endorsement: { Type: 'Signature', Rule: rule(['peer']) },
    },
    OrdererEndpoints: [`${member.orderer.host}:${String(member.orderer.port)}`],
    AnchorPeers: member.anchorPeers.map((a) => ({ Host: a.host, Port: a.port })),
  };
}

const implicit = (rule: string): { Type: string; Rule: string } => ({ Type: 'ImplicitMeta', Rule: rule });

/** configtx.yaml with one profile: the application channel, ordered by one Raft node per member. */
export function configtxYaml(members: readonly ChannelMember[], o: Topology['orderer']): string {
  const orgs = members.map((m) => orgSection(m));
  const profile = {
    Policies: {
      Readers: implicit('ANY Readers'),
      Writers: implicit('ANY Writers'),
      Admins: implicit('MAJORITY Admins'),
    },
    Capabilities: { V2_0: true },
    Orderer: {
      OrdererType: 'etcdraft',
      BatchTimeout: o.batchTimeout,
      BatchSize: {
        MaxMessageCount: o.maxMessageCount,
        AbsoluteMaxBytes: byteSize(o.absoluteMaxBytes),
        PreferredMaxBytes: byteSize(o.preferredMaxBytes),
      },
      EtcdRaft: {
        Consenters: members.map((m) => ({
          Host: m.orderer.host,
          Port: m.orderer.port,
          ClientTLSCert: m.consenterTlsCert,
          ServerTLSCert: m.consenterTlsCert,
        })),
        Options: {
          TickInterval: o.raft.tickInterval,
          ElectionTick: o.raft.electionTick,
          HeartbeatTick: o.raft.heartbeatTick,
          MaxInflightBlocks: 5,
          SnapshotIntervalSize: '16 MB',
        },
      },
      Organizations: orgs,
      Policies: {
        Readers: implicit('ANY Readers'),
        Writers: implicit('ANY Writers'),
        Admins: implicit('MAJORITY Admins'),
        BlockValidation: implicit('ANY Writers'),
      },
      Capabilities: { V2_0: true },
    },
    Application: {
      Organizations: orgs,
      Policies: {
        Readers: implicit('ANY Readers'),
        Writers: implicit('ANY Writers'),
        Admins: implicit('MAJORITY Admins'),
        LifecycleEndorsement: implicit('MAJORITY Endorsement'),
        Endorsement: implicit('MAJORITY Endorsement'),
      },
      Capabilities: { V2_5: true },
    },
  };
  return stringify({ Profiles: { [profileName]: profile } }, { aliasDuplicateObjects: false });
}

export const profileName = 'ImagingChannel';
