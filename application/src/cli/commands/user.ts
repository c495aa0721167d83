import { join } from 'node:path';
import { homedir } from 'node:os';
import { readdirSync } from 'node:fs';
import { organisationHome } from '@isl/network';
import { ensureGatewayIdentity } from '../../gateway/identity';
import { CliError } from '../context';
import type { RegisterCommand } from '.';

/** isl user enrol: register and enrol an organisation user with its Fabric CA (operators, with the CA's registrar). */
export const registerUser: RegisterCommand = (program, context) => {
  const user = program.command('user').description("organisation users enrolled through the organisation's Fabric CA (operators)");
  user
    .command('enrol <id>')
    .description('register <id> with the CA (as its registrar) and enrol it; keeps certificate and key in a file wallet, re-enrolling near expiry')
    .option('--out <file>', 'file wallet (default ~/.isl/identities/<org>/<id>.json)')
    .action(async (id: string, o: { out?: string }) => {
      const ctx = context();
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) {
        throw new CliError('the user id may hold letters, digits, ".", "_" and "-" (at most 64)', 2);
      }
      const org = ctx.organisation();
      const registrar = join(organisationHome(ctx.profilePath, org), 'orgs', org.name, 'ca', 'registrar', 'msp');
      let key: string;
      try {
        const [first] = readdirSync(join(registrar, 'keystore'));
        if (first === undefined) {
          throw new Error('empty keystore');
        }
        key = join(registrar, 'keystore', first);
      } catch {
        throw new CliError(`no registrar identity for ${org.mspId} at ${registrar}: run this on the organisation's operator machine`);
      }
      const walletFile = o.out ?? join(homedir(), '.isl', 'identities', org.name, `${id}.json`);
      const identity = await ensureGatewayIdentity({
        mspId: org.mspId,
        caUrl: org.ca.url,
        caName: org.ca.name,
        caCertFile: org.ca.caCert,
        registrar: { cert: join(registrar, 'signcerts', 'cert.pem'), key },
        enrollmentId: id,
        walletFile,
      });
      ctx.print(
        { id, mspId: org.mspId, wallet: walletFile, renewed: identity.renewed },
        () => `${id} enrolled with ${org.ca.name}; certificate and key in ${walletFile}`,
      );
    });
};
