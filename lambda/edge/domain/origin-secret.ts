/**
 * Rotation of the CloudFront origin secret, as pure steps over injected effects (no AWS SDK here).
 *
 * The secret proves a request came through CloudFront: CloudFront sends it as an origin header and
 * the Region's web ACL refuses requests without it. A rotation must never refuse CloudFront while
 * its edge locations switch to the new value, so the web ACL accepts two values: the current one
 * and the previous one. Secrets Manager drives the four steps:
 * - createSecret: a new random value, staged AWSPENDING;
 * - setSecret: the previous-value secret takes the current value, the web ACL accepts
 *   {pending, current}, and every distribution sending this Region's header switches to pending;
 * - testSecret: the web ACL and the distributions hold what setSecret wrote;
 * - finishSecret: AWSCURRENT moves to the new version.
 * The old value stays accepted until the next rotation, long after CloudFront has propagated.
 */

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export interface RotationEvent {
  readonly secretId: string;
  readonly token: string;
  readonly step: RotationStep;
}

/** Secrets Manager's rotation event, checked: a malformed event is an error, never a partial rotation. */
export function parseRotationEvent(event: unknown): RotationEvent {
  const e = (event ?? {}) as Record<string, unknown>;
  const { SecretId, ClientRequestToken, Step } = e;
  if (typeof SecretId !== 'string' || SecretId === '') throw new Error('rotation event: SecretId is missing');
  if (typeof ClientRequestToken !== 'string' || ClientRequestToken === '')
    throw new Error('rotation event: ClientRequestToken is missing');
  if (typeof Step !== 'string' || !(ROTATION_STEPS as readonly string[]).includes(Step)) {
    throw new Error(
      `rotation event: Step is ${JSON.stringify(Step)}, expected one of ${ROTATION_STEPS.join(', ')}`,
    );
  }
  return { secretId: SecretId, token: ClientRequestToken, step: Step as RotationStep };
}

/** A byte-match SearchString as the WAF API returns it (bytes in SDK v3) or as we send it. */
type SearchString = string | Uint8Array;

export interface WafByteMatch {
  SearchString?: SearchString;
  FieldToMatch?: { SingleHeader?: { Name?: string } } & Record<string, unknown>;
  TextTransformations?: unknown[];
  PositionalConstraint?: string;
}

export interface WafStatement {
  ByteMatchStatement?: WafByteMatch;
  OrStatement?: { Statements?: WafStatement[] };
  NotStatement?: { Statement?: WafStatement };
  [other: string]: unknown;
}

export interface WafRule {
  Name?: string;
  Statement?: WafStatement;
  [other: string]: unknown;
}

const decoder = new TextDecoder();
const text = (s: SearchString | undefined): string =>
  s === undefined ? '' : typeof s === 'string' ? s : decoder.decode(s);

function originRule(rules: readonly WafRule[], ruleName: string): WafRule {
  const rule = rules.find((r) => r.Name === ruleName);
  if (!rule) throw new Error(`the web ACL has no rule ${ruleName}: it is not an origin guard Rempart built`);
  return rule;
}

function byteMatches(rule: WafRule, ruleName: string): WafByteMatch[] {
  const inner = rule.Statement?.NotStatement?.Statement;
  const statements = inner?.OrStatement?.Statements ?? (inner ? [inner] : []);
  const matches = statements.map((s) => s.ByteMatchStatement);
  if (matches.length === 0 || matches.some((m) => m === undefined)) {
    throw new Error(`rule ${ruleName} is not NOT(header = value [OR header = value])`);
  }
  return matches as WafByteMatch[];
}

/** Values the origin rule currently accepts for `headerName`. */
export function acceptedValues(rules: readonly WafRule[], ruleName: string, headerName: string): string[] {
  return byteMatches(originRule(rules, ruleName), ruleName)
    .filter((m) => m.FieldToMatch?.SingleHeader?.Name?.toLowerCase() === headerName.toLowerCase())
    .map((m) => text(m.SearchString));
}

/**
 * The web ACL's rules with the origin rule accepting exactly `values` (in order, duplicates
 * dropped), every other rule untouched. `changed` is false when it already did.
 */
export function withAcceptedValues(
  rules: readonly WafRule[],
  ruleName: string,
  headerName: string,
  values: readonly string[],
): { rules: WafRule[]; changed: boolean } {
  const wanted = [...new Set(values)];
  if (wanted.length === 0 || wanted.some((v) => v === ''))
    throw new Error('refusing to accept an empty origin secret');
  const current = acceptedValues(rules, ruleName, headerName);
  if (current.length === wanted.length && current.every((v, i) => v === wanted[i])) {
    return { rules: [...rules], changed: false };
  }
  const template = byteMatches(originRule(rules, ruleName), ruleName)[0];
  const encoder = new TextEncoder();
  const match = (value: string): WafStatement => ({
    ByteMatchStatement: {
      ...template,
      FieldToMatch: { SingleHeader: { Name: headerName.toLowerCase() } },
      SearchString: encoder.encode(value),
      PositionalConstraint: 'EXACTLY',
    },
  });
  const inner: WafStatement =
    wanted.length === 1 ? match(wanted[0]) : { OrStatement: { Statements: wanted.map(match) } };
  return {
    rules: rules.map((r) =>
      r.Name === ruleName ? { ...r, Statement: { NotStatement: { Statement: inner } } } : r,
    ),
    changed: true,
  };
}

/** Fields of GetWebACL's WebACL that UpdateWebACL takes back; anything omitted would be reset. */
const WEB_ACL_UPDATABLE = [
  'DefaultAction',
  'Description',
  'VisibilityConfig',
  'DataProtectionConfig',
  'CustomResponseBodies',
  'CaptchaConfig',
  'ChallengeConfig',
  'TokenDomains',
  'AssociationConfig',
  'OnSourceDDoSProtectionConfig',
  'ApplicationConfig',
] as const;

export interface WebAclLike {
  Name?: string;
  Id?: string;
  Rules?: WafRule[];
  [field: string]: unknown;
}

/** The UpdateWebACL input that replaces the rules and keeps everything else as it was. */
export function updateWebAclInput(
  webAcl: WebAclLike,
  lockToken: string,
  scope: 'REGIONAL' | 'CLOUDFRONT',
  rules: WafRule[],
): Record<string, unknown> {
  const input: Record<string, unknown> = {
    Name: webAcl.Name,
    Id: webAcl.Id,
    Scope: scope,
    LockToken: lockToken,
    Rules: rules,
  };
  for (const field of WEB_ACL_UPDATABLE) if (webAcl[field] !== undefined) input[field] = webAcl[field];
  return input;
}

/** The parts of GetDistributionConfig's DistributionConfig this rotation reads; the rest is sent back as is. */
export interface DistributionConfigLike {
  Origins?: {
    Quantity?: number;
    Items?: Array<{
      Id?: string;
      CustomHeaders?: { Quantity?: number; Items?: Array<{ HeaderName?: string; HeaderValue?: string }> };
    }>;
  };
  [field: string]: unknown;
}

/** Value each origin sends for `headerName` (origins without it are left out). */
export function originHeaderValues(config: DistributionConfigLike, headerName: string): string[] {
  const name = headerName.toLowerCase();
  return (config.Origins?.Items ?? []).flatMap((o) =>
    (o.CustomHeaders?.Items ?? [])
      .filter((h) => h.HeaderName?.toLowerCase() === name)
      .map((h) => h.HeaderValue ?? ''),
  );
}

/** The distribution config with every origin's `headerName` set to `value`; other headers untouched. */
export function withOriginHeader(
  config: DistributionConfigLike,
  headerName: string,
  value: string,
): { config: DistributionConfigLike; changed: boolean } {
  const name = headerName.toLowerCase();
  let changed = false;
  const items = (config.Origins?.Items ?? []).map((o) => {
    const headers = o.CustomHeaders?.Items;
    if (!headers?.some((h) => h.HeaderName?.toLowerCase() === name)) return o;
    return {
      ...o,
      CustomHeaders: {
        ...o.CustomHeaders,
        Items: headers.map((h) => {
          if (h.HeaderName?.toLowerCase() !== name || h.HeaderValue === value) return h;
          changed = true;
          return { ...h, HeaderValue: value };
        }),
      },
    };
  });
  return { config: { ...config, Origins: { ...config.Origins, Items: items } }, changed };
}

/** A new secret value: 48 hex characters (192 bits), safe in an HTTP header. */
export function newSecretValue(randomBytes: (size: number) => Uint8Array): string {
  return Array.from(randomBytes(24), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** What the rotation needs from AWS, injected so that the steps are testable without it. */
export interface RotationDeps {
  /** Version id → staging labels of the secret, and whether rotation is on. */
  describeSecret(
    secretId: string,
  ): Promise<{ rotationEnabled: boolean; versions: Record<string, readonly string[]> }>;
  /** The value of a version (by stage and/or id); undefined when no such version exists. */
  getSecretValue(secretId: string, stage?: string, versionId?: string): Promise<string | undefined>;
  /** Writes a value; with a token and stages for the rotated secret, a plain new current value otherwise. */
  putSecretValue(secretId: string, value: string, token?: string, stages?: readonly string[]): Promise<void>;
  moveCurrentStage(secretId: string, toVersion: string, fromVersion: string): Promise<void>;
  randomValue(): string;
  getWebAcl(): Promise<{ webAcl: WebAclLike; lockToken: string }>;
  updateWebAcl(input: Record<string, unknown>): Promise<void>;
  listDistributionIds(): Promise<string[]>;
  getDistributionConfig(id: string): Promise<{ config: DistributionConfigLike; etag: string }>;
  updateDistribution(id: string, config: DistributionConfigLike, etag: string): Promise<void>;
}

export interface RotationSettings {
  /** The secret holding the previous value (read by the web ACL only). */
  readonly previousSecretId: string;
  readonly headerName: string;
  readonly ruleName: string;
  readonly webAclScope: 'REGIONAL' | 'CLOUDFRONT';
}

/** What a step did, for the log. */
export interface StepOutcome {
  readonly step: RotationStep;
  readonly actions: readonly string[];
}

export async function rotate(
  event: RotationEvent,
  deps: RotationDeps,
  settings: RotationSettings,
): Promise<StepOutcome> {
  const { secretId, token, step } = event;
  const actions: string[] = [];
  const described = await deps.describeSecret(secretId);
  if (!described.rotationEnabled) throw new Error(`rotation is not enabled on ${secretId}`);
  const stages = described.versions[token];
  if (!stages) throw new Error(`version ${token} of ${secretId} does not exist`);
  if (stages.includes('AWSCURRENT')) return { step, actions: ['version already current: nothing to do'] };
  if (!stages.includes('AWSPENDING'))
    throw new Error(`version ${token} of ${secretId} is not staged AWSPENDING`);

  const pending = async (): Promise<string> => {
    const value = await deps.getSecretValue(secretId, 'AWSPENDING', token);
    if (!value) throw new Error(`version ${token} of ${secretId} has no pending value`);
    return value;
  };
  const current = async (): Promise<string> => {
    const value = await deps.getSecretValue(secretId, 'AWSCURRENT');
    if (!value) throw new Error(`${secretId} has no current value`);
    return value;
  };
  const carrying = async (): Promise<Array<{ id: string; config: DistributionConfigLike; etag: string }>> => {
    const found = [];
    for (const id of await deps.listDistributionIds()) {
      const { config, etag } = await deps.getDistributionConfig(id);
      if (originHeaderValues(config, settings.headerName).length > 0) found.push({ id, config, etag });
    }
    return found;
  };

  switch (step) {
    case 'createSecret': {
      await current();
      if ((await deps.getSecretValue(secretId, 'AWSPENDING', token)) === undefined) {
        await deps.putSecretValue(secretId, deps.randomValue(), token, ['AWSPENDING']);
        actions.push('new value staged AWSPENDING');
      } else {
        actions.push('pending value already exists');
      }
      break;
    }
    case 'setSecret': {
      const [next, now] = [await pending(), await current()];
      if ((await deps.getSecretValue(settings.previousSecretId)) !== now) {
        await deps.putSecretValue(settings.previousSecretId, now);
        actions.push('previous-value secret holds the current value');
      }
      const { webAcl, lockToken } = await deps.getWebAcl();
      const update = withAcceptedValues(webAcl.Rules ?? [], settings.ruleName, settings.headerName, [
        next,
        now,
      ]);
      if (update.changed) {
        await deps.updateWebAcl(updateWebAclInput(webAcl, lockToken, settings.webAclScope, update.rules));
        actions.push('web ACL accepts the pending and the current value');
      }
      for (const d of await carrying()) {
        const changed = withOriginHeader(d.config, settings.headerName, next);
        if (changed.changed) {
          await deps.updateDistribution(d.id, changed.config, d.etag);
          actions.push(`distribution ${d.id} sends the pending value`);
        }
      }
      break;
    }
    case 'testSecret': {
      const next = await pending();
      const { webAcl } = await deps.getWebAcl();
      if (!acceptedValues(webAcl.Rules ?? [], settings.ruleName, settings.headerName).includes(next)) {
        throw new Error('the web ACL does not accept the pending value yet');
      }
      for (const d of await carrying()) {
        if (originHeaderValues(d.config, settings.headerName).some((v) => v !== next)) {
          throw new Error(`distribution ${d.id} does not send the pending value yet`);
        }
      }
      actions.push('web ACL and distributions hold the pending value');
      break;
    }
    case 'finishSecret': {
      const currentVersion = Object.entries(described.versions).find(([, s]) =>
        s.includes('AWSCURRENT'),
      )?.[0];
      if (!currentVersion) throw new Error(`${secretId} has no AWSCURRENT version`);
      await deps.moveCurrentStage(secretId, token, currentVersion);
      actions.push(`AWSCURRENT moved from ${currentVersion} to ${token}`);
      break;
    }
  }
  return { step, actions };
}
