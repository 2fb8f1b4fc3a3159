import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addCloudFormationValidation } from '../../lib/compliance/cloudformation-validation';
import { addControlTowerGate } from '../../lib/compliance/control-tower';
import { composeRempart } from '../../lib/rempart-app';
import { cdkJsonContext, testConfig } from './synth';

/**
 * The whole app, synthesized once per configuration variant and shared by every app-tier test file
 * of the run (and of later runs while the sources are unchanged): composing and synthesizing the
 * app costs seconds, and each file used to do it again. Assemblies live in
 * node_modules/.cache/rempart-assemblies/<variant>-<fingerprint>/, keyed by the content of every
 * file that can change a template and by the variant's overrides.
 */
export const VARIANTS = {
  /**
   * The embedded default, with the gates `cdk synth` leaves to CI: aws-cdk-lib's built-in
   * CloudFormation validation and AWS Control Tower's proactive controls.
   */
  default: {},
  shieldOn: {
    edge: {
      shieldAdvanced: {
        enabled: true,
        proactiveEngagement: { enabled: true, contacts: [{ email: 'soc@rempart-demo.fr' }] },
      },
    },
  },
  /** Every pack Rempart claims, PCI DSS included, and AWS Control Tower's proactive controls. */
  pciOn: { compliance: { pciDss: true } },
  fisLayers: {
    resilience: {
      drills: {
        lambdaExtensionLayerArns: {
          'eu-west-3': 'arn:aws:lambda:eu-west-3:222222222222:layer:aws-fis-extension-arm64:9',
        },
      },
    },
  },
  endpoints: {
    ent: {
      scaling: { secondaryRegion: 'warm' },
      network: { egress: 'endpoints' },
      containerImage: '{account}.dkr.ecr.{region}.amazonaws.com/ent/portal:1.4.2',
    },
  },
} as const;

export type Variant = keyof typeof VARIANTS;

const ROOT = join(__dirname, '../..');
const CACHE = join(ROOT, 'node_modules/.cache/rempart-assemblies');
// Everything a template can depend on; tests and docs cannot change one.
const INPUTS = ['lib', 'lambda', 'bin', 'cdk.json', 'package-lock.json', 'test/helpers/app-assembly.ts'];

export interface AppAssembly {
  readonly variant: Variant;
  readonly dir: string;
  /** Stack artifact id → its manifest entry. */
  readonly stacks: Readonly<Record<string, StackArtifact>>;
  /** Assertions on one stack's template (parsed once). */
  template(stackName: string): Template;
  /** The stack's metadata file content (acknowledgements live there). */
  metadata(stackName: string): Record<string, unknown>;
}

export interface StackArtifact {
  readonly type: string;
  readonly environment: string;
  readonly properties: { readonly templateFile: string; readonly terminationProtection?: boolean };
  readonly dependencies?: readonly string[];
}

/** The synthesized app of a variant: built on first use, then read from disk. */
export function appAssembly(variant: Variant = 'default'): AppAssembly {
  const dir = join(CACHE, `${variant}-${fingerprint(variant)}`);
  if (!existsSync(join(dir, 'manifest.json')) && !existsSync(join(dir, 'synth-error.txt')))
    build(variant, dir);
  if (existsSync(join(dir, 'synth-error.txt'))) {
    throw new Error(
      `The ${variant} app did not synthesize:\n${readFileSync(join(dir, 'synth-error.txt'), 'utf8')}`,
    );
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, StackArtifact>;
  };
  const stacks = Object.fromEntries(
    Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack'),
  );
  const templates = new Map<string, Template>();
  return {
    variant,
    dir,
    stacks,
    template(stackName) {
      const artifact = stacks[stackName];
      if (!artifact)
        throw new Error(
          `no stack ${stackName} in the ${variant} app; it has ${Object.keys(stacks).join(', ')}`,
        );
      if (!templates.has(stackName)) {
        const json = JSON.parse(readFileSync(join(dir, artifact.properties.templateFile), 'utf8')) as Record<
          string,
          unknown
        >;
        templates.set(stackName, Template.fromJSON(json, { skipCyclicalDependenciesCheck: true }));
      }
      return templates.get(stackName) as Template;
    },
    metadata(stackName) {
      return JSON.parse(readFileSync(join(dir, `${stackName}.metadata.json`), 'utf8')) as Record<
        string,
        unknown
      >;
    },
  };
}

function build(variant: Variant, dir: string): void {
  mkdirSync(CACHE, { recursive: true });
  const lock = `${dir}.lock`;
  let fd: number;
  try {
    fd = openSync(lock, 'wx');
  } catch {
    // Another worker is building it: wait for its result, bounded by that worker's life.
    waitForBuilder(lock, dir);
    if (existsSync(join(dir, 'manifest.json')) || existsSync(join(dir, 'synth-error.txt'))) return;
    rmSync(lock, { force: true });
    return build(variant, dir);
  }
  writeFileSync(fd, String(process.pid));
  closeSync(fd);
  const staging = `${dir}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    const app = new App({
      outdir: staging,
      context: cdkJsonContext(),
      builtinCloudFormationValidation: false,
    });
    // As bin/app.ts: the CloudFormation validation (cached by template) on the default variant.
    if (variant === 'default') addCloudFormationValidation(app);
    if (variant === 'default' || variant === 'pciOn') addControlTowerGate(app);
    composeRempart(app, testConfig(VARIANTS[variant]));
    try {
      app.synth();
    } catch (e) {
      mkdirSync(staging, { recursive: true });
      const report = join(staging, 'validation-report.json');
      const findings = existsSync(report) ? `\n${readFileSync(report, 'utf8')}` : '';
      writeFileSync(join(staging, 'synth-error.txt'), `${(e as Error).message}${findings}`);
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    // Older assemblies of this variant are stale (their sources changed): keep the cache small.
    for (const entry of readdirSync(CACHE)) {
      const stale = join(CACHE, entry);
      if (entry.startsWith(`${variant}-`) && stale !== dir && !entry.includes('.')) {
        rmSync(stale, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(lock, { force: true });
  }
}

function waitForBuilder(lock: string, dir: string): void {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (existsSync(lock) && !existsSync(join(dir, 'manifest.json'))) {
    const pid = Number(readFileSafe(lock));
    if (pid > 0 && !alive(pid)) return;
    Atomics.wait(sleeper, 0, 0, 200);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

let sourceHash: string | undefined;

function fingerprint(variant: Variant): string {
  sourceHash ??= hashInputs();
  return createHash('sha256')
    .update(sourceHash)
    .update(JSON.stringify(VARIANTS[variant]))
    .digest('hex')
    .slice(0, 16);
}

function hashInputs(): string {
  const hash = createHash('sha256');
  const visit = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) visit(join(path, entry));
    } else {
      hash.update(relative(ROOT, path)).update(readFileSync(path));
    }
  };
  for (const input of INPUTS) if (existsSync(join(ROOT, input))) visit(join(ROOT, input));
  return hash.digest('hex');
}
