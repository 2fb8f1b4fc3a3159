import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import {
  makeHandler,
  parseSyncRequest,
  planStoreSync,
  type CfnResponse,
  type SyncPlan,
} from '../../lambda/admission-edge/store-sync';

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);
const SECRETS: Record<string, string> = { 'arn:secret:a': KEY_A, 'arn:secret:b': KEY_B };

const properties = (overrides: Record<string, unknown> = {}) => ({
  ServiceToken: 'x',
  KvsArn: 'arn:aws:cloudfront::111111111111:key-value-store/s',
  SigningKeySecretArns: { a: 'arn:secret:a', b: 'arn:secret:b' },
  CurrentKid: 'a',
  EventId: 'opening',
  PathClasses: ['booking-write', 'booking-page'],
  Generation: '1',
  ...overrides,
});

function event(
  type: 'Create' | 'Update' | 'Delete',
  props = properties(),
  old = properties(),
): CloudFormationCustomResourceEvent {
  return {
    RequestType: type,
    ServiceToken: 'x',
    ResponseURL: 'https://cloudformation.example/r',
    StackId: 'stack',
    RequestId: 'req-2',
    LogicalResourceId: 'GateStoreContents',
    ResourceType: 'Custom::RempartAdmissionStore',
    ResourceProperties: props,
    ...(type === 'Update' ? { OldResourceProperties: old } : {}),
    ...(type === 'Create' ? {} : { PhysicalResourceId: 'GateStoreContents-req-1' }),
  } as unknown as CloudFormationCustomResourceEvent;
}

function harness(store: Record<string, string> = {}, secrets = SECRETS) {
  const entries = new Map(Object.entries(store));
  const plans: SyncPlan[] = [];
  const responses: CfnResponse[] = [];
  const secretReads: string[] = [];
  const handler = makeHandler({
    readSecret: (arn) => {
      secretReads.push(arn);
      const value = secrets[arn];
      return value === undefined
        ? Promise.reject(new Error(`AccessDenied on ${arn}`))
        : Promise.resolve(value);
    },
    keyExists: (_arn, key) => Promise.resolve(entries.has(key)),
    updateKeys: (_arn, plan) => {
      plans.push(plan);
      for (const p of plan.puts) entries.set(p.key, p.value);
      for (const k of plan.deletes) entries.delete(k);
      return Promise.resolve();
    },
    respond: (_url, r) => {
      responses.push(r);
      return Promise.resolve();
    },
  });
  return { handler, entries, plans, responses, secretReads };
}

describe('admission store sync (custom resource)', () => {
  it('on Create writes the keys, kid, event, the fail-open switch off and every class gated, in one update', async () => {
    const h = harness();
    await h.handler(event('Create'));
    expect(h.responses).toEqual([
      expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'GateStoreContents-req-2' }),
    ]);
    expect(h.plans).toHaveLength(1);
    expect(Object.fromEntries(h.entries)).toEqual({
      'adm:key:a': KEY_A,
      'adm:key:b': KEY_B,
      'adm:kid:current': 'a',
      'adm:event': 'opening',
      'adm:failopen': 'off',
      'adm:mode:booking-write': 'gate',
      'adm:mode:booking-page': 'gate',
    });
  });

  it('on Update refreshes keys and event but never undoes a fail-open or an operator override', async () => {
    const h = harness({
      'adm:key:a': 'old'.padEnd(64, 'x'),
      'adm:failopen': 'on',
      'adm:mode:booking-write': 'open',
      'adm:mode:booking-page': 'closed',
      'adm:mode:retired': 'gate',
    });
    await h.handler(
      event(
        'Update',
        properties({
          CurrentKid: 'b',
          EventId: 'opening-2',
          PathClasses: ['booking-write', 'booking-page', 'new-class'],
        }),
        properties({ PathClasses: ['booking-write', 'booking-page', 'retired'] }),
      ),
    );
    expect(h.responses.map((r) => r.Status)).toEqual(['SUCCESS']);
    expect(Object.fromEntries(h.entries)).toEqual({
      'adm:key:a': KEY_A,
      'adm:key:b': KEY_B,
      'adm:kid:current': 'b',
      'adm:event': 'opening-2',
      'adm:failopen': 'on',
      'adm:mode:booking-write': 'open',
      'adm:mode:booking-page': 'closed',
      'adm:mode:new-class': 'gate',
    });
  });

  it('on Delete answers SUCCESS without reading a secret', async () => {
    const h = harness();
    await h.handler(event('Delete'));
    expect(h.responses.map((r) => r.Status)).toEqual(['SUCCESS']);
    expect(h.secretReads).toEqual([]);
  });

  it('fails the deployment on a malformed key, without echoing it', async () => {
    const bad = 'short-and-has-punctuation!';
    const h = harness({}, { 'arn:secret:a': bad, 'arn:secret:b': KEY_B });
    await h.handler(event('Create'));
    expect(h.plans).toEqual([]);
    expect(h.responses).toEqual([
      expect.objectContaining({ Status: 'FAILED', Reason: expect.stringContaining('kid a') as unknown }),
    ]);
    expect(JSON.stringify(h.responses)).not.toContain(bad);
  });

  it('reports an unreadable secret as FAILED instead of timing out', async () => {
    const h = harness({}, { 'arn:secret:a': KEY_A });
    await h.handler(event('Create'));
    expect(h.responses).toEqual([
      expect.objectContaining({ Status: 'FAILED', Reason: 'AccessDenied on arn:secret:b' }),
    ]);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no store', { KvsArn: '' }, /KvsArn is missing/],
    ['one secret', { SigningKeySecretArns: { a: 'arn:secret:a' } }, /SigningKeySecretArns\.b is missing/],
    ['unknown kid', { CurrentKid: 'c' }, /CurrentKid is "c"/],
    ['no classes', { PathClasses: 'booking' }, /PathClasses is missing/],
  ])('refuses properties with %s', (_name, overrides, message) => {
    expect(() => parseSyncRequest(properties(overrides))).toThrow(message);
  });

  it('plans writes in one all-or-nothing call: keys first, then settings', () => {
    const plan = planStoreSync(parseSyncRequest(properties()), { a: KEY_A, b: KEY_B }, undefined, new Set());
    expect(plan.puts.map((p) => p.key)).toEqual([
      'adm:key:a',
      'adm:key:b',
      'adm:kid:current',
      'adm:event',
      'adm:failopen',
      'adm:mode:booking-write',
      'adm:mode:booking-page',
    ]);
    expect(plan.deletes).toEqual([]);
  });
});
