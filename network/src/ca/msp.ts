import { copyFileSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * NodeOUs: the role (client, peer, admin, orderer) is read from the
 * certificate's OU, which Fabric CA sets from the identity's registered type.
 */
export function nodeOusConfig(caCertRelative: string): string {
  const ou = (role: string): string => `    Certificate: ${caCertRelative}\n    OrganizationalUnitIdentifier: ${role}\n`;
  return [
    'NodeOUs:',
    '  Enable: true',
    '  ClientOUIdentifier:',
    ou('client').trimEnd(),
    '  PeerOUIdentifier:',
    ou('peer').trimEnd(),
    '  AdminOUIdentifier:',
    ou('admin').trimEnd(),
    '  OrdererOUIdentifier:',
    ou('orderer').trimEnd(),
    '',
  ].join('\n');
}

function onlyFile(dir: string): string {
  const files = readdirSync(dir);
  const [first] = files;
  if (files.length !== 1 || first === undefined) {
    throw new Error(`expected exactly one file in ${dir}, found ${String(files.length)}`);
  }
  return join(dir, first);
}

/** Gives an enrolled MSP folder fixed file names and its NodeOUs config. */
export function normaliseMsp(mspDir: string): void {
  const cacert = onlyFile(join(mspDir, 'cacerts'));
  renameSync(cacert, join(mspDir, 'cacerts', 'ca.pem'));
  const key = onlyFile(join(mspDir, 'keystore'));
  renameSync(key, join(mspDir, 'keystore', 'key.pem'));
  writeFileSync(join(mspDir, 'config.yaml'), nodeOusConfig('cacerts/ca.pem'));
}

/** Flattens a TLS enrolment into tls/{cert,key,ca}.pem, the names the nodes are configured with. */
export function normaliseTls(enrolDir: string, tlsDir: string): void {
  mkdirSync(tlsDir, { recursive: true });
  copyFileSync(join(enrolDir, 'signcerts', 'cert.pem'), join(tlsDir, 'cert.pem'));
  copyFileSync(onlyFile(join(enrolDir, 'keystore')), join(tlsDir, 'key.pem'));
  copyFileSync(onlyFile(join(enrolDir, 'tlscacerts')), join(tlsDir, 'ca.pem'));
}

/** The organisation's MSP as the channel configuration holds it: no keys, only CA certificates. */
export function writeOrgMsp(orgMspDir: string, caCert: string): void {
  for (const sub of ['cacerts', 'tlscacerts']) {
    mkdirSync(join(orgMspDir, sub), { recursive: true });
    copyFileSync(caCert, join(orgMspDir, sub, 'ca.pem'));
  }
  writeFileSync(join(orgMspDir, 'config.yaml'), nodeOusConfig('cacerts/ca.pem'));
}
