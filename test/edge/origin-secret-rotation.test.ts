import {
  ROTATION_STEPS,
  acceptedValues,
  newSecretValue,
  originHeaderValues,
  parseRotationEvent,
  rotate,
  updateWebAclInput,
  withAcceptedValues,
  withOriginHeader,
  type DistributionConfigLike,
  type RotationDeps,
  type WafRule,
  type WebAclLike,
} from '../../lambda/edge/domain/origin-secret';

const HEADER = 'x-rempart-origin-verify-eu-west-3';
const OTHER_HEADER = 'x-rempart-origin-verify-eu-central-1';
const RULE = 'RejectWithoutOriginHeader';
const SECRET = 'arn:aws:secretsmanager:eu-west-3:111111111111:secret:rempart/origin-verify/eu-west-3';
const PREVIOUS = `${SECRET}/previous`;

const encoder = new TextEncoder();
const byteMatch = (value: string) => ({
  ByteMatchStatement: {
    FieldToMatch: { SingleHeader: { Name: HEADER } },
    SearchString: encoder.encode(value),
    PositionalConstraint: 'EXACTLY',
    TextTransformations: [{ Priority: 0, Type: 'NONE' }],
  },
});
const guardRules = (values: string[]): WafRule[] => [
  {
    Name: RULE,
    Priority: 0,
    Action: { Block: {} },
    Statement: { NotStatement: { Statement: { OrStatement: { Statements: values.map(byteMatch) } } } },
  },
  { Name: 'Other', Priority: 1, Statement: { ByteMatchStatement: { SearchString: 'x' } } },
];
const distribution = (value: string): DistributionConfigLike => ({
  CallerReference: 'ref',
  Origins: {
    Quantity: 3,
    Items: [
      {
        Id: 'read',
        CustomHeaders: {
          Quantity: 2,
          Items: [
            { HeaderName: HEADER, HeaderValue: value },
            { HeaderName: OTHER_HEADER, HeaderValue: 'frankfurt' },
          ],
        },
      },
      { Id: 'write', CustomHeaders: { Quantity: 1, Items: [{ HeaderName: HEADER, HeaderValue: value }] } },
      { Id: 'site' },
    ],
  },
});

/** An account in memory: one rotated secret with versions, the previous-value secret, a web ACL, distributions. */
class FakeAccount implements RotationDeps {
  versions: Record<string, { value?: string; stages: string[] }> = {
    v1: { value: 'old', stages: ['AWSCURRENT'] },
  };

  /** What RotateSecret does before calling the function: a new version id, staged AWSPENDING, no value yet. */
  startRotation(token: string): string {
    this.versions[token] = { stages: ['AWSPENDING'] };
    return token;
  }
  previous = 'older';
  webAcl: WebAclLike = {
    Name: 'guard',
    Id: 'id-1',
    DefaultAction: { Allow: {} },
    VisibilityConfig: { MetricName: 'guard' },
    CustomResponseBodies: { RateLimited: {} },
    Rules: guardRules(['old', 'older']),
  };
  lockToken = 'lock-1';
  distributions: Record<string, { config: DistributionConfigLike; etag: string }> = {
    booking: { config: distribution('old'), etag: 'e1' },
    ent: { config: { Origins: { Items: [{ Id: 'vpc' }] } }, etag: 'e2' },
  };
  updates: string[] = [];
  random = 0;

  describeSecret = () =>
    Promise.resolve({
      rotationEnabled: true,
      versions: Object.fromEntries(Object.entries(this.versions).map(([k, v]) => [k, v.stages])),
    });
  getSecretValue = (id: string, stage?: string, versionId?: string) => {
    if (id === PREVIOUS) return Promise.resolve(this.previous);
    const found = Object.entries(this.versions).find(
      ([k, v]) =>
        (!versionId || k === versionId) && (!stage || v.stages.includes(stage)) && v.value !== undefined,
    );
    return Promise.resolve(found?.[1].value);
  };
  putSecretValue = (id: string, value: string, token?: string, stages?: readonly string[]) => {
    if (id === PREVIOUS) this.previous = value;
    else this.versions[token ?? 'x'] = { value, stages: [...(stages ?? [])] };
    this.updates.push(`put ${id === PREVIOUS ? 'previous' : 'current'}`);
    return Promise.resolve();
  };
  moveCurrentStage = (_id: string, to: string, from: string) => {
    this.versions[from].stages = this.versions[from].stages.filter((s) => s !== 'AWSCURRENT');
    this.versions[to].stages = [...this.versions[to].stages.filter((s) => s !== 'AWSPENDING'), 'AWSCURRENT'];
    return Promise.resolve();
  };
  randomValue = () => `new-${++this.random}`;
  getWebAcl = () => Promise.resolve({ webAcl: structuredClone(this.webAcl), lockToken: this.lockToken });
  updateWebAcl = (input: Record<string, unknown>) => {
    if (input.LockToken !== this.lockToken) throw new Error('WAFOptimisticLockException');
    this.webAcl = { ...this.webAcl, ...input };
    this.lockToken = `${this.lockToken}+`;
    this.updates.push('web ACL');
    return Promise.resolve();
  };
  listDistributionIds = () => Promise.resolve(Object.keys(this.distributions));
  getDistributionConfig = (id: string) => Promise.resolve(structuredClone(this.distributions[id]));
  updateDistribution = (id: string, config: DistributionConfigLike, etag: string) => {
    if (this.distributions[id].etag !== etag) throw new Error('PreconditionFailed');
    this.distributions[id] = { config, etag: `${etag}+` };
    this.updates.push(`distribution ${id}`);
    return Promise.resolve();
  };

  /** What CloudFront sends for this Region, and whether the web ACL lets it in. */
  cloudFrontIsAccepted(): boolean {
    const sent = originHeaderValues(this.distributions.booking.config, HEADER);
    const accepted = acceptedValues(this.webAcl.Rules ?? [], RULE, HEADER);
    return sent.every((v) => accepted.includes(v));
  }
}

const settings = {
  previousSecretId: PREVIOUS,
  headerName: HEADER,
  ruleName: RULE,
  webAclScope: 'REGIONAL' as const,
};

describe('origin secret rotation, end to end over an account in memory', () => {
  it('switches the web ACL, the distributions and the secrets, and CloudFront is never refused', async () => {
    const account = new FakeAccount();
    const token = account.startRotation('v2');
    for (const step of ROTATION_STEPS) {
      await rotate({ secretId: SECRET, token, step }, account, settings);
      // Whatever CloudFront's edge locations send at any point (old until it propagates, then new)
      // is accepted: the web ACL holds both values across the switch.
      expect([step, account.cloudFrontIsAccepted()]).toEqual([step, true]);
      expect([step, acceptedValues(account.webAcl.Rules ?? [], RULE, HEADER).includes('old')]).toEqual([
        step,
        true,
      ]);
    }
    expect(account.versions.v2).toEqual({ value: 'new-1', stages: ['AWSCURRENT'] });
    expect(account.versions.v1.stages).toEqual([]);
    expect(account.previous).toBe('old');
    expect(acceptedValues(account.webAcl.Rules ?? [], RULE, HEADER)).toEqual(['new-1', 'old']);
    expect(originHeaderValues(account.distributions.booking.config, HEADER)).toEqual(['new-1', 'new-1']);
    // The other Region's header and the distribution without the header are left alone.
    expect(originHeaderValues(account.distributions.booking.config, OTHER_HEADER)).toEqual(['frankfurt']);
    expect(account.updates).not.toContain('distribution ent');
    // Everything else of the web ACL is sent back unchanged.
    expect(account.webAcl).toMatchObject({
      CustomResponseBodies: { RateLimited: {} },
      DefaultAction: { Allow: {} },
    });
    expect(account.webAcl.Rules?.[1]).toEqual(guardRules([])[1]);
  });

  it('drops the value from before the previous rotation on the next one', async () => {
    const account = new FakeAccount();
    for (const token of ['v2', 'v3'].map((t) => account.startRotation(t))) {
      for (const step of ROTATION_STEPS) await rotate({ secretId: SECRET, token, step }, account, settings);
    }
    expect(acceptedValues(account.webAcl.Rules ?? [], RULE, HEADER)).toEqual(['new-2', 'new-1']);
    expect(account.previous).toBe('new-1');
  });

  it('repeats a step without changing anything a second time (Secrets Manager retries steps)', async () => {
    const account = new FakeAccount();
    account.startRotation('v2');
    await rotate({ secretId: SECRET, token: 'v2', step: 'createSecret' }, account, settings);
    await rotate({ secretId: SECRET, token: 'v2', step: 'createSecret' }, account, settings);
    await rotate({ secretId: SECRET, token: 'v2', step: 'setSecret' }, account, settings);
    const before = account.updates.length;
    await rotate({ secretId: SECRET, token: 'v2', step: 'setSecret' }, account, settings);
    expect(account.updates.length).toBe(before);
    expect(account.random).toBe(1);
  });

  it('fails the test step while a distribution still sends the old value', async () => {
    const account = new FakeAccount();
    account.startRotation('v2');
    await rotate({ secretId: SECRET, token: 'v2', step: 'createSecret' }, account, settings);
    await rotate({ secretId: SECRET, token: 'v2', step: 'setSecret' }, account, settings);
    account.distributions.booking.config = distribution('old');
    await expect(
      rotate({ secretId: SECRET, token: 'v2', step: 'testSecret' }, account, settings),
    ).rejects.toThrow(/distribution booking does not send the pending value yet/);
  });

  it('refuses to rotate a version that is not pending, or a secret without rotation', async () => {
    const account = new FakeAccount();
    await expect(
      rotate({ secretId: SECRET, token: 'nope', step: 'setSecret' }, account, settings),
    ).rejects.toThrow(/version nope .* does not exist/);
    account.describeSecret = () => Promise.resolve({ rotationEnabled: false, versions: {} });
    await expect(
      rotate({ secretId: SECRET, token: 'v2', step: 'createSecret' }, account, settings),
    ).rejects.toThrow(/rotation is not enabled/);
  });
});

describe('origin secret pieces', () => {
  it('parses the rotation event and names what is wrong', () => {
    expect(parseRotationEvent({ SecretId: 's', ClientRequestToken: 't', Step: 'testSecret' })).toEqual({
      secretId: 's',
      token: 't',
      step: 'testSecret',
    });
    expect(() => parseRotationEvent({ SecretId: 's', ClientRequestToken: 't', Step: 'dropSecret' })).toThrow(
      /Step is "dropSecret", expected one of createSecret/,
    );
    expect(() => parseRotationEvent({})).toThrow(/SecretId is missing/);
  });

  it('makes 48 hex characters from 24 random bytes', () => {
    expect(newSecretValue((n) => new Uint8Array(n).fill(171))).toBe('ab'.repeat(24));
  });

  it('writes a single accepted value as a plain match, and refuses an empty one', () => {
    const { rules } = withAcceptedValues(guardRules(['a', 'b']), RULE, HEADER, ['c', 'c']);
    expect(acceptedValues(rules, RULE, HEADER)).toEqual(['c']);
    expect(rules[0].Statement?.NotStatement?.Statement?.ByteMatchStatement).toBeTruthy();
    expect(() => withAcceptedValues(guardRules(['a']), RULE, HEADER, [''])).toThrow(/empty origin secret/);
    expect(() => withAcceptedValues([], RULE, HEADER, ['a'])).toThrow(
      /has no rule RejectWithoutOriginHeader/,
    );
  });

  it('sends back every updatable field of the web ACL and the lock token', () => {
    const input = updateWebAclInput(
      {
        Name: 'n',
        Id: 'i',
        ARN: 'arn',
        Capacity: 3,
        DefaultAction: { Allow: {} },
        TokenDomains: ['a'],
        Rules: [],
      },
      'lock',
      'REGIONAL',
      [],
    );
    expect(input).toEqual({
      Name: 'n',
      Id: 'i',
      Scope: 'REGIONAL',
      LockToken: 'lock',
      Rules: [],
      DefaultAction: { Allow: {} },
      TokenDomains: ['a'],
    });
  });

  it('reports no change when the distribution already sends the value', () => {
    expect(withOriginHeader(distribution('v'), HEADER, 'v').changed).toBe(false);
    expect(withOriginHeader(distribution('v'), HEADER, 'w').changed).toBe(true);
  });
});
