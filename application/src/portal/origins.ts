import type { ConnectionProfile } from '@isl/network';
import { imageSourceEndpoints } from '../imagesource/endpoints';

/**
 * The web origins of the consortium's portals: each organisation's gateway
 * serves one at /portal, reached as http://127.0.0.1:<port> or
 * http://localhost:<port>. The image sources answer CORS for these origins
 * only, and each portal's CSP lets it connect to these image sources only.
 */
export function portalOrigins(profile: Pick<ConnectionProfile, 'organisations'>): readonly string[] {
  return profile.organisations.flatMap((o) => {
    const port = String(o.gateway.port);
    const hosts = new Set([o.gateway.host, '127.0.0.1', 'localhost']);
    return [...hosts].map((host) => `http://${host}:${port}`);
  });
}

/** The image sources' origins (https://127.0.0.1:<port>), which a portal's CSP lets it fetch images from. */
export function imageSourceOrigins(profile: Pick<ConnectionProfile, 'organisations'>): readonly string[] {
  return profile.organisations.map((o) => new URL(imageSourceEndpoints(o).url).origin);
}
