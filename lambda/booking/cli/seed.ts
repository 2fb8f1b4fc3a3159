/**
 * Operator path: load centres and slots into the booking table of a deployed Region.
 *
 *   npx tsx lambda/booking/cli/seed.ts --table <name> --region <region> <catalogue.json>
 *
 * Uses the operator's own AWS credentials (IAM decides who may run it). Idempotent: run it again to
 * add slots or raise capacities; it never lowers a capacity below the seats already booked.
 */
import { readFileSync } from 'node:fs';
import { CatalogueStore } from '../adapters/catalogue-store';
import { documentClient } from '../adapters/dynamodb';
import { validateCatalogue } from '../domain/views';

export function parseSeedArgs(argv: readonly string[]): { table: string; region: string; file: string } {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const table = get('--table');
  const region = get('--region');
  const file = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--')).at(-1);
  if (!table || !region || !file) {
    throw new Error('Usage: seed.ts --table <table name> --region <region> <catalogue.json>');
  }
  return { table, region, file };
}

async function main(): Promise<void> {
  const { table, region, file } = parseSeedArgs(process.argv.slice(2));
  const catalogue = validateCatalogue(JSON.parse(readFileSync(file, 'utf8')));
  const result = await new CatalogueStore(documentClient({ region }), table).load(catalogue);
  console.log(`Loaded ${result.centres} centre(s) and ${result.slots} slot(s) into ${table} (${region}).`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
