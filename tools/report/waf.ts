import { isRecord } from './assembly';
import { at, num, render, type Res } from './cfn';

/** A rate-based rule of a web ACL, as read from the template. */
export interface RateRuleView {
  readonly name: string;
  readonly priority: number;
  readonly limit: number;
  readonly windowSeconds: number;
  /** Key parts, e.g. ["IP", "Cookie rempart-session"]. */
  readonly keys: readonly string[];
  /** True when the key is the address alone (one bucket per IP): what a shared NAT address meets. */
  readonly perAddress: boolean;
  /** HTTP methods the scope-down restricts to (empty: every method). */
  readonly methods: readonly string[];
  /** URI path conditions of the scope-down, rendered. */
  readonly paths: readonly string[];
  /** Block, Count, Captcha, Challenge (from the rule's Action). */
  readonly action: string;
  /** Index of the rule in the template's Rules array (for the evidence path). */
  readonly index: number;
}

export interface ManagedGroupView {
  readonly name: string;
  readonly vendor: string;
  readonly group: string;
  /** "enforcing" (OverrideAction None) or "count". */
  readonly mode: string;
  readonly index: number;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function rateRules(acl: Res): RateRuleView[] {
  const rules = Array.isArray(acl.props.Rules) ? acl.props.Rules : [];
  const out: RateRuleView[] = [];
  rules.forEach((rule, index) => {
    const st = at(rule, 'Statement.RateBasedStatement');
    if (!isRecord(st)) return;
    const aggregate = render(st.AggregateKeyType);
    const keys =
      aggregate === 'CUSTOM_KEYS'
        ? (Array.isArray(st.CustomKeys) ? st.CustomKeys : []).map(keyName)
        : aggregate === 'CONSTANT'
          ? ['constant']
          : [aggregate];
    const scope = scopeOf(st.ScopeDownStatement);
    out.push({
      name: render(at(rule, 'Name')),
      priority: num(at(rule, 'Priority')) ?? index,
      limit: num(st.Limit) ?? 0,
      windowSeconds: num(st.EvaluationWindowSec) ?? 300,
      keys,
      perAddress: keys.length === 1 && (keys[0] === 'IP' || keys[0]?.startsWith('FORWARDED_IP') === true),
      methods: scope.methods,
      paths: scope.paths,
      action: Object.keys(isRecord(at(rule, 'Action')) ? (at(rule, 'Action') as object) : {})[0] ?? 'none',
      index,
    });
  });
  return out;
}

/** True when the rule counts writes only (its scope-down names write methods and nothing else). */
export function writesOnly(rule: RateRuleView): boolean {
  return rule.methods.length > 0 && rule.methods.every((m) => WRITE_METHODS.has(m));
}

export function managedGroups(acl: Res): ManagedGroupView[] {
  const rules = Array.isArray(acl.props.Rules) ? acl.props.Rules : [];
  const out: ManagedGroupView[] = [];
  rules.forEach((rule, index) => {
    const st = at(rule, 'Statement.ManagedRuleGroupStatement');
    if (!isRecord(st)) return;
    const override = at(rule, 'OverrideAction');
    out.push({
      name: render(at(rule, 'Name')),
      vendor: render(st.VendorName),
      group: render(st.Name),
      mode: isRecord(override) && 'Count' in override ? 'count' : 'enforcing',
      index,
    });
  });
  return out;
}

function keyName(k: unknown): string {
  if (!isRecord(k)) return render(k);
  const [kind] = Object.keys(k);
  const arg = kind ? k[kind] : undefined;
  const name = isRecord(arg) && arg.Name !== undefined ? ` ${render(arg.Name)}` : '';
  return `${kind ?? '?'}${name}`;
}

/** Methods and URI conditions of a scope-down, whatever And/Or nesting holds them. */
function scopeOf(statement: unknown): { methods: string[]; paths: string[] } {
  const methods: string[] = [];
  const paths: string[] = [];
  const visit = (s: unknown) => {
    if (!isRecord(s)) return;
    const bm = s.ByteMatchStatement;
    if (isRecord(bm)) {
      const field = isRecord(bm.FieldToMatch) ? Object.keys(bm.FieldToMatch)[0] : undefined;
      const value = render(bm.SearchString);
      if (field === 'Method') methods.push(value.toUpperCase());
      else if (field === 'UriPath') paths.push(`${render(bm.PositionalConstraint)} ${value}`);
    }
    const rm = s.RegexMatchStatement;
    if (isRecord(rm)) {
      const field = isRecord(rm.FieldToMatch) ? Object.keys(rm.FieldToMatch)[0] : undefined;
      const pattern = render(rm.RegexString);
      if (field === 'Method') {
        // "^(post|put)$" or "^post$": a plain alternation of method names.
        const m = /^\^\(?([A-Za-z|]+)\)?\$$/.exec(pattern);
        if (m?.[1]) methods.push(...m[1].split('|').map((x) => x.toUpperCase()));
        else methods.push(`~${pattern}`);
      } else if (field === 'UriPath') paths.push(`REGEX ${pattern}`);
    }
    for (const key of ['AndStatement', 'OrStatement']) {
      const inner = at(s, `${key}.Statements`);
      if (Array.isArray(inner)) inner.forEach(visit);
    }
    if (isRecord(s.NotStatement)) visit(s.NotStatement.Statement);
  };
  visit(statement);
  return { methods, paths };
}
