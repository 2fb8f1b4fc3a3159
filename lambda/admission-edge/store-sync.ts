import {
  CloudFrontKeyValueStoreClient,
  DescribeKeyValueStoreCommand,
  GetKeyCommand,
  UpdateKeysCommand,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import '@aws-sdk/signature-v4a';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { customResourceHandler, putCfnResponse, type CfnResponse } from '../shared/custom-resource';

export type { CfnResponse };
import {
  ADMISSION_KIDS,
  KVS_CURRENT_KID,
  KVS_EVENT_ID,
  KVS_FAIL_OPEN,
  kvsPathMode,
  kvsSigningKey,
  type AdmissionKid,
} from '../../lib/constructs/admission-control/contract';

/**
 * Custom resource that fills the admission KeyValueStore at deploy time: the signing keys (read from
 * Secrets Manager, so they never appear in a template or in this resource's properties), the current
 * kid and the event id on every deployment; the fail-open switch and each path class's mode only when
 * missing, because the alarm-driven switch and operators own them afterwards and a deployment must
 * not silently undo a fail-open.
 */
export interface SyncRequest {
  readonly kvsArn: string;
  readonly secretArns: Readonly<Record<AdmissionKid, string>>;
  readonly currentKid: AdmissionKid;
  readonly eventId: string;
  readonly pathClasses: readonly string[];
}

export interface KeyPut {
  readonly key: string;
  readonly value: string;
}

export interface SyncPlan {
  readonly puts: readonly KeyPut[];
  readonly deletes: readonly string[];
}

/** What CloudFormation expects at the pre-signed ResponseURL (never any key material). */
export interface StoreSyncDeps {
  readSecret(secretArn: string): Promise<string>;
  keyExists(kvsArn: string, key: string): Promise<boolean>;
  /** One all-or-nothing UpdateKeys call, guarded by the store's current ETag. */
  updateKeys(kvsArn: string, plan: SyncPlan): Promise<void>;
  respond(responseUrl: string, response: CfnResponse): Promise<void>;
}

/** Generated keys are 64 characters of [A-Za-z0-9]; a hand-set one must still be long and printable. */
const SIGNING_KEY = /^[A-Za-z0-9]{32,256}$/;

/** CloudFormation passes every property as a string; check them before touching anything. */
export function parseSyncRequest(properties: Record<string, unknown>): SyncRequest {
  const text = (name: string) => {
    const value = properties[name];
    if (typeof value !== 'string' || value === '') throw new Error(`${name} is missing`);
    return value;
  };
  const arns = properties.SigningKeySecretArns as Record<string, unknown> | undefined;
  const secretArns = {} as Record<AdmissionKid, string>;
  for (const kid of ADMISSION_KIDS) {
    const arn = arns?.[kid];
    if (typeof arn !== 'string' || !arn.startsWith('arn:'))
      throw new Error(`SigningKeySecretArns.${kid} is missing`);
    secretArns[kid] = arn;
  }
  const currentKid = text('CurrentKid');
  if (!(ADMISSION_KIDS as readonly string[]).includes(currentKid)) {
    throw new Error(`CurrentKid is "${currentKid}", not one of ${ADMISSION_KIDS.join(', ')}`);
  }
  const classes = properties.PathClasses;
  if (!Array.isArray(classes) || classes.some((c) => typeof c !== 'string' || c === '')) {
    throw new Error('PathClasses is missing or not a list of names');
  }
  return {
    kvsArn: text('KvsArn'),
    secretArns,
    currentKid: currentKid as AdmissionKid,
    eventId: text('EventId'),
    pathClasses: classes as string[],
  };
}

/**
 * Pure: what to write, given the request, the previous one (on Update) and which owned-at-runtime
 * keys already exist.
 */
export function planStoreSync(
  request: SyncRequest,
  keys: Readonly<Record<AdmissionKid, string>>,
  previous: SyncRequest | undefined,
  existing: ReadonlySet<string>,
): SyncPlan {
  const puts: KeyPut[] = ADMISSION_KIDS.map((kid) => ({ key: kvsSigningKey(kid), value: keys[kid] }));
  puts.push(
    { key: KVS_CURRENT_KID, value: request.currentKid },
    { key: KVS_EVENT_ID, value: request.eventId },
  );
  if (!existing.has(KVS_FAIL_OPEN)) puts.push({ key: KVS_FAIL_OPEN, value: 'off' });
  for (const pathClass of request.pathClasses) {
    if (!existing.has(kvsPathMode(pathClass))) puts.push({ key: kvsPathMode(pathClass), value: 'gate' });
  }
  const deletes = (previous?.pathClasses ?? [])
    .filter((c) => !request.pathClasses.includes(c) && existing.has(kvsPathMode(c)))
    .map(kvsPathMode);
  return { puts, deletes };
}

export function makeHandler(
  deps: StoreSyncDeps,
): (event: CloudFormationCustomResourceEvent) => Promise<void> {
  return customResourceHandler(
    (url, response) => deps.respond(url, response),
    async (event) => {
      // Delete: the store is deleted with its stack; nothing to undo.
      if (event.RequestType !== 'Delete') {
        const request = parseSyncRequest(event.ResourceProperties);
        const previous =
          event.RequestType === 'Update' ? parseSyncRequest(event.OldResourceProperties) : undefined;
        const keys = {} as Record<AdmissionKid, string>;
        for (const kid of ADMISSION_KIDS) {
          const value = (await deps.readSecret(request.secretArns[kid])).trim();
          // The reason names the kid only: a value must never reach CloudFormation events or logs.
          if (!SIGNING_KEY.test(value))
            throw new Error(`the signing key of kid ${kid} is not 32-256 characters of [A-Za-z0-9]`);
          keys[kid] = value;
        }
        const runtimeOwned = [
          KVS_FAIL_OPEN,
          ...[...request.pathClasses, ...(previous?.pathClasses ?? [])].map(kvsPathMode),
        ];
        const existing = new Set<string>();
        for (const key of new Set(runtimeOwned)) {
          if (await deps.keyExists(request.kvsArn, key)) existing.add(key);
        }
        await deps.updateKeys(request.kvsArn, planStoreSync(request, keys, previous, existing));
      }
    },
  );
}

// ------------------------------------------------------------------------------------------------
// AWS adapters
// ------------------------------------------------------------------------------------------------

// The KeyValueStore API is signed with SigV4A, which the SDK does only once @aws-sdk/signature-v4a
// is loaded; both are bundled with the function (RempartFunction bundleAwsSdk), not taken from the
// runtime, which may lack them.
const kvs = new CloudFrontKeyValueStoreClient({});

const secrets = new SecretsManagerClient({});
/** UpdateKeys fails when another writer (the fail-open switch) changed the store since DescribeKeyValueStore. */
const ETAG_ATTEMPTS = 3;

const runtimeDeps: StoreSyncDeps = {
  async readSecret(secretArn) {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (typeof out.SecretString !== 'string') throw new Error(`secret ${secretArn} has no string value`);
    return out.SecretString;
  },
  async keyExists(kvsArn, key) {
    try {
      await kvs.send(new GetKeyCommand({ KvsARN: kvsArn, Key: key }));
      return true;
    } catch (e) {
      if ((e as { name?: string }).name === 'ResourceNotFoundException') return false;
      throw e;
    }
  },
  async updateKeys(kvsArn, plan) {
    for (let attempt = 1; ; attempt++) {
      const { ETag } = await kvs.send(new DescribeKeyValueStoreCommand({ KvsARN: kvsArn }));
      try {
        await kvs.send(
          new UpdateKeysCommand({
            KvsARN: kvsArn,
            IfMatch: ETag,
            Puts: plan.puts.map((p) => ({ Key: p.key, Value: p.value })),
            Deletes: plan.deletes.map((key) => ({ Key: key })),
          }),
        );
        return;
      } catch (e) {
        const name = (e as { name?: string }).name;
        if (attempt >= ETAG_ATTEMPTS || name !== 'ConflictException') throw e;
      }
    }
  },
  respond: putCfnResponse,
};

export const handler = makeHandler(runtimeDeps);
