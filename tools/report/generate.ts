import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { RempartConfig } from '../../lib/config';
import { loadAssembly, type Assembly } from './assembly';
import { checkCapacity, type CapacityReport } from './capacity/check';
import { extractCapacity } from './capacity/extract';
import { profileFromConfig } from './capacity/profile';
import { changesSection, reviewChanges, type ChangeReview } from './change-review';
import { bi, type Document, type Section } from './model';
import { renderHtml } from './render/html';
import { renderMarkdown } from './render/markdown';
import { renderDot } from './render/svg';
import { Resolver } from './resolver';
import { architectureGraph, architectureSection, toDot, toMermaid } from './sections/architecture';
import { capacitySection } from './sections/capacity';
import { complianceData, findingsSection, summarySection } from './sections/compliance';
import { controlsSection, evaluateControls } from './sections/controls';
import { inventorySection, residencyData, residencySection } from './sections/inventory';
import { coverSection, integritySection, limitationsSection } from './sections/meta';
import { resilienceData, resilienceSection } from './sections/resilience';

export interface GenerateOptions {
  readonly assemblyDir: string;
  /** @default <assemblyDir>/evidence */
  readonly outDir?: string;
  /** An approved assembly to compare with (change review). @default no change review */
  readonly baselineDir?: string;
  /** The validated configuration the assembly was synthesized from (objectives, surge, quotas). */
  readonly config?: RempartConfig;
  /** Said in the pack when `config` is absent (e.g. why it could not be loaded). */
  readonly configProblem?: string;
  /** Where the configuration came from, for the cover. */
  readonly configSource?: string;
  /** @default `git rev-parse HEAD` of the working directory */
  readonly commit?: string;
  /** @default now */
  readonly now?: Date;
  /** One line per stage. @default console.log */
  readonly log?: (line: string) => void;
}

export interface GenerateResult {
  readonly outDir: string;
  readonly files: readonly string[];
  readonly capacity?: CapacityReport;
  readonly review?: ChangeReview;
  /** The machine-readable pack, as written to evidence.json. */
  readonly json: EvidenceJson;
}

export interface EvidenceJson {
  readonly schema: 'rempart-evidence/1';
  readonly generatedAt: string;
  readonly commit: string;
  readonly assembly: {
    readonly dir: string;
    readonly schemaVersion: string;
    readonly stacks: readonly { readonly name: string; readonly region: string; readonly template: string }[];
  };
  readonly files: readonly { readonly file: string; readonly sha256: string }[];
  readonly [section: string]: unknown;
}

const STAGES = 10;

export function generateEvidencePack(options: GenerateOptions): GenerateResult {
  const log = options.log ?? ((line: string) => console.log(line));
  let stage = 0;
  const step = <T>(name: string, work: () => T, summary: (t: T) => string): T => {
    const started = Date.now();
    const result = work();
    log(`[report] ${++stage}/${STAGES} ${name}: ${summary(result)} (${Date.now() - started} ms)`);
    return result;
  };

  const assembly = step(
    'read assembly',
    () => loadAssembly(options.assemblyDir),
    (a) => `${a.stacks.length} stacks, ${a.files.length} files`,
  );
  const hashes = step(
    'hash inputs',
    () => hashFiles(assembly),
    (h) => `${h.length} SHA-256 digests`,
  );
  const resolver = new Resolver(assembly);
  const compliance = step(
    'findings and acknowledgements',
    () => complianceData(assembly),
    (c) =>
      `${c.open.length} open, ${c.acknowledgements.length} acknowledged, ${c.controlTower.length} Control Tower exemptions`,
  );
  const diagram = step(
    'architecture diagram',
    () => {
      const graph = architectureGraph(assembly);
      const dot = toDot(graph);
      return { graph, dot, svg: renderDot(dot), mermaid: toMermaid(graph) };
    },
    (d) =>
      `${d.graph.nodes.length} nodes, ${d.graph.edges.length} edges, SVG ${Math.round(d.svg.length / 1024)} KiB`,
  );
  const residency = step(
    'inventory and residency',
    () => residencyData(assembly),
    (r) => `${r.rows.length} data locations, ${r.outsideEea.length} outside the EEA`,
  );
  const controls = step(
    'control matrix',
    () => evaluateControls(resolver),
    (c) => `${c.length} results, ${c.filter((x) => x.status === 'gap').length} gaps`,
  );
  const resilience = step(
    'resilience',
    () => resilienceData(resolver, options.config?.resilience.objectives),
    (r) =>
      `${r.mechanisms.length} mechanisms, ${r.mechanisms.filter((m) => m.status === 'gap').length} missing`,
  );
  const capacity = step(
    'capacity check',
    () =>
      options.config
        ? checkCapacity(extractCapacity(resolver), profileFromConfig(options.config))
        : undefined,
    (c) =>
      c
        ? `${c.layers.length} layers, ${c.fits ? 'fits' : `${c.failing.length} below ${c.requiredHeadroom}×`}, first to saturate: ${c.firstToSaturate?.id ?? 'none'}`
        : `skipped (${(options.configProblem ?? 'no configuration').split('\n')[0]})`,
  );
  const review = step(
    'change review',
    () => (options.baselineDir ? reviewChanges(loadAssembly(options.baselineDir), assembly) : undefined),
    (r) =>
      r
        ? `${r.iamBroadening.length} IAM rows, ${r.securityGroups.length} security group rows, ${r.replacements.length} replacements`
        : 'no baseline',
  );

  const now = options.now ?? new Date();
  const commit = options.commit ?? gitCommit();
  const outDir = resolve(options.outDir ?? join(assembly.dir, 'evidence'));
  const rulePacks = [
    ...new Set([...compliance.packs.map((p) => p.pack), ...compliance.pluginsReported.map((p) => p.name)]),
  ].sort();
  const sections: Section[] = [
    coverSection(assembly, {
      assemblyDir: displayPath(assembly.dir),
      commit,
      generatedAt: now.toISOString(),
      installed: installedVersions(),
      rulePacks,
      configSource: options.config
        ? (options.configSource ?? 'validated Rempart configuration')
        : `not loaded: ${options.configProblem ?? 'no configuration given'}`,
    }),
    summarySection(compliance),
    architectureSection(diagram.graph, diagram.svg),
    inventorySection(assembly),
    residencySection(residency),
    controlsSection(controls),
    findingsSection(compliance),
    resilienceSection(resilience),
    capacitySection(capacity, options.configProblem),
    changesSection(review),
    limitationsSection(),
    integritySection(hashes),
  ];
  const doc: Document = { title: bi('Rempart — dossier de preuves', 'Rempart — evidence pack'), sections };
  const json: EvidenceJson = {
    schema: 'rempart-evidence/1',
    generatedAt: now.toISOString(),
    commit,
    assembly: {
      dir: displayPath(assembly.dir),
      schemaVersion: assembly.schemaVersion,
      stacks: assembly.stacks.map((s) => ({ name: s.name, region: s.region, template: s.templateFile })),
    },
    files: hashes,
    summary: compliance.packs,
    findings: compliance.open,
    acknowledgements: compliance.acknowledgements,
    controlTowerExemptions: compliance.controlTower,
    controls,
    residency,
    architecture: diagram.graph,
    resilience,
    capacity: capacity ?? { skipped: options.configProblem ?? 'no configuration' },
    changes: review ?? null,
  };

  const written = step(
    'write pack',
    () => {
      mkdirSync(outDir, { recursive: true });
      const files: [string, string][] = [
        ['index.html', renderHtml(doc)],
        ['evidence.md', renderMarkdown(doc, { svgFile: 'architecture.svg' })],
        ['evidence.json', `${JSON.stringify(json, jsonReplacer, 2)}\n`],
        ['architecture.svg', diagram.svg.replace('<svg', '<svg xmlns="http://www.w3.org/2000/svg"')],
        ['architecture.dot', `${diagram.dot}\n`],
        ['architecture.mmd', `${diagram.mermaid}\n`],
        ['SHA256SUMS', hashes.map((h) => `${h.sha256}  ${h.file}\n`).join('')],
      ];
      for (const [name, content] of files) writeFileSync(join(outDir, name), content);
      return files.map(([name]) => join(outDir, name));
    },
    (f) => `${f.length} files in ${displayPath(outDir)}`,
  );
  return { outDir, files: written, capacity, review, json };
}

/** Maps and non-finite numbers do not survive JSON.stringify on their own. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? null : 'Infinity';
  if (value && typeof value === 'object' && 'stack' in value && 'logicalId' in value && 'resource' in value) {
    // A raw resource reference: keep where it is, not the whole template.
    const r = value as { stack: { name: string }; logicalId: string };
    return { stack: r.stack.name, logicalId: r.logicalId };
  }
  return value;
}

function hashFiles(assembly: Assembly): { file: string; sha256: string }[] {
  return assembly.files.map((file) => ({
    file,
    sha256: createHash('sha256')
      .update(readFileSync(join(assembly.dir, file)))
      .digest('hex'),
  }));
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function installedVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pkg of ['aws-cdk', 'cdk-nag', '@cdklabs/cdk-validator-cfnguard']) {
    try {
      const file = require.resolve(`${pkg}/package.json`);
      out[pkg === 'aws-cdk' ? 'aws-cdk CLI' : pkg] = (
        JSON.parse(readFileSync(file, 'utf8')) as { version: string }
      ).version;
    } catch {
      out[pkg] = 'not installed';
    }
  }
  return out;
}

function displayPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : p;
}
