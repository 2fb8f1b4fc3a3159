/**
 * Operator path: release a person who is stuck (in-flight requests that will never be decided, a
 * pending cancellation) and, with --cancel-booking, cancel their booking and give its seat back.
 *
 *   npx tsx lambda/booking/cli/release-person.ts --table <name> --region <region> --person <personKey> [--cancel-booking]
 *   npx tsx lambda/booking/cli/release-person.ts --table <name> --region <region> \
 *       --issuer <iss> --subject <sub> --pepper-secret <secret id> [--cancel-booking]
 *
 * The second form derives the person key from the identity, with the pepper read from Secrets
 * Manager (the operator's credentials decide who may); the subject is used in memory only and never
 * printed. Prints what was done, with the person key (pseudonymous).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { derivePersonKey, PERSON_KEY } from '../../identity/domain/person-key';
import { documentClient } from '../adapters/dynamodb';
import { releasePerson } from '../adapters/person-maintenance';
import { flag, has, requireFlags } from './args';

const USAGE =
  'release-person.ts --table <name> --region <region> (--person <personKey> | --issuer <iss> --subject <sub> --pepper-secret <id>) [--cancel-booking]';

export interface ReleaseArgs {
  readonly table: string;
  readonly region: string;
  readonly person?: string;
  readonly identity?: { readonly issuer: string; readonly subject: string; readonly pepperSecret: string };
  readonly cancelBooking: boolean;
}

export function parseReleaseArgs(argv: readonly string[]): ReleaseArgs {
  const [table, region] = requireFlags(argv, ['table', 'region'], USAGE);
  const person = flag(argv, 'person');
  const cancelBooking = has(argv, 'cancel-booking');
  if (person !== undefined) {
    if (!PERSON_KEY.test(person))
      throw new Error(`--person is not a person key (64 hex characters). Usage: ${USAGE}`);
    return { table, region, person, cancelBooking };
  }
  const [issuer, subject, pepperSecret] = requireFlags(argv, ['issuer', 'subject', 'pepper-secret'], USAGE);
  return { table, region, identity: { issuer, subject, pepperSecret }, cancelBooking };
}

async function main(): Promise<void> {
  const args = parseReleaseArgs(process.argv.slice(2));
  let personKey = args.person;
  if (!personKey && args.identity) {
    const secrets = new SecretsManagerClient({ region: args.region });
    const pepper = (await secrets.send(new GetSecretValueCommand({ SecretId: args.identity.pepperSecret })))
      .SecretString;
    if (!pepper) throw new Error(`Secret ${args.identity.pepperSecret} has no string value`);
    personKey = derivePersonKey(pepper, args.identity.issuer, args.identity.subject);
  }
  if (!personKey) throw new Error(USAGE);
  const result = await releasePerson(documentClient({ region: args.region }), args.table, personKey, {
    cancelBooking: args.cancelBooking,
  });
  if (!result.found) {
    console.log(`No person ${personKey} in ${args.table}: nothing to release.`);
    return;
  }
  console.log(
    `Released person ${personKey}: in-flight count and pending cancellation cleared` +
      (result.cancelled ? `; booking ${result.cancelled} cancelled and its seat given back.` : '.'),
  );
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
