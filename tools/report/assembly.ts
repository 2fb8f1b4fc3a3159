import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The cloud assembly as the evidence pack sees it: only what `cdk synth` wrote. Nothing here knows
 * Rempart's stacks by name; every later stage reads these structures.
 */

/** A CloudFormation resource as written in a template. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Metadata?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
}

export interface CfnTemplate {
  readonly Description?: string;
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** One acknowledgement recorded by `Validations.of(construct).acknowledge()`. */
export interface Acknowledgement {
  readonly stack: string;
  /** Construct path where it was declared, e.g. `/Stack/Bucket/Resource`. */
  readonly constructPath: string;
  /** Finding id without its `Annotation::` / plugin namespace, e.g. `AwsSolutions-IAM5[Action::s3:*]`. */
  readonly ruleId: string;
  /** Namespace as written (`Annotation`, `CloudFormation-Validate`, ...). */
  readonly namespace: string;
  readonly reason: string;
  /** Logical id of the resource under that path, when the path leads to exactly one. */
  readonly logicalId?: string;
}

export interface StackArtifact {
  readonly name: string;
  readonly region: string;
  readonly account: string;
  readonly templateFile: string;
  readonly template: CfnTemplate;
  readonly terminationProtection: boolean;
  readonly dependencies: readonly string[];
  /** Logical id → construct path (from `aws:cdk:logicalId` metadata). */
  readonly pathByLogicalId: ReadonlyMap<string, string>;
  readonly acknowledgements: readonly Acknowledgement[];
  /** Files read for this stack (template, metadata), relative to the assembly directory. */
  readonly files: readonly string[];
}

export interface ViolatingConstruct {
  readonly constructPath: string;
  readonly templatePath?: string;
  readonly logicalId?: string;
  readonly propertyPaths?: readonly string[];
}

export interface Violation {
  readonly plugin: string;
  readonly pluginVersion?: string;
  readonly ruleName: string;
  readonly description: string;
  readonly severity: string;
  readonly suggestedFix?: string;
  readonly constructs: readonly ViolatingConstruct[];
  /** Present when the report recorded it as suppressed by an acknowledgement. */
  readonly acknowledged?: { readonly id: string; readonly reason?: string; readonly at?: string };
}

export interface ValidationReport {
  readonly present: boolean;
  readonly plugins: readonly {
    readonly name: string;
    readonly version?: string;
    readonly conclusion: string;
  }[];
  readonly violations: readonly Violation[];
}

export interface TreeInfo {
  /** Library → versions seen in constructInfo (e.g. aws-cdk-lib → 2.276.0). */
  readonly libraryVersions: ReadonlyMap<string, readonly string[]>;
  /** Construct path (no leading slash) → fully qualified construct class. */
  readonly fqnByPath: ReadonlyMap<string, string>;
}

export interface Assembly {
  readonly dir: string;
  readonly schemaVersion: string;
  readonly minimumCliVersion?: string;
  readonly stacks: readonly StackArtifact[];
  readonly tree: TreeInfo;
  readonly validation: ValidationReport;
  /** Every file read, relative to `dir`, sorted. */
  readonly files: readonly string[];
}

/** Thrown when the directory is not a readable cloud assembly; the message names the fix. */
export class AssemblyError extends Error {
  override readonly name = 'AssemblyError';
}

interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly properties?: Record<string, unknown>;
  readonly dependencies?: readonly string[];
  readonly metadata?: Record<string, readonly MetadataEntry[]>;
  readonly additionalMetadataFile?: string;
  readonly displayName?: string;
}

interface MetadataEntry {
  readonly type: string;
  readonly data?: unknown;
}

const ACK_TYPE = 'aws:cdk:acknowledged-rules';
const LOGICAL_ID_TYPE = 'aws:cdk:logicalId';

export function loadAssembly(dir: string): Assembly {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new AssemblyError(
      `${dir} has no manifest.json, so it is not a cloud assembly. Fix: run \`npx cdk synth\` first, or pass --assembly <dir> pointing at a cdk.out directory`,
    );
  }
  const files = new Set<string>(['manifest.json']);
  const manifest = readJson<{
    version?: string;
    minimumCliVersion?: string;
    artifacts?: Record<string, ManifestArtifact>;
  }>(manifestPath);
  const artifacts = manifest.artifacts ?? {};
  if (Object.values(artifacts).some((a) => a.type === 'cdk:cloud-assembly')) {
    // Nested assemblies (CDK Stages) are outside this generator's scope; say so instead of skipping them silently.
    throw new AssemblyError(
      `${dir} contains nested cloud assemblies (CDK Stages), which the evidence pack does not read. Fix: point --assembly at the nested assembly directory`,
    );
  }

  const stacks: StackArtifact[] = [];
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const props = artifact.properties ?? {};
    const templateFile = typeof props.templateFile === 'string' ? props.templateFile : `${id}.template.json`;
    const template = readJson<CfnTemplate>(join(dir, templateFile));
    files.add(templateFile);
    const stackFiles = [templateFile];
    const metadata: Record<string, readonly MetadataEntry[]> = { ...(artifact.metadata ?? {}) };
    if (artifact.additionalMetadataFile) {
      Object.assign(
        metadata,
        readJson<Record<string, MetadataEntry[]>>(join(dir, artifact.additionalMetadataFile)),
      );
      files.add(artifact.additionalMetadataFile);
      stackFiles.push(artifact.additionalMetadataFile);
    }
    const { account, region } = parseEnvironment(artifact.environment, id);
    const name = artifact.displayName ?? id;
    const pathByLogicalId = new Map<string, string>();
    for (const [path, entries] of Object.entries(metadata)) {
      for (const e of entries) {
        if (e.type === LOGICAL_ID_TYPE && typeof e.data === 'string') pathByLogicalId.set(e.data, path);
      }
    }
    const acknowledgements: Acknowledgement[] = [];
    // The same acknowledgement can be recorded more than once on a path (one entry per call that
    // made it, e.g. one per pack sharing a control); the auditor reads it once.
    const seen = new Set<string>();
    for (const [path, entries] of Object.entries(metadata)) {
      for (const e of entries) {
        if (e.type !== ACK_TYPE || !isRecord(e.data)) continue;
        for (const [key, reason] of Object.entries(e.data)) {
          if (seen.has(`${path}\u0000${key}`)) continue;
          seen.add(`${path}\u0000${key}`);
          const sep = key.indexOf('::');
          acknowledgements.push({
            stack: name,
            constructPath: path,
            namespace: sep >= 0 ? key.slice(0, sep) : '',
            ruleId: sep >= 0 ? key.slice(sep + 2) : key,
            reason: typeof reason === 'string' ? reason : JSON.stringify(reason),
            logicalId: logicalIdUnder(path, pathByLogicalId),
          });
        }
      }
    }
    stacks.push({
      name,
      region,
      account,
      templateFile,
      template,
      terminationProtection: props.terminationProtection === true,
      dependencies: (artifact.dependencies ?? []).filter(
        (d) => artifacts[d]?.type === 'aws:cloudformation:stack',
      ),
      pathByLogicalId,
      acknowledgements,
      files: stackFiles,
    });
  }
  if (stacks.length === 0) {
    throw new AssemblyError(
      `${dir}/manifest.json lists no CloudFormation stack. Fix: synthesize the app first`,
    );
  }
  stacks.sort((a, b) => a.region.localeCompare(b.region) || a.name.localeCompare(b.name));

  const treeArtifact = Object.values(artifacts).find((a) => a.type === 'cdk:tree');
  const treeFile =
    typeof treeArtifact?.properties?.file === 'string' ? treeArtifact.properties.file : 'tree.json';
  let tree: TreeInfo = { libraryVersions: new Map(), fqnByPath: new Map() };
  if (existsSync(join(dir, treeFile))) {
    tree = readTree(readJson<{ tree?: TreeNode }>(join(dir, treeFile)).tree);
    files.add(treeFile);
  }

  const validationPath = join(dir, 'validation-report.json');
  let validation: ValidationReport = { present: false, plugins: [], violations: [] };
  if (existsSync(validationPath)) {
    validation = readValidation(readJson<unknown>(validationPath));
    files.add('validation-report.json');
  }

  return {
    dir,
    schemaVersion: manifest.version ?? 'unknown',
    minimumCliVersion: manifest.minimumCliVersion,
    stacks,
    tree,
    validation,
    files: [...files].sort(),
  };
}

function parseEnvironment(env: string | undefined, id: string): { account: string; region: string } {
  const match = /^aws:\/\/([^/]+)\/([^/]+)$/.exec(env ?? '');
  if (!match) {
    throw new AssemblyError(
      `stack ${id} has environment "${env ?? ''}", not aws://<account>/<region>. Fix: give every stack an explicit env.region`,
    );
  }
  return { account: match[1] ?? 'unknown-account', region: match[2] ?? 'unknown-region' };
}

/** The logical id of the single CloudFormation resource at or under `path`, if there is exactly one. */
function logicalIdUnder(path: string, pathByLogicalId: ReadonlyMap<string, string>): string | undefined {
  const found: string[] = [];
  for (const [logicalId, p] of pathByLogicalId) {
    if (p === path || p.startsWith(`${path}/`)) found.push(logicalId);
  }
  return found.length === 1 ? found[0] : undefined;
}

interface TreeNode {
  readonly path?: string;
  readonly constructInfo?: { readonly fqn?: string; readonly version?: string };
  readonly children?: Record<string, TreeNode>;
}

function readTree(root: TreeNode | undefined): TreeInfo {
  const versions = new Map<string, Set<string>>();
  const fqnByPath = new Map<string, string>();
  // Iterative walk: a large app's tree is deep enough that recursion limits are not worth risking.
  const pending: TreeNode[] = root ? [root] : [];
  while (pending.length > 0) {
    const node = pending.pop() as TreeNode;
    const info = node.constructInfo;
    if (info?.fqn) {
      const library = info.fqn.split('.')[0] ?? info.fqn;
      if (info.version) {
        const set = versions.get(library) ?? new Set<string>();
        set.add(info.version);
        versions.set(library, set);
      }
      if (node.path) fqnByPath.set(node.path, info.fqn);
    }
    pending.push(...Object.values(node.children ?? {}));
  }
  return {
    libraryVersions: new Map([...versions].map(([k, v]) => [k, [...v].sort()])),
    fqnByPath,
  };
}

function readValidation(json: unknown): ValidationReport {
  const reports = isRecord(json) && Array.isArray(json.pluginReports) ? json.pluginReports : [];
  const plugins: { name: string; version?: string; conclusion: string }[] = [];
  const violations: Violation[] = [];
  for (const r of reports) {
    if (!isRecord(r)) continue;
    // Two shapes exist: the schema one (pluginName at the top) and the legacy one (summary.pluginName).
    const summary = isRecord(r.summary) ? r.summary : {};
    const plugin = str(r.pluginName) ?? str(summary.pluginName) ?? 'unknown plugin';
    const pluginVersion = str(r.pluginVersion) ?? str(r.version);
    plugins.push({
      name: plugin,
      version: pluginVersion,
      conclusion: str(r.conclusion) ?? str(summary.status) ?? 'unknown',
    });
    const add = (v: unknown, acknowledged: boolean) => {
      if (!isRecord(v)) return;
      const constructs = (Array.isArray(v.violatingConstructs) ? v.violatingConstructs : [])
        .filter(isRecord)
        .map((c): ViolatingConstruct => {
          const cfn = isRecord(c.cloudFormationResource) ? c.cloudFormationResource : {};
          return {
            constructPath: str(c.constructPath) ?? '',
            templatePath: str(cfn.templatePath) ?? str(c.templatePath),
            logicalId: str(cfn.logicalId) ?? str(c.resourceLogicalId),
            propertyPaths: Array.isArray(cfn.propertyPaths)
              ? cfn.propertyPaths.map(String)
              : Array.isArray(c.locations)
                ? c.locations.map(String)
                : undefined,
          };
        });
      violations.push({
        plugin,
        pluginVersion,
        ruleName: str(v.ruleName) ?? 'unknown rule',
        description: str(v.description) ?? '',
        severity: str(v.customSeverity) ?? str(v.severity) ?? 'error',
        suggestedFix: str(v.suggestedFix) ?? str(v.fix),
        constructs,
        acknowledged: acknowledged
          ? { id: str(v.acknowledgedId) ?? '', reason: str(v.reason), at: str(v.acknowledgedAt) }
          : undefined,
      });
    };
    for (const v of Array.isArray(r.violations) ? r.violations : []) add(v, false);
    for (const v of Array.isArray(r.suppressedViolations) ? r.suppressedViolations : []) add(v, true);
  }
  return { present: true, plugins, violations };
}

function readJson<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new AssemblyError(`cannot read ${path}: ${(e as Error).message}. Fix: re-run \`npx cdk synth\``);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new AssemblyError(
      `${path} is not valid JSON (${(e as Error).message}). Fix: re-run \`npx cdk synth\``,
    );
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
