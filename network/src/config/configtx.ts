import { stringify } from 'yaml';
import type { Layout } from '../layout';
import type { Organisation, Topology } from '../topology/topology';
import { IdentityFiles } from '../ca/identity';

const byteSize = (s: string): string => s; // configtxgen reads "10 MB" as is

function orgSection(layout: Layout, org: Organisation): Record<string, unknown> {
  const id = org.mspId;
  const rule = (roles: string[]): string => `OR(${roles.map((r) => `'${id}.${r}'`).join(',')})`;
  const anchor = org.peers[0];
  return {
    Name: id,
    ID: id,
    MSPDir: layout.orgMsp(org.name),
    Policies: {
      Readers: { Type: 'Signature', Rule: rule(['admin', 'peer', 'client', 'orderer']) },
      Writers: { Type: 'Signature', Rule: rule(['admin', 'client', 'orderer']) },
      Admins: { Type: 'Signature', Rule: rule(['admin']) },
      Endorsement: { Type: 'Signature', Rule: rule(['peer']) },
    },
    OrdererEndpoints: [`${org.orderer.endpoint.host}:${String(org.orderer.endpoint.port)}`],
    AnchorPeers: anchor ? [{ Host: anchor.endpoint.host, Port: anchor.endpoint.port }] : [],
  };
}

const implicit = (rule: string): { Type: string; Rule: string } => ({ Type: 'ImplicitMeta', Rule: rule });

/** configtx.yaml with one profile: the application channel, ordered by one Raft node per organisation. */
export function configtxYaml(layout: Layout, topology: Topology): string {
  const orgs = topology.organisations.map((o) => orgSection(layout, o));
  const o = topology.orderer;
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
        Consenters: topology.organisations.map((org) => {
          const tls = new IdentityFiles(layout.identity(org.name, org.orderer.name));
          return {
            Host: org.orderer.endpoint.host,
            Port: org.orderer.endpoint.port,
            ClientTLSCert: tls.tlsCert,
            ServerTLSCert: tls.tlsCert,
          };
        }),
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
