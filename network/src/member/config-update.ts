import { X509Certificate, createHash, verify } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common, msp } from '@hyperledger/fabric-protos';
import type { FabricHome } from '../fabric-home';
import { run } from '../process/run';
import { MemberError } from './member-error';

/** A config update of a few members' MSPs is tens of KiB; anything far larger is not one. */
const maxUpdateBytes = 4 * 1024 * 1024;
const maxSignatureBytes = 64 * 1024;

/** Decodes a Fabric protobuf file to JSON with configtxlator (to a file: /dev/stdout is not always there inside a namespace). */
export async function protoDecode(fabric: FabricHome, file: string, type: string): Promise<unknown> {
  const out = `${file}.${String(process.pid)}.json`;
  try {
    await run(fabric.bin('configtxlator'), ['proto_decode', '--input', file, '--type', type, '--output', out], { timeoutMs: 30_000 });
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    rmSync(out, { force: true });
  }
}

/** Encodes JSON as a Fabric protobuf file with configtxlator. */
export async function protoEncode(fabric: FabricHome, json: unknown, type: string, out: string): Promise<void> {
  const input = `${out}.${String(process.pid)}.json`;
  writeFileSync(input, JSON.stringify(json));
  try {
    await run(fabric.bin('configtxlator'), ['proto_encode', '--input', input, '--type', type, '--output', out], { timeoutMs: 30_000 });
  } finally {
    rmSync(input, { force: true });
  }
}

/**
 * Writes the envelope of the config update that turns `original` into
 * `modified` (configtxlator compute_update): the file the members sign and
 * one of them submits. Refuses an update that changes nothing.
 */
export async function writeUpdateEnvelope(
  fabric: FabricHome,
  options: { readonly channel: string; readonly original: unknown; readonly modified: unknown; readonly out: string },
): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'isl-update-'));
  try {
    await protoEncode(fabric, options.original, 'common.Config', join(work, 'original.pb'));
    await protoEncode(fabric, options.modified, 'common.Config', join(work, 'modified.pb'));
    try {
      await run(
        fabric.bin('configtxlator'),
        [
          'compute_update',
          '--channel_id',
          options.channel,
          '--original',
          join(work, 'original.pb'),
          '--updated',
          join(work, 'modified.pb'),
          '--output',
          join(work, 'update.pb'),
        ],
        { timeoutMs: 30_000 },
      );
    } catch (err) {
      throw new MemberError('UPDATE_INVALID', `the proposed configuration changes nothing (${err instanceof Error ? err.message : String(err)})`);
    }
    writeSignedUpdate({ channel: options.channel, configUpdate: readFileSync(join(work, 'update.pb')), signatures: [] }, [], options.out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A config update as the file that passes between members holds it. */
export interface UpdateFile {
  readonly channel: string;
  /** The marshalled ConfigUpdate: what every signature covers. */
  readonly configUpdate: Uint8Array;
  readonly signatures: readonly common.ConfigSignature[];
}

/** Reads an update envelope (bounded); refuses anything that is not a config update. */
export function readUpdate(file: string): UpdateFile {
  const size = statSync(file).size;
  if (size > maxUpdateBytes) {
    throw new MemberError('UPDATE_INVALID', `${file}: ${String(size)} bytes; a config update is at most ${String(maxUpdateBytes)}`);
  }
  try {
    const outer = common.Envelope.deserializeBinary(readFileSync(file));
    const payload = common.Payload.deserializeBinary(outer.getPayload_asU8());
    const channelHeader = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array());
    if (channelHeader.getType() !== (common.HeaderType.CONFIG_UPDATE as number)) {
      throw new Error(`header type ${String(channelHeader.getType())}, not CONFIG_UPDATE`);
    }
    const envelope = common.ConfigUpdateEnvelope.deserializeBinary(payload.getData_asU8());
    const configUpdate = envelope.getConfigUpdate_asU8();
    if (configUpdate.length === 0) {
      throw new Error('no config update inside');
    }
    return { channel: channelHeader.getChannelId(), configUpdate, signatures: envelope.getSignaturesList() };
  } catch (err) {
    throw new MemberError('UPDATE_INVALID', `${file} is not a channel config update envelope: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Writes the update envelope with these signatures added (as a fresh file; the proposed update stays unsigned). */
export function writeSignedUpdate(update: UpdateFile, extra: readonly common.ConfigSignature[], out: string): void {
  const envelope = new common.ConfigUpdateEnvelope();
  envelope.setConfigUpdate(update.configUpdate);
  envelope.setSignaturesList([...update.signatures, ...extra]);
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.CONFIG_UPDATE);
  channelHeader.setChannelId(update.channel);
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(envelope.serializeBinary());
  const outer = new common.Envelope();
  outer.setPayload(payload.serializeBinary());
  writeFileSync(out, outer.serializeBinary());
}

/**
 * Signs the update as the identity of `env` (the peer CLI's signconfigtx, on a
 * copy) and returns only the signature it added: that, not the envelope, is
 * what goes back to the proposer.
 */
export async function signUpdate(fabric: FabricHome, updateFile: string, env: Readonly<Record<string, string>>): Promise<Uint8Array> {
  const before = readUpdate(updateFile).signatures.length;
  const work = mkdtempSync(join(tmpdir(), 'isl-sign-'));
  try {
    const copy = join(work, 'update.pb');
    copyFileSync(updateFile, copy);
    await run(fabric.bin('peer'), ['channel', 'signconfigtx', '-f', copy], { env, timeoutMs: 30_000 });
    const added = readUpdate(copy).signatures[before];
    if (!added) {
      throw new Error('peer channel signconfigtx added no signature');
    }
    return added.serializeBinary();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Who made a signature, as its header names it. */
export interface Signer {
  readonly mspId: string;
  readonly certificate: X509Certificate;
}

/** Reads a signature file (bounded) and checks that it signs this update; returns who signed it. */
export function readSignature(file: string, update: UpdateFile): { readonly signature: common.ConfigSignature; readonly signer: Signer } {
  const size = statSync(file).size;
  if (size > maxSignatureBytes) {
    throw new MemberError('SIGNATURE_INVALID', `${file}: ${String(size)} bytes; a signature is a few KiB`);
  }
  let signature: common.ConfigSignature;
  let signer: Signer;
  try {
    signature = common.ConfigSignature.deserializeBinary(readFileSync(file));
    const header = common.SignatureHeader.deserializeBinary(signature.getSignatureHeader_asU8());
    const creator = msp.SerializedIdentity.deserializeBinary(header.getCreator_asU8());
    signer = { mspId: creator.getMspid(), certificate: new X509Certificate(Buffer.from(creator.getIdBytes_asU8())) };
  } catch (err) {
    throw new MemberError('SIGNATURE_INVALID', `${file} is not a config signature: ${err instanceof Error ? err.message : String(err)}`);
  }
  const signed = Buffer.concat([signature.getSignatureHeader_asU8(), update.configUpdate]);
  if (!verify('sha256', signed, signer.certificate.publicKey, Buffer.from(signature.getSignature_asU8()))) {
    throw new MemberError(
      'SIGNATURE_INVALID',
      `${file}: the signature of ${signer.mspId} (${signer.certificate.subject.replace(/\n/g, ', ')}) does not verify over this update; it signs another update or was altered`,
    );
  }
  return { signature, signer };
}

/** The organisational units of a certificate's subject (NodeOUs: admin, peer, client, orderer). */
export function organisationalUnits(certificate: X509Certificate): string[] {
  return certificate.subject
    .split('\n')
    .filter((l) => l.startsWith('OU='))
    .map((l) => l.slice(3));
}

/** A short fingerprint of the update for operators to compare by phone. */
export function updateFingerprint(update: UpdateFile): string {
  return createHash('sha256').update(update.configUpdate).digest('hex').slice(0, 16);
}
