import type { FabricHome } from '../fabric-home';
import type { Layout } from '../layout';
import type { Supervisor } from '../process/supervisor';
import type { Topology } from '../topology/topology';
import { IdentityFiles } from '../ca/identity';

/** What every Fabric node of the network needs to be configured and run. */
export interface NodeContext {
  readonly fabric: FabricHome;
  readonly layout: Layout;
  readonly topology: Topology;
  readonly supervisor: Supervisor;
}

/** A node's own identity files, and its organisation admin's (for CLI and admin-API calls). */
export function nodeIdentities(layout: Layout, node: { readonly org: string; readonly name: string }): { tls: IdentityFiles; admin: IdentityFiles } {
  return {
    tls: new IdentityFiles(layout.identity(node.org, node.name)),
    admin: new IdentityFiles(layout.identity(node.org, 'admin')),
  };
}
