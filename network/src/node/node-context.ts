import type { FabricHome } from '../fabric-home';
import type { Layout } from '../layout';
import type { Supervisor } from '../process/supervisor';
import type { Topology } from '../topology/topology';
import { IdentityFiles } from '../ca/identity';

/** What every Fabric node of the network needs to be configured and run. */
export interface NodeContext {
  readonly fabric: FabricHome;
  readonly layout: Layout;
  /** The organisations whose nodes run here (a member's own only), and the log level. */
  readonly topology: Pick<Topology, 'organisations' | 'logging'>;
  readonly supervisor: Supervisor;
  /**
   * TLS CA certificates an orderer trusts for clients and cluster peers. Default:
   * every organisation's in `topology`; a member passes its own and those of the
   * bundles it holds.
   */
  readonly tlsCaCerts?: readonly string[];
}

/** A node's own identity files, and its organisation admin's (for CLI and admin-API calls). */
export function nodeIdentities(layout: Layout, node: { readonly org: string; readonly name: string }): { tls: IdentityFiles; admin: IdentityFiles } {
  return {
    tls: new IdentityFiles(layout.identity(node.org, node.name)),
    admin: new IdentityFiles(layout.identity(node.org, 'admin')),
  };
}
