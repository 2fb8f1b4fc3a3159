import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ADMISSION_API_PREFIX,
  ADMISSION_COOKIE_MAX_TTL_SECONDS,
  ADMISSION_COOKIE_NAME,
  ADMISSION_COOKIE_VERSION,
  ADMISSION_KIDS,
  CLOUDFRONT_FUNCTION_MAX_CODE_BYTES,
  KVS_CURRENT_KID,
  KVS_EVENT_ID,
  KVS_FAIL_OPEN,
  KVS_MAX_KEY_BYTES,
  KVS_MAX_STORE_BYTES,
  KVS_MAX_VALUE_BYTES,
  KVS_PATH_MODE_PREFIX,
  KVS_SIGNING_KEY_PREFIX,
  WAITING_NEXT_PARAM,
  WAITING_PAGE_PATH,
  WAITING_PAGE_PREFIX,
  kvsPathMode,
  kvsSigningKey,
  type FailurePolicy,
} from '../contract';

/** The CloudFront Function source, shipped next to this file (copy it into dist/ with the build). */
export const ADMISSION_GATE_SOURCE = path.join(__dirname, 'admission-gate.js');
const CONFIG_SLOT = '/*ADMISSION_CONFIG*/ null';

/** Length of the generated signing keys ([A-Za-z0-9]); also the size the store holds for each. */
export const SIGNING_KEY_LENGTH = 64;

/** One protected path as compiled into the function (`AdmissionProtectedPath` with `onFailure` resolved). */
export interface GatePath {
  readonly pathPattern: string;
  readonly pathClass: string;
  readonly onFailure: FailurePolicy;
}

/** The static settings written into the function code (the store may be what is unavailable). */
export interface GateCodeOptions {
  /** Checked in order; the first match decides. */
  readonly paths: readonly GatePath[];
  /** Retry-After of the 429 answered to refused writes. */
  readonly retryAfterSeconds: number;
}

/**
 * The function code as deployed: the source with its configuration written in (the runtime has no
 * environment variables, and the store may be what is down, so static settings live in the code).
 */
export function renderAdmissionGateCode(options: GateCodeOptions): string {
  const source = readFileSync(ADMISSION_GATE_SOURCE, 'utf8');
  if (!source.includes(CONFIG_SLOT)) throw new Error(`${ADMISSION_GATE_SOURCE} lost its ${CONFIG_SLOT} slot`);
  const config = {
    paths: options.paths.map((p) => ({ p: p.pathPattern, c: p.pathClass, f: p.onFailure })),
    skip: [WAITING_PAGE_PREFIX, ADMISSION_API_PREFIX],
    cookieName: ADMISSION_COOKIE_NAME,
    version: ADMISSION_COOKIE_VERSION,
    kids: ADMISSION_KIDS,
    maxTtl: ADMISSION_COOKIE_MAX_TTL_SECONDS,
    keyPrefix: KVS_SIGNING_KEY_PREFIX,
    eventKey: KVS_EVENT_ID,
    failOpenKey: KVS_FAIL_OPEN,
    modeKeyPrefix: KVS_PATH_MODE_PREFIX,
    waitingPage: WAITING_PAGE_PATH,
    nextParam: WAITING_NEXT_PARAM,
    retryAfter: options.retryAfterSeconds,
  };
  // Whole-line comments are for readers of this repository; CloudFront counts every byte of the 10 KB.
  const code = source
    .split('\n')
    .filter((line) => !/^\s*\/\//.test(line))
    .join('\n');
  return code.replace(CONFIG_SLOT, JSON.stringify(config));
}

/** The code against CloudFront's 10 KB function limit, checked at synth rather than at deploy. */
export function gateCodeProblems(code: string): string[] {
  const bytes = Buffer.byteLength(code, 'utf8');
  return bytes > CLOUDFRONT_FUNCTION_MAX_CODE_BYTES
    ? [
        `the function code is ${bytes} bytes, over CloudFront's ${CLOUDFRONT_FUNCTION_MAX_CODE_BYTES}. Fix: protect fewer or shorter path patterns`,
      ]
    : [];
}

/** One entry the deployment writes into the store, with the largest value it can hold. */
export interface StoreEntry {
  readonly key: string;
  readonly maxValueBytes: number;
}

/** Everything the sync function writes, so that synth can check it against the store's limits. */
export function admissionStoreEntries(eventId: string, pathClasses: readonly string[]): StoreEntry[] {
  return [
    ...ADMISSION_KIDS.map((kid) => ({ key: kvsSigningKey(kid), maxValueBytes: SIGNING_KEY_LENGTH })),
    { key: KVS_CURRENT_KID, maxValueBytes: Math.max(...ADMISSION_KIDS.map((k) => k.length)) },
    { key: KVS_EVENT_ID, maxValueBytes: Buffer.byteLength(eventId, 'utf8') },
    { key: KVS_FAIL_OPEN, maxValueBytes: 'off'.length },
    ...pathClasses.map((c) => ({ key: kvsPathMode(c), maxValueBytes: 'closed'.length })),
  ];
}

/** KeyValueStore limits: 512-byte keys, 1 KB values, 5 MB per store. */
export function storeEntriesProblems(entries: readonly StoreEntry[]): string[] {
  const problems: string[] = [];
  let total = 0;
  for (const { key, maxValueBytes } of entries) {
    const keyBytes = Buffer.byteLength(key, 'utf8');
    total += keyBytes + maxValueBytes;
    if (keyBytes > KVS_MAX_KEY_BYTES) {
      problems.push(
        `store key "${key.slice(0, 40)}…" is ${keyBytes} bytes, over ${KVS_MAX_KEY_BYTES}. Fix: shorten it`,
      );
    }
    if (maxValueBytes > KVS_MAX_VALUE_BYTES) {
      problems.push(
        `store value of "${key}" can be ${maxValueBytes} bytes, over ${KVS_MAX_VALUE_BYTES}. Fix: shorten it`,
      );
    }
  }
  if (total > KVS_MAX_STORE_BYTES)
    problems.push(`the store would hold ${total} bytes, over ${KVS_MAX_STORE_BYTES}`);
  return problems;
}
