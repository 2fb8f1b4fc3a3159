/**
 * Operator path: bounded retention of person items (the MRSC table has no TTL). Run it daily, e.g.
 * from a scheduled job with the operator role:
 *
 *   npx tsx lambda/booking/cli/purge-persons.ts --table <name> --region <region> [--inactive-days 90] [--dry-run]
 *
 * Deletes person items untouched for --inactive-days (except those whose booked slot is still
 * ahead) and prunes, from the others, decision records older than any message can be. One Region
 * is enough: the table is global.
 */
import { documentClient } from '../adapters/dynamodb';
import { purgePersons } from '../adapters/person-maintenance';
import { flag, has, requireFlags } from './args';

const USAGE = 'purge-persons.ts --table <name> --region <region> [--inactive-days 90] [--dry-run]';

export function parsePurgeArgs(argv: readonly string[]): {
  table: string;
  region: string;
  inactiveDays: number;
  dryRun: boolean;
} {
  const [table, region] = requireFlags(argv, ['table', 'region'], USAGE);
  const days = Number(flag(argv, 'inactive-days') ?? 90);
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new Error(
      `--inactive-days is ${flag(argv, 'inactive-days')}. Fix: a whole number of days from 1 to 3650. Usage: ${USAGE}`,
    );
  }
  return { table, region, inactiveDays: days, dryRun: has(argv, 'dry-run') };
}

async function main(): Promise<void> {
  const args = parsePurgeArgs(process.argv.slice(2));
  const r = await purgePersons(documentClient({ region: args.region }), args.table, args);
  console.log(
    `${args.dryRun ? '[dry run] ' : ''}Scanned ${r.scanned} person item(s): ${r.deleted} deleted, ${r.recordsPruned} old decision record(s) pruned.`,
  );
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
