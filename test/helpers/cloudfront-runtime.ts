/**
 * A stand-in for the CloudFront Functions JavaScript runtime 2.0, for Jest.
 *
 * What it reproduces (AWS, "JavaScript runtime 2.0 features for CloudFront Functions" and "Helper
 * methods for key value stores"):
 * - the language: ES 5.1 plus const/let, arrow functions, rest parameters, template literals,
 *   async/await (`await` only inside async functions, no async closures), `**`, numeric separators.
 *   Anything else (destructuring, spread, default parameters, classes, for-of, optional chaining, `??`,
 *   generators, shorthand or computed properties, dynamic import) is refused by `cloudFrontJs2Problems`;
 * - the modules: `import cf from 'cloudfront'` (KeyValueStore `get`/`exists`/`meta`, `get` rejecting on
 *   a missing key) and `crypto` (createHash/createHmac with md5, sha1, sha256; digest hex, base64,
 *   base64url or a Buffer); nothing else can be imported or required;
 * - the sandbox: no eval or Function constructor, no timers, no process, no network; `Date` frozen at
 *   the function's start; `console.log` with one argument only; strict mode; built-ins the runtime
 *   lacks (Array.from, Object.fromEntries, String.prototype.at, ...) are absent.
 */
import { createHash, createHmac } from 'node:crypto';
import * as vm from 'node:vm';
import * as acorn from 'acorn';

/** The one module name the runtime resolves besides crypto (querystring is left out: not used here). */
const MODULES = ['cloudfront', 'crypto'] as const;
const HASHES = ['md5', 'sha1', 'sha256'];
const ENCODINGS = ['hex', 'base64', 'base64url'];

/** Built-ins ES 2022 engines have and the CloudFront runtime does not list. */
const ABSENT_BUILTINS: ReadonlyArray<[string, string]> = [
  ['Array', 'from'],
  ['Object', 'fromEntries'],
  ['Object', 'groupBy'],
  ['Object', 'hasOwn'],
  ['Array.prototype', 'at'],
  ['Array.prototype', 'flat'],
  ['Array.prototype', 'flatMap'],
  ['Array.prototype', 'findLast'],
  ['Array.prototype', 'entries'],
  ['Array.prototype', 'keys'],
  ['Array.prototype', 'values'],
  ['String.prototype', 'at'],
  ['String.prototype', 'matchAll'],
  ['String.prototype', 'normalize'],
  ['String', 'raw'],
];
/** Method names no supported type has, so a call to one is a mistake whatever the receiver. */
const ABSENT_METHODS = new Set(['at', 'flat', 'flatMap', 'findLast', 'matchAll', 'normalize']);
/** Globals a Node process has and the runtime does not (checked statically, absent at run time). */
const FORBIDDEN_GLOBALS = [
  'eval',
  'Function',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'queueMicrotask',
  'process',
  'fetch',
  'XMLHttpRequest',
  'WebAssembly',
  'structuredClone',
  'module',
  'exports',
  '__dirname',
];

type Node = acorn.Node & Record<string, unknown>;

/** Every construct of `source` the CloudFront JS 2.0 runtime would reject, with its line. */
export function cloudFrontJs2Problems(source: string): string[] {
  let program: acorn.Program;
  try {
    program = acorn.parse(source, { ecmaVersion: 2022, sourceType: 'module', locations: true });
  } catch (e) {
    return [`does not parse: ${(e as Error).message}`];
  }
  const problems: string[] = [];
  const at = (node: acorn.Node, what: string) => problems.push(`line ${node.loc?.start.line}: ${what}`);
  let handlerFound = false;

  const visit = (node: Node, ancestors: Node[]): void => {
    const parent = ancestors[ancestors.length - 1];
    const inAsync = ancestors.some((a) => isFunction(a) && a.async === true);
    switch (node.type) {
      case 'ForOfStatement':
      case 'SpreadElement':
      case 'ObjectPattern':
      case 'ArrayPattern':
      case 'AssignmentPattern':
      case 'ClassDeclaration':
      case 'ClassExpression':
      case 'ChainExpression':
      case 'YieldExpression':
      case 'TaggedTemplateExpression':
      case 'ImportExpression':
      case 'MetaProperty':
      case 'ExportNamedDeclaration':
      case 'ExportDefaultDeclaration':
      case 'ExportAllDeclaration':
      case 'WithStatement':
        at(node, `${node.type} is not supported by cloudfront-js-2.0`);
        break;
      case 'ImportDeclaration': {
        const from = (node.source as { value: string }).value;
        const specifiers = node.specifiers as Node[];
        if (!(MODULES as readonly string[]).includes(from))
          at(node, `import of "${from}": only cloudfront and crypto exist`);
        if (specifiers.length !== 1 || specifiers[0]?.type !== 'ImportDefaultSpecifier') {
          at(node, `import from "${from}" must be a single default import`);
        }
        break;
      }
      case 'LogicalExpression':
        if (node.operator === '??') at(node, 'the ?? operator is not supported');
        break;
      case 'AssignmentExpression':
        if (['??=', '||=', '&&='].includes(node.operator as string))
          at(node, `${String(node.operator)} is not supported`);
        break;
      case 'Property':
        if (node.shorthand || node.method || node.computed || node.kind !== 'init') {
          at(node, 'shorthand, method, computed and accessor properties are not supported');
        }
        break;
      case 'Literal':
        if (typeof node.bigint === 'string') at(node, 'BigInt literals are not supported');
        break;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        if (node.generator) at(node, 'generators are not supported');
        if (node.async && (node.type !== 'FunctionDeclaration' || parent?.type !== 'Program')) {
          at(node, 'async closures are not supported: declare async functions at the top level');
        }
        if (
          node.type === 'FunctionDeclaration' &&
          parent?.type === 'Program' &&
          (node.id as Node | null)?.name === 'handler'
        ) {
          handlerFound = true;
        }
        break;
      case 'AwaitExpression':
        if (!inAsync) at(node, 'await outside an async function is not supported');
        break;
      case 'Identifier':
        if (FORBIDDEN_GLOBALS.includes(node.name as string) && isReference(node, parent)) {
          at(node, `${String(node.name)} does not exist in cloudfront-js-2.0`);
        }
        if (node.name === 'require' && isReference(node, parent)) {
          const call = parent?.type === 'CallExpression' && parent.callee === node ? parent : undefined;
          const arg = (call?.arguments as Node[] | undefined)?.[0];
          if (
            !arg ||
            arg.type !== 'Literal' ||
            !(MODULES as readonly string[]).includes(arg.value as string)
          ) {
            at(node, 'require() of anything but crypto or cloudfront');
          }
        }
        break;
      case 'CallExpression': {
        const callee = node.callee as Node;
        if (isMember(callee, 'console', 'log') && (node.arguments as Node[]).length !== 1) {
          at(node, 'console.log takes exactly one argument in CloudFront Functions');
        }
        for (const [owner, name] of ABSENT_BUILTINS) {
          const isStatic = !owner.endsWith('.prototype');
          const missing = isStatic
            ? isMember(callee, owner, name)
            : callee.type === 'MemberExpression' && propertyName(callee) === name && ABSENT_METHODS.has(name);
          if (missing) at(node, `${owner}.${name} does not exist in cloudfront-js-2.0`);
        }
        break;
      }
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'loc' || key === 'start' || key === 'end') continue;
      const children = Array.isArray(value) ? value : [value];
      for (const child of children) {
        if (child && typeof child === 'object' && typeof (child as Node).type === 'string') {
          visit(child as Node, [...ancestors, node]);
        }
      }
    }
  };
  visit(program as unknown as Node, []);
  if (!handlerFound)
    problems.push('no top-level `function handler(event)`: CloudFront calls the function named handler');
  return problems;
}

function isFunction(node: Node): boolean {
  return ['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression'].includes(node.type);
}

function propertyName(member: Node): string | undefined {
  const property = member.property as Node;
  if (member.computed) return property.type === 'Literal' ? String(property.value) : undefined;
  return property.name as string;
}

function isMember(node: Node, object: string, property: string): boolean {
  return (
    node.type === 'MemberExpression' &&
    (node.object as Node).type === 'Identifier' &&
    (node.object as Node).name === object &&
    propertyName(node) === property
  );
}

/** An identifier that reads a variable (not a property name, key or member access). */
function isReference(node: Node, parent: Node | undefined): boolean {
  if (!parent) return true;
  if (parent.type === 'MemberExpression' && parent.property === node && !parent.computed) return false;
  if (parent.type === 'Property' && parent.key === node && !parent.computed) return false;
  return true;
}

// ------------------------------------------------------------------------------------------------
// KeyValueStore stand-in
// ------------------------------------------------------------------------------------------------

/** The associated KeyValueStore, backed by a Map. `unavailable` makes every read reject, like an outage. */
export class KeyValueStoreStandIn {
  public readonly entries: Map<string, string>;
  public unavailable = false;
  /** Keys read, in order: lets tests prove what the function consulted. */
  public readonly reads: string[] = [];

  constructor(entries: Record<string, string> = {}) {
    this.entries = new Map(Object.entries(entries));
  }

  get(key: string, options?: { format?: 'string' | 'json' | 'bytes' }): Promise<unknown> {
    this.reads.push(key);
    if (this.unavailable) return Promise.reject(new Error('KeyValueStore unavailable'));
    const value = this.entries.get(key);
    // The runtime rejects a missing key; functions must handle it (AWS: "get() will return an error").
    if (value === undefined) return Promise.reject(new Error(`Key ${key} not found`));
    switch (options?.format ?? 'string') {
      case 'string':
        return Promise.resolve(value);
      case 'json':
        return Promise.resolve(JSON.parse(value) as unknown);
      case 'bytes':
        return Promise.resolve(Buffer.from(value, 'utf8'));
      default:
        return Promise.reject(new Error(`unknown format ${String(options?.format)}`));
    }
  }

  exists(key: string): Promise<boolean> {
    this.reads.push(key);
    if (this.unavailable) return Promise.reject(new Error('KeyValueStore unavailable'));
    return Promise.resolve(this.entries.has(key));
  }
}

// ------------------------------------------------------------------------------------------------
// Loading and running a function
// ------------------------------------------------------------------------------------------------

export interface LoadOptions {
  readonly kvs?: KeyValueStoreStandIn;
  /** Clock of every run: `Date` returns this for the whole run, as the real runtime does. */
  readonly nowMs?: () => number;
}

export interface LoadedFunction {
  handler(event: unknown): Promise<unknown>;
  /** What the function passed to console.log. */
  readonly logs: string[];
}

/** Checks `source` with `cloudFrontJs2Problems`, then evaluates it in a sandbox shaped like the runtime. */
export function loadCloudFrontFunction(source: string, options: LoadOptions = {}): LoadedFunction {
  const problems = cloudFrontJs2Problems(source);
  if (problems.length) throw new Error(`not valid for cloudfront-js-2.0:\n  ${problems.join('\n  ')}`);
  const kvs = options.kvs ?? new KeyValueStoreStandIn();
  const logs: string[] = [];
  const clock = { now: (options.nowMs ?? Date.now)() };

  const modules: Record<(typeof MODULES)[number], unknown> = {
    cloudfront: {
      kvs: () => ({
        get: (key: string, opts?: { format?: 'string' | 'json' | 'bytes' }) => kvs.get(key, opts),
        exists: (key: string) => kvs.exists(key),
        meta: () =>
          Promise.resolve({ creationDateTime: '', lastUpdatedDateTime: '', keyCount: kvs.entries.size }),
      }),
    },
    crypto: cryptoModule(),
  };

  const context = vm.createContext(
    {
      console: {
        log: (...args: unknown[]) => {
          if (args.length !== 1)
            throw new TypeError('console.log takes one argument in CloudFront Functions');
          logs.push(String(args[0]));
        },
      },
      Buffer,
      TextEncoder,
      TextDecoder,
      atob,
      btoa,
      __clock: clock,
    },
    { codeGeneration: { strings: false, wasm: false } },
  );
  vm.runInContext(runtimePrelude(), context);

  // Module syntax becomes parameters of a wrapper: the source text is otherwise run unchanged.
  const program = acorn.parse(source, { ecmaVersion: 2022, sourceType: 'module' });
  let body = source;
  const bindings: string[] = [];
  for (const node of [...program.body].reverse()) {
    if (node.type !== 'ImportDeclaration') continue;
    const local = (node.specifiers[0] as acorn.ImportDefaultSpecifier).local.name;
    bindings.push(`const ${local} = __modules[${JSON.stringify(node.source.value)}];`);
    body = body.slice(0, node.start) + body.slice(node.end);
  }
  const wrapped = `(function (__modules, require) { 'use strict'; ${bindings.join(' ')}\n${body}\n; return handler; })`;
  const factory = vm.runInContext(wrapped, context, { filename: 'cloudfront-function.js' }) as (
    m: unknown,
    r: (name: string) => unknown,
  ) => (event: unknown) => unknown;
  const require = (name: string) => {
    if (!(MODULES as readonly string[]).includes(name)) throw new Error(`Cannot find module '${name}'`);
    return modules[name as (typeof MODULES)[number]];
  };
  const handler = factory(modules, require);
  return {
    logs,
    handler: async (event: unknown) => {
      clock.now = (options.nowMs ?? Date.now)();
      // Events cross into the sandbox as JSON, as they reach the real runtime.
      const sandboxEvent = vm.runInContext(
        `JSON.parse(${JSON.stringify(JSON.stringify(event))})`,
        context,
      ) as unknown;
      return JSON.parse(JSON.stringify(await handler(sandboxEvent))) as unknown;
    },
  };
}

/** Inside the sandbox: a frozen Date and the runtime's missing built-ins removed. */
function runtimePrelude(): string {
  const removals = ABSENT_BUILTINS.map(([owner, name]) => `delete ${owner}.${name};`).join('\n');
  return `
'use strict';
const RealDate = Date;
function FrozenDate(...args) {
  if (!new.target) return new RealDate(__clock.now).toString();
  return args.length === 0 ? new RealDate(__clock.now) : new RealDate(...args);
}
FrozenDate.prototype = RealDate.prototype;
FrozenDate.now = () => __clock.now;
FrozenDate.UTC = RealDate.UTC;
FrozenDate.parse = RealDate.parse;
globalThis.Date = FrozenDate;
${removals}
`;
}

/** The runtime's crypto module: hash and HMAC only, with its algorithms and encodings. */
function cryptoModule() {
  const digestOf = (digester: {
    digest(): Buffer;
    digest(encoding: 'hex' | 'base64' | 'base64url'): string;
  }) => ({
    digest(encoding?: string) {
      if (encoding === undefined) return digester.digest();
      if (!ENCODINGS.includes(encoding)) throw new Error(`digest encoding ${encoding} is not supported`);
      return digester.digest(encoding as 'hex');
    },
  });
  const checked = (algorithm: string) => {
    if (!HASHES.includes(algorithm)) throw new Error(`algorithm ${algorithm} is not supported`);
    return algorithm;
  };
  return {
    createHash(algorithm: string) {
      const hash = createHash(checked(algorithm));
      const api = {
        update(data: string | Buffer) {
          hash.update(data);
          return api;
        },
        ...digestOf(hash),
      };
      return api;
    },
    createHmac(algorithm: string, key: string | Buffer) {
      const hmac = createHmac(checked(algorithm), key);
      const api = {
        update(data: string | Buffer) {
          hmac.update(data);
          return api;
        },
        ...digestOf(hmac),
      };
      return api;
    },
  };
}

// ------------------------------------------------------------------------------------------------
// Events
// ------------------------------------------------------------------------------------------------

export interface ViewerRequest {
  readonly uri: string;
  readonly method?: string;
  readonly cookies?: Record<string, string>;
  readonly querystring?: Record<string, string | string[]>;
}

/** A viewer-request event in CloudFront Functions' shape (version 1.0). */
export function viewerRequestEvent(request: ViewerRequest): unknown {
  const cookies: Record<string, { value: string }> = {};
  for (const [name, value] of Object.entries(request.cookies ?? {})) cookies[name] = { value };
  const querystring: Record<string, { value: string; multiValue?: { value: string }[] }> = {};
  for (const [name, value] of Object.entries(request.querystring ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    querystring[name] = {
      value: values[0] ?? '',
      ...(values.length > 1 ? { multiValue: values.map((v) => ({ value: v })) } : {}),
    };
  }
  return {
    version: '1.0',
    context: { eventType: 'viewer-request', distributionId: 'E2EXAMPLE', requestId: 'req' },
    viewer: { ip: '192.0.2.1' },
    request: {
      method: request.method ?? 'GET',
      uri: request.uri,
      querystring,
      headers: { host: { value: 'rdv.example.fr' } },
      cookies,
    },
  };
}
