import type { Acknowledgement, Assembly, Violation, ViolatingConstruct } from '../assembly';
import { allResources, render, type Res } from '../cfn';
import { bi, code, fmt, p, status, table, type Block, type Section } from '../model';

/** A finding the synth reported and nobody acknowledged. */
export interface OpenFinding {
  readonly pack: string;
  readonly ruleId: string;
  readonly severity: string;
  readonly description: string;
  readonly constructPath: string;
  readonly template?: string;
  readonly logicalId?: string;
  readonly propertyPaths?: readonly string[];
}

export interface AcknowledgementRow extends Acknowledgement {
  readonly pack: string;
  /** Template file and region of the stack holding it. */
  readonly template: string;
  readonly region: string;
}

export interface ControlTowerExemption {
  readonly source: 'acknowledgement' | 'template-metadata';
  readonly ruleId: string;
  readonly reason?: string;
  readonly stack: string;
  readonly template: string;
  readonly logicalId?: string;
  readonly constructPath?: string;
}

export interface PackSummary {
  readonly pack: string;
  readonly openBySeverity: Readonly<Record<string, number>>;
  readonly acknowledged: number;
  /** Resources with neither an open nor an acknowledged finding of this pack. */
  readonly resourcesWithoutFinding: number;
}

export interface ComplianceData {
  readonly open: readonly OpenFinding[];
  readonly acknowledgements: readonly AcknowledgementRow[];
  readonly controlTower: readonly ControlTowerExemption[];
  readonly packs: readonly PackSummary[];
  readonly resourceCount: number;
  readonly pluginsReported: readonly {
    readonly name: string;
    readonly version?: string;
    readonly conclusion: string;
  }[];
}

/** Pack of a rule id as cdk-nag writes it: `NIST.800.53.R5-S3DefaultEncryptionKMS` → `NIST.800.53.R5`. */
export function packOf(ruleId: string, namespace = ''): string {
  if (namespace && namespace !== 'Annotation') return namespace;
  const dash = ruleId.indexOf('-');
  return dash > 0 ? ruleId.slice(0, dash) : ruleId;
}

const CONTROL_TOWER = /cfn-?guard|control-?tower/i;
const CT_RULE = /^ct[-.]/i;

export function complianceData(assembly: Assembly): ComplianceData {
  const resources = allResources(assembly).filter((r) => r.type !== 'AWS::CDK::Metadata');
  const open = assembly.validation.violations.filter((v) => !v.acknowledged).flatMap((v) => openFindings(v));
  const acknowledgements: AcknowledgementRow[] = assembly.stacks.flatMap((s) =>
    s.acknowledgements.map((a) => ({
      ...a,
      pack: packOf(a.ruleId, a.namespace),
      template: s.templateFile,
      region: s.region,
    })),
  );
  // Suppressed violations the validation report kept: the acknowledgement exists in metadata too, so
  // they only add the finding's description; counted once, through the metadata.
  const controlTower: ControlTowerExemption[] = [
    ...acknowledgements
      .filter((a) => CONTROL_TOWER.test(a.namespace) || CT_RULE.test(a.ruleId))
      .map((a): ControlTowerExemption => ({
        source: 'acknowledgement',
        ruleId: a.ruleId,
        reason: a.reason,
        stack: a.stack,
        template: a.template,
        logicalId: a.logicalId,
        constructPath: a.constructPath,
      })),
    ...resources.flatMap((r) => guardSuppressions(r)),
  ];

  const packs = new Set<string>([...open.map((f) => f.pack), ...acknowledgements.map((a) => a.pack)]);
  const summaries: PackSummary[] = [...packs].sort().map((pack) => {
    const openBySeverity: Record<string, number> = {};
    const touched = new Set<string>();
    for (const f of open.filter((o) => o.pack === pack)) {
      openBySeverity[f.severity] = (openBySeverity[f.severity] ?? 0) + 1;
      for (const key of resourceKeysUnder(resources, f.constructPath, f.template, f.logicalId))
        touched.add(key);
    }
    const acks = acknowledgements.filter((a) => a.pack === pack);
    for (const a of acks) {
      for (const key of resourceKeysUnder(resources, a.constructPath, a.template, a.logicalId))
        touched.add(key);
    }
    return {
      pack,
      openBySeverity,
      acknowledged: acks.length,
      resourcesWithoutFinding: resources.length - touched.size,
    };
  });

  return {
    open,
    acknowledgements,
    controlTower,
    packs: summaries,
    resourceCount: resources.length,
    pluginsReported: assembly.validation.plugins,
  };
}

function openFindings(v: Violation): OpenFinding[] {
  // Acknowledgement namespaces are plugin names with hyphens for spaces ("CloudFormation-Validate").
  const pack = packOf(
    v.ruleName.replace(/^[^:]*::/, ''),
    v.plugin === 'Annotations' ? '' : v.plugin.replace(/\s+/g, '-'),
  );
  const constructs: readonly ViolatingConstruct[] =
    v.constructs.length > 0 ? v.constructs : [{ constructPath: '' }];
  return constructs.map((c) => ({
    pack,
    ruleId: v.ruleName,
    severity: v.severity,
    description: v.description,
    constructPath: c.constructPath,
    template: c.templatePath,
    logicalId: c.logicalId,
    propertyPaths: c.propertyPaths,
  }));
}

/** Resources at or under a construct path (or named by template + logical id). */
function resourceKeysUnder(
  resources: readonly Res[],
  path: string,
  template?: string,
  logicalId?: string,
): string[] {
  const norm = path.startsWith('/') ? path : `/${path}`;
  return resources
    .filter(
      (r) =>
        (template && logicalId && r.stack.templateFile === template && r.logicalId === logicalId) ||
        (r.path !== undefined && path !== '' && (r.path === norm || r.path.startsWith(`${norm}/`))),
    )
    .map((r) => `${r.stack.templateFile}#${r.logicalId}`);
}

/** cfn-guard honours `Metadata.guard.SuppressedRules` on a resource: each one is an exemption. */
function guardSuppressions(r: Res): ControlTowerExemption[] {
  const guard = r.resource.Metadata?.guard;
  const rules =
    guard && typeof guard === 'object' ? (guard as { SuppressedRules?: unknown }).SuppressedRules : undefined;
  if (!Array.isArray(rules)) return [];
  return rules.map((rule) => ({
    source: 'template-metadata' as const,
    ruleId: render(rule),
    stack: r.stack.name,
    template: r.stack.templateFile,
    logicalId: r.logicalId,
    constructPath: r.path,
  }));
}

export function summarySection(data: ComplianceData): Section {
  const severities = [...new Set(data.packs.flatMap((p) => Object.keys(p.openBySeverity)))].sort();
  const rows = data.packs.map((pk) => {
    const openTotal = Object.values(pk.openBySeverity).reduce((a, b) => a + b, 0);
    return [
      code(pk.pack),
      openTotal > 0 ? status('open', `${openTotal}`) : status('aligned', '0'),
      severities.map((s) => `${s}: ${pk.openBySeverity[s] ?? 0}`).join(', ') || '—',
      pk.acknowledged,
      pk.resourcesWithoutFinding,
    ];
  });
  const blocks: Block[] = [
    p(
      `${fmt(data.open.length)} constat(s) ouvert(s), ${fmt(data.acknowledgements.length)} acceptation(s), ${fmt(data.controlTower.length)} exemption(s) Control Tower, sur ${fmt(data.resourceCount)} ressources CloudFormation.`,
      `${fmt(data.open.length)} open finding(s), ${fmt(data.acknowledgements.length)} acknowledgement(s), ${fmt(data.controlTower.length)} Control Tower exemption(s), over ${fmt(data.resourceCount)} CloudFormation resources.`,
    ),
    table(
      bi('Constats par jeu de règles et sévérité', 'Findings per rule pack and severity'),
      [
        bi('Jeu de règles', 'Rule pack'),
        bi('Ouverts', 'Open'),
        bi('Ouverts par sévérité', 'Open by severity'),
        bi('Acceptés', 'Acknowledged'),
        bi('Ressources sans constat de ce jeu', 'Resources without a finding of this pack'),
      ],
      rows,
      bi(
        "Aucun constat ni acceptation dans l'assemblage.",
        'No finding and no acknowledgement in the assembly.',
      ),
    ),
    p(
      "cdk-nag 3 n'écrit dans l'assemblage que les constats et les acceptations : les règles passées ne sont pas enregistrées. La dernière colonne compte les ressources qui n'ont ni constat ouvert ni acceptation de ce jeu ; la sévérité d'un constat accepté n'est pas enregistrée.",
      'cdk-nag 3 writes only findings and acknowledgements into the assembly: passed rules are not recorded. The last column counts resources with neither an open finding nor an acknowledgement of that pack; the severity of an acknowledged finding is not recorded.',
    ),
  ];
  if (data.pluginsReported.length > 0) {
    blocks.push(
      table(
        bi(
          'Greffons de validation présents dans validation-report.json',
          'Validation plugins in validation-report.json',
        ),
        [bi('Greffon', 'Plugin'), bi('Version', 'Version'), bi('Conclusion', 'Conclusion')],
        data.pluginsReported.map((pl) => [code(pl.name), pl.version ?? '—', pl.conclusion]),
      ),
    );
  }
  return { id: 'summary', title: bi('Synthèse', 'Summary'), blocks };
}

export function findingsSection(data: ComplianceData): Section {
  const openTable = table(
    bi('Constats ouverts (non acceptés)', 'Open findings (not acknowledged)'),
    [
      bi('Règle', 'Rule'),
      bi('Sévérité', 'Severity'),
      bi('Chemin du construct', 'Construct path'),
      bi('Preuve (modèle, id logique, propriété)', 'Evidence (template, logical id, property)'),
      bi('Description', 'Description'),
    ],
    data.open.map((f) => [
      code(f.ruleId),
      status('open', f.severity),
      code(f.constructPath || '—'),
      code([f.template, f.logicalId, f.propertyPaths?.join(', ')].filter(Boolean).join(' · ') || '—'),
      f.description,
    ]),
    bi('Aucun constat ouvert.', 'No open finding.'),
  );
  const ackTable = table(
    bi('Acceptations, avec leur justification', 'Acknowledgements, with their reason'),
    [
      bi('Règle', 'Rule'),
      bi('Pile (Région)', 'Stack (Region)'),
      bi('Chemin du construct', 'Construct path'),
      bi('Id logique', 'Logical id'),
      bi('Justification', 'Reason'),
    ],
    [...data.acknowledgements]
      .sort(
        (a, b) =>
          a.pack.localeCompare(b.pack) ||
          a.ruleId.localeCompare(b.ruleId) ||
          a.constructPath.localeCompare(b.constructPath),
      )
      .map((a) => [
        code(a.ruleId),
        `${a.stack} (${a.region})`,
        code(a.constructPath),
        a.logicalId ? code(a.logicalId) : '—',
        a.reason,
      ]),
    bi('Aucune acceptation.', 'No acknowledgement.'),
  );
  const ctTable = table(
    bi('Exemptions des contrôles proactifs Control Tower', 'Control Tower proactive control exemptions'),
    [
      bi('Contrôle', 'Control'),
      bi('Source', 'Source'),
      bi('Pile', 'Stack'),
      bi('Ressource', 'Resource'),
      bi('Justification', 'Reason'),
    ],
    data.controlTower.map((e) => [
      code(e.ruleId),
      e.source === 'acknowledgement' ? 'Validations.acknowledge' : 'Metadata.guard.SuppressedRules',
      e.stack,
      code(e.logicalId ?? e.constructPath ?? '—'),
      e.reason ?? '—',
    ]),
    bi(
      "Aucune exemption Control Tower dans l'assemblage (les règles désactivées pour toute l'application avec disabledRules n'y sont pas écrites).",
      'No Control Tower exemption in the assembly (rules disabled app-wide with disabledRules are not written to it).',
    ),
  );
  return {
    id: 'findings',
    title: bi('Constats, acceptations et exemptions', 'Findings, acknowledgements and exemptions'),
    blocks: [openTable, ackTable, ctTable],
  };
}
