import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { validateConfig } from '../../lib/config/load-config';
import { rempartConfigSchema } from '../../lib/config/schema';

/**
 * docs/configuration.md is the configuration reference: one table row per field, its real dotted
 * name(s) in backticks in the first cell, the default in the second, the meaning in the third.
 * Maps keyed by Region (or another name) are written with a placeholder key, e.g.
 * `ent.network.availabilityZones.<region>`; fields of list items with `[]`, e.g.
 * `edge.booking.rateRules[].limit`.
 */
const DOC = readFileSync(join(__dirname, '../../docs/configuration.md'), 'utf8');
const DERIVED = ['booking.settings', 'ent.capacity'];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields the schema accepts (optional ones included), from its input JSON schema. */
function schemaFields(node: Json, path: string, out: Map<string, Json>): Map<string, Json> {
  const objectVariant = (node.anyOf as Json[] | undefined)?.find((v) => v.type === 'object' && v.properties);
  if (objectVariant) return schemaFields(objectVariant, path, out);
  if (node.type === 'object' && isObject(node.properties)) {
    for (const [key, child] of Object.entries(node.properties))
      schemaFields(child as Json, path ? `${path}.${key}` : key, out);
    return out;
  }
  if (node.type === 'object' && isObject(node.additionalProperties)) {
    return schemaFields(node.additionalProperties, `${path}.<>`, out);
  }
  out.set(path, node);
  const items = node.type === 'array' && isObject(node.items) ? node.items : undefined;
  if (items?.type === 'object' && isObject(items.properties)) schemaFields(items, `${path}[]`, out);
  return out;
}

const fields = schemaFields(
  z.toJSONSchema(rempartConfigSchema, { io: 'input', unrepresentable: 'any' }),
  '',
  new Map(),
);
/** Prefixes of maps with free keys (Region names, variable names), e.g. "ent.network.availabilityZones". */
const mapPrefixes = [...fields.keys()]
  .filter((p) => p.includes('.<>'))
  .map((p) => p.slice(0, p.indexOf('.<>')));

/** A path with map keys replaced by "<>", the form both sides are compared in. */
function normalize(path: string): string {
  let out = path.replace(/<[^>]+>/g, '<>');
  for (const prefix of mapPrefixes) {
    if (out.startsWith(`${prefix}.`) && !out.startsWith(`${prefix}.<>`)) {
      out = `${prefix}.<>${out.slice(prefix.length + 1).replace(/^[^.[]+/, '')}`;
    }
  }
  return out;
}

/** Leaves of the validated default configuration: [path, value]; lists are leaves. */
function leaves(value: unknown, path: string[] = []): Array<[string, unknown]> {
  if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [[path.join('.'), value]];
}

/** Table rows of the reference: the config paths of the first cell, and the default cell. */
const TOP_LEVEL = new Set(
  Object.keys((z.toJSONSchema(rempartConfigSchema, { io: 'input' }) as { properties: Json }).properties),
);
const rows = DOC.split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((line) => {
    const [first = '', defaults = ''] = line.split(/(?<!\\)\|/).slice(1, 3);
    const paths = [...first.matchAll(/`([^`]+)`/g)]
      .map((m) => m[1])
      .filter((p) => TOP_LEVEL.has(p.split(/[.[]/)[0]));
    return { paths, defaults: defaults.trim(), line };
  })
  .filter((row) => row.paths.length > 0);
const documented = new Map(rows.flatMap((row) => row.paths.map((p) => [normalize(p), row] as const)));

const config = validateConfig(DEFAULT_CONFIG);
const defaults = leaves(config).filter(([path]) => !DERIVED.some((d) => path.startsWith(`${d}.`)));
const derived = leaves(config).filter(([path]) => DERIVED.some((d) => path.startsWith(`${d}.`)));

describe('docs/configuration.md, the configuration reference', () => {
  it('reads the schema and the tables (a guard on this test itself)', () => {
    expect(fields.size).toBeGreaterThan(150);
    expect(mapPrefixes).toEqual(expect.arrayContaining(['ent.network.availabilityZones']));
    expect(rows.length).toBeGreaterThan(50);
  });

  it('documents every field of the validated default configuration', () => {
    expect(defaults.map(([path]) => normalize(path)).filter((p) => !documented.has(p))).toEqual([]);
  });

  it('documents every field the schema accepts, optional ones and list items included', () => {
    expect([...fields.keys()].filter((p) => !documented.has(p))).toEqual([]);
  });

  it('documents the derived settings as computed, not set', () => {
    const rowsOf = derived.map(([path]) => [path, documented.get(normalize(path))?.defaults] as const);
    expect(rowsOf.filter(([, cell]) => !/\bderived\b/i.test(cell ?? ''))).toEqual([]);
  });

  it('gives each default as the configuration holds it, in backticks', () => {
    const wrong = defaults
      .filter(([path, value]) => !path.includes('.<') && !(Array.isArray(value) && value.some(isObject)))
      .filter(([path]) => !mapPrefixes.some((m) => path.startsWith(`${m}.`)))
      .filter(([path, value]) => !documented.get(path)?.defaults.includes(`\`${JSON.stringify(value)}\``))
      .map(
        ([path, value]) =>
          `${path}: expected \`${JSON.stringify(value)}\` in "${documented.get(path)?.defaults ?? '(no row)'}"`,
      );
    expect(wrong).toEqual([]);
  });

  it('names no field the schema does not have', () => {
    const known = new Set([...fields.keys(), ...derived.map(([p]) => p), ...DERIVED]);
    expect([...documented.keys()].filter((p) => !known.has(p))).toEqual([]);
  });
});
