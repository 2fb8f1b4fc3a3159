/**
 * A small, pure evaluator of synthesized WAF web ACLs (CloudFormation JSON), to replay attack
 * traffic against what Rempart actually deploys. It models, from the AWS WAF Developer Guide:
 * - rules in priority order; Block and Allow terminate, Count continues; the default action last;
 * - rate-based rules: requests in the scope-down are counted per aggregation instance over the
 *   evaluation window, and the rule matches a request once its instance holds more than `Limit`
 *   requests; a request missing any custom-key part (cookie, header, fingerprint with fallback
 *   NO_MATCH) is omitted from the rule; a rule only counts requests it evaluates;
 * - byte, regex, size and IP-set statements, AND/OR/NOT, and the text transformations Rempart uses
 *   (NONE, URL_DECODE, NORMALIZE_PATH, LOWERCASE), applied from the lowest priority up;
 * - body inspection: WAF sees at most `bodyInspectionBytes` of a body; a larger body follows the
 *   statement's OversizeHandling.
 * What it does not model (and refuses rather than guesses): managed rule groups (never match
 * here), WAF's 10–30 s reaction delay (it acts on the exact count), anything not listed above.
 */

export interface WafRequest {
  /** Source address, IPv4 or IPv6. */
  readonly ip: string;
  readonly method: string;
  /** The URI path as sent, without the query string (not decoded). */
  readonly uri: string;
  /** Lower-case names. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cookies?: Readonly<Record<string, string>>;
  /** JA4 TLS fingerprint; undefined when WAF could not compute one. */
  readonly ja4?: string;
  readonly bodyBytes?: number;
  /** Seconds since the start of the replay. */
  readonly at: number;
}

export interface Verdict {
  readonly action: 'ALLOW' | 'BLOCK';
  /** HTTP status the viewer gets from WAF (200 when allowed: the origin answers). */
  readonly status: number;
  /** Terminating rule, or "Default_Action". */
  readonly rule: string;
  /** Rules in Count mode that matched. */
  readonly counted: readonly string[];
}

type Json = Record<string, unknown>;

export interface SimulatorOptions {
  /** Values of Secrets Manager dynamic references, by the secret's logical id. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** @default 16,384 (CloudFront's default body inspection limit) */
  readonly bodyInspectionBytes?: number;
}

const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export class WebAclSimulator {
  private readonly rules: Json[];
  private readonly defaultAction: Json;
  private readonly counters = new Map<string, number[]>();

  /**
   * @param resources the template's Resources (one stack)
   * @param webAclId logical id of the web ACL to evaluate
   */
  constructor(
    private readonly resources: Readonly<Record<string, Json>>,
    webAclId: string,
    private readonly options: SimulatorOptions = {},
  ) {
    const acl = resources[webAclId];
    if (!acl || acl.Type !== 'AWS::WAFv2::WebACL') throw new Error(`${webAclId} is not a web ACL`);
    const props = obj(acl.Properties);
    this.rules = arr(props.Rules)
      .map(obj)
      .sort((a, b) => Number(a.Priority) - Number(b.Priority));
    this.defaultAction = obj(props.DefaultAction);
  }

  /** Logical ids of the web ACLs in `resources`. */
  static webAcls(resources: Readonly<Record<string, Json>>): string[] {
    return Object.keys(resources).filter((id) => resources[id].Type === 'AWS::WAFv2::WebACL');
  }

  evaluate(req: WafRequest): Verdict {
    const counted: string[] = [];
    for (const rule of this.rules) {
      const name = String(rule.Name);
      const statement = obj(rule.Statement);
      if (statement.ManagedRuleGroupStatement) continue; // not modelled: never matches here
      const matched = statement.RateBasedStatement
        ? this.rateMatches(name, obj(statement.RateBasedStatement), req)
        : this.matches(statement, req);
      if (!matched) continue;
      const action = obj(rule.Action);
      if ('Count' in action) {
        counted.push(name);
        continue;
      }
      if ('Allow' in action) return { action: 'ALLOW', status: 200, rule: name, counted };
      if ('Block' in action) {
        const code = obj(obj(action.Block).CustomResponse).ResponseCode;
        return { action: 'BLOCK', status: typeof code === 'number' ? code : 403, rule: name, counted };
      }
      throw new Error(`rule ${name}: action ${Object.keys(action).join(', ')} is not modelled`);
    }
    if ('Block' in this.defaultAction)
      return { action: 'BLOCK', status: 403, rule: 'Default_Action', counted };
    return { action: 'ALLOW', status: 200, rule: 'Default_Action', counted };
  }

  private rateMatches(name: string, rate: Json, req: WafRequest): boolean {
    if (rate.ScopeDownStatement && !this.matches(obj(rate.ScopeDownStatement), req)) return false;
    const key = this.aggregationKey(rate, req);
    if (key === undefined) return false; // a missing key part: the request is omitted
    const window = Number(rate.EvaluationWindowSec ?? 300);
    const bucket = `${name}\u0000${key}`;
    const times = (this.counters.get(bucket) ?? []).filter((t) => t > req.at - window);
    times.push(req.at);
    this.counters.set(bucket, times);
    return times.length > Number(rate.Limit);
  }

  private aggregationKey(rate: Json, req: WafRequest): string | undefined {
    switch (rate.AggregateKeyType) {
      case 'IP':
        return canonicalIp(req.ip);
      case 'CONSTANT':
        return 'all';
      case 'FORWARDED_IP':
        return req.headers?.[String(obj(rate.ForwardedIPConfig).HeaderName).toLowerCase()];
      case 'CUSTOM_KEYS': {
        const parts: string[] = [];
        for (const k of arr(rate.CustomKeys).map(obj)) {
          const [kind, spec] = Object.entries(k)[0] ?? [];
          const part = this.keyPart(String(kind), obj(spec), rate, req);
          if (part === undefined) return undefined;
          parts.push(`${kind}=${part}`);
        }
        return parts.join('|');
      }
      default:
        throw new Error(`AggregateKeyType ${String(rate.AggregateKeyType)} is not modelled`);
    }
  }

  private keyPart(kind: string, spec: Json, rate: Json, req: WafRequest): string | undefined {
    switch (kind) {
      case 'IP':
        return canonicalIp(req.ip);
      case 'ForwardedIP':
        return req.headers?.[String(obj(rate.ForwardedIPConfig).HeaderName).toLowerCase()];
      case 'HTTPMethod':
        return req.method;
      case 'UriPath':
        return transform(req.uri, spec.TextTransformations);
      case 'Cookie': {
        const value = req.cookies?.[String(spec.Name)];
        return value === undefined ? undefined : transform(value, spec.TextTransformations);
      }
      case 'Header': {
        const value = req.headers?.[String(spec.Name).toLowerCase()];
        return value === undefined ? undefined : transform(value, spec.TextTransformations);
      }
      case 'JA4Fingerprint':
        if (req.ja4 !== undefined) return req.ja4;
        if (spec.FallbackBehavior === 'NO_MATCH') return undefined;
        throw new Error('JA4 fallback MATCH is not modelled');
      default:
        throw new Error(`custom key ${kind} is not modelled`);
    }
  }

  private matches(statement: Json, req: WafRequest): boolean {
    const [kind, body] = Object.entries(statement)[0] ?? [];
    const s = obj(body);
    switch (kind) {
      case 'AndStatement':
        return arr(s.Statements).every((x) => this.matches(obj(x), req));
      case 'OrStatement':
        return arr(s.Statements).some((x) => this.matches(obj(x), req));
      case 'NotStatement':
        return !this.matches(obj(s.Statement), req);
      case 'ByteMatchStatement': {
        const field = this.field(obj(s.FieldToMatch), req);
        if (field === undefined) return false;
        const value = transform(field, s.TextTransformations);
        const search = this.resolve(s.SearchString);
        switch (s.PositionalConstraint) {
          case 'EXACTLY':
            return value === search;
          case 'STARTS_WITH':
            return value.startsWith(search);
          case 'ENDS_WITH':
            return value.endsWith(search);
          case 'CONTAINS':
            return value.includes(search);
          default:
            throw new Error(`PositionalConstraint ${String(s.PositionalConstraint)} is not modelled`);
        }
      }
      case 'RegexMatchStatement': {
        const field = this.field(obj(s.FieldToMatch), req);
        return (
          field !== undefined &&
          new RegExp(String(s.RegexString)).test(transform(field, s.TextTransformations))
        );
      }
      case 'SizeConstraintStatement': {
        const fieldToMatch = obj(s.FieldToMatch);
        if (!('Body' in fieldToMatch)) throw new Error('only body size constraints are modelled');
        const size = req.bodyBytes ?? 0;
        const limit = this.options.bodyInspectionBytes ?? 16_384;
        const oversize = obj(fieldToMatch.Body).OversizeHandling ?? 'CONTINUE';
        if (size > limit && oversize === 'MATCH') return true;
        if (size > limit && oversize === 'NO_MATCH') return false;
        return compare(Math.min(size, limit), String(s.ComparisonOperator), Number(s.Size));
      }
      case 'IPSetReferenceStatement': {
        const ref = obj(s.Arn)['Fn::GetAtt'];
        const id = Array.isArray(ref) ? String(ref[0]) : '';
        const set = this.resources[id];
        if (!set || set.Type !== 'AWS::WAFv2::IPSet') throw new Error(`IP set ${id} is not in the template`);
        return arr(obj(set.Properties).Addresses).some((cidr) => inCidr(req.ip, String(cidr)));
      }
      default:
        throw new Error(`statement ${String(kind)} is not modelled`);
    }
  }

  private field(fieldToMatch: Json, req: WafRequest): string | undefined {
    if ('UriPath' in fieldToMatch) return req.uri;
    if ('Method' in fieldToMatch) return req.method;
    if ('SingleHeader' in fieldToMatch)
      return req.headers?.[String(obj(fieldToMatch.SingleHeader).Name).toLowerCase()];
    throw new Error(`FieldToMatch ${Object.keys(fieldToMatch).join(', ')} is not modelled`);
  }

  /** A SearchString: a literal, or a Secrets Manager dynamic reference built by Fn::Join. */
  private resolve(value: unknown): string {
    if (typeof value === 'string') return value;
    const join = obj(value)['Fn::Join'];
    if (!Array.isArray(join)) throw new Error(`SearchString ${JSON.stringify(value)} is not modelled`);
    const text = arr(join[1])
      .map((p) => (typeof p === 'string' ? p : `<Ref:${String(obj(p).Ref)}>`))
      .join(String(join[0]));
    const dynamic = /^\{\{resolve:secretsmanager:<Ref:([A-Za-z0-9]+)>:SecretString:::\}\}$/.exec(text);
    const secret = dynamic ? this.options.secrets?.[dynamic[1]] : undefined;
    if (secret === undefined) throw new Error(`no value given for ${text}`);
    return secret;
  }
}

function compare(a: number, operator: string, b: number): boolean {
  switch (operator) {
    case 'EQ':
      return a === b;
    case 'NE':
      return a !== b;
    case 'LE':
      return a <= b;
    case 'LT':
      return a < b;
    case 'GE':
      return a >= b;
    case 'GT':
      return a > b;
    default:
      throw new Error(`ComparisonOperator ${operator} is not modelled`);
  }
}

/** WAF's text transformations, applied from the lowest priority up. */
export function transform(value: string, transformations: unknown): string {
  return arr(transformations)
    .map(obj)
    .sort((a, b) => Number(a.Priority) - Number(b.Priority))
    .reduce((v, t) => applyTransformation(v, String(t.Type)), value);
}

export function applyTransformation(value: string, type: string): string {
  switch (type) {
    case 'NONE':
      return value;
    case 'LOWERCASE':
      return value.replace(/[A-Z]/g, (c) => c.toLowerCase());
    case 'URL_DECODE':
      return value.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    case 'NORMALIZE_PATH':
      return normalizePath(value);
    default:
      throw new Error(`text transformation ${type} is not modelled`);
  }
}

/** Removes multiple slashes, directory self-references and back-references not at the beginning. */
function normalizePath(path: string): string {
  const segments = path.replace(/\/{2,}/g, '/').split('/');
  const out: string[] = [];
  segments.forEach((segment, i) => {
    if (segment === '.') {
      if (i === segments.length - 1) out.push('');
      return;
    }
    if (segment === '..') {
      const last = out[out.length - 1];
      if (out.length > 1 && last !== '..') out.pop();
      else out.push(segment);
      if (i === segments.length - 1) out.push('');
      return;
    }
    out.push(segment);
  });
  return out.join('/');
}

/** One spelling per address, so that "2001:db8::1" and "2001:0db8:0:0::1" are one instance. */
export function canonicalIp(ip: string): string {
  return ip.includes(':') ? ipv6ToBigInt(ip).toString(16) : ip;
}

function ipv6ToBigInt(ip: string): bigint {
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  const groups = tail !== undefined ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  if (groups.length !== 8) throw new Error(`${ip} is not an IPv6 address`);
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

function ipv4ToBigInt(ip: string): bigint {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255)))
    throw new Error(`${ip} is not an IPv4 address`);
  return parts.reduce((n, p) => (n << 8n) | BigInt(p), 0n);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const v6 = base.includes(':');
  if (v6 !== ip.includes(':')) return false;
  const width = v6 ? 128n : 32n;
  const bits = BigInt(Number(bitsText));
  const toInt = v6 ? ipv6ToBigInt : ipv4ToBigInt;
  const mask = bits === 0n ? 0n : ((1n << bits) - 1n) << (width - bits);
  return (toInt(ip) & mask) === (toInt(base) & mask);
}
