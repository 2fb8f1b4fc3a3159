import { EDGE_REGION } from '../../../lib/aws-facts';
import type { Assembly, StackArtifact } from '../assembly';
import { isRecord } from '../assembly';
import { allResources, at, localRefs, ofType, regionInArn, render, stackOutputReads, type Res } from '../cfn';
import { bi, p, table, code, type Section } from '../model';

/** What the diagram shows: Regions → stacks → key resources, and the edges between them. */
export interface GraphNode {
  readonly id: string;
  readonly label: string;
  readonly region: string;
  /** Absent for nodes that live in a Region outside any stack (replicas, witnesses, external targets). */
  readonly stack?: string;
  readonly kind: string;
}

export type EdgeKind =
  | 'table-replica'
  | 'table-witness'
  | 's3-replication'
  | 'dns-record'
  | 'cloudfront-origin'
  | 'origin-group'
  | 'cross-region-reference'
  | 'backup-copy';

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly label: string;
}

export interface ArchitectureGraph {
  readonly regions: readonly string[];
  readonly stacks: readonly { readonly name: string; readonly region: string }[];
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/** Resource types drawn in the diagram, with a short French/English-neutral label. */
const KEY_TYPES: Readonly<Record<string, string>> = {
  'AWS::CloudFront::Distribution': 'CloudFront',
  'AWS::WAFv2::WebACL': 'WAF web ACL',
  'AWS::ApiGateway::RestApi': 'API Gateway',
  'AWS::ApiGateway::DomainName': 'API domain name',
  'AWS::SQS::Queue': 'SQS',
  'AWS::DynamoDB::GlobalTable': 'DynamoDB global table',
  'AWS::DynamoDB::Table': 'DynamoDB table',
  'AWS::S3::Bucket': 'S3',
  'AWS::Backup::BackupVault': 'Backup vault',
  'AWS::Backup::BackupPlan': 'Backup plan',
  'AWS::ECS::Service': 'ECS service',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'Load balancer',
  'AWS::Shield::Protection': 'Shield protection',
  'AWS::FIS::ExperimentTemplate': 'FIS drill',
  'AWS::SecretsManager::Secret': 'Secret',
};

const EDGE_STYLE: Readonly<Record<EdgeKind, { color: string; style: string; fr: string; en: string }>> = {
  'table-replica': { color: '#1b5e20', style: 'bold', fr: 'réplica de table', en: 'table replica' },
  'table-witness': { color: '#1b5e20', style: 'dashed', fr: 'témoin MRSC', en: 'MRSC witness' },
  's3-replication': { color: '#0d47a1', style: 'bold', fr: 'réplication S3', en: 'S3 replication' },
  'dns-record': { color: '#6a1b9a', style: 'solid', fr: 'enregistrement Route 53', en: 'Route 53 record' },
  'cloudfront-origin': {
    color: '#e65100',
    style: 'solid',
    fr: 'origine CloudFront',
    en: 'CloudFront origin',
  },
  'origin-group': {
    color: '#e65100',
    style: 'dashed',
    fr: "repli du groupe d'origines",
    en: 'origin group fallback',
  },
  'cross-region-reference': {
    color: '#455a64',
    style: 'dotted',
    fr: 'référence inter-Région',
    en: 'cross-Region reference',
  },
  'backup-copy': { color: '#b71c1c', style: 'bold', fr: 'copie de sauvegarde', en: 'backup copy' },
};

export function nodeId(stack: string, logicalId: string): string {
  return `n_${`${stack}__${logicalId}`.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function anchorId(stack: string): string {
  return `s_${stack.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** Last meaningful segment of a construct path (`/S/Table/Resource` → `Table`), else the logical id. */
export function shortName(res: Res): string {
  const parts = (res.path ?? '').split('/').filter((s) => s && s !== 'Resource' && s !== 'Default');
  const last = parts[parts.length - 1];
  if (!last) return res.logicalId;
  // "Bucket" alone says nothing: keep the owning construct's name with it.
  return GENERIC_NAMES.has(last) && parts.length > 2 ? `${parts[parts.length - 2]} ${last}` : last;
}

const GENERIC_NAMES = new Set([
  'Bucket',
  'Queue',
  'Table',
  'Key',
  'Secret',
  'Service',
  'Api',
  'Function',
  'Vault',
  'Domain',
  'LoadBalancer',
  'Distribution',
  'Topic',
]);

export function architectureGraph(assembly: Assembly): ArchitectureGraph {
  const resources = allResources(assembly);
  const byStack = new Map(assembly.stacks.map((s) => [s.name, s]));
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const addEdge = (e: GraphEdge) => {
    if (e.from !== e.to && !edges.some((x) => x.from === e.from && x.to === e.to && x.kind === e.kind))
      edges.push(e);
  };
  const keyNode = (r: Res): string => {
    const id = nodeId(r.stack.name, r.logicalId);
    if (!nodes.has(id)) {
      nodes.set(id, {
        id,
        label: `${KEY_TYPES[r.type] ?? r.type}\n${shortName(r)}`,
        region: r.stack.region,
        stack: r.stack.name,
        kind: r.type,
      });
    }
    return id;
  };
  const regionNode = (region: string, key: string, label: string, kind: string): string => {
    const id = `r_${`${region}__${key}`.replace(/[^A-Za-z0-9_]/g, '_')}`;
    if (!nodes.has(id)) nodes.set(id, { id, label, region, kind });
    return id;
  };
  // Dead-letter queues would crowd the picture; they appear in the inventory and the controls.
  const deadLetterQueues = new Set<string>();
  for (const q of ofType(resources, 'AWS::SQS::Queue')) {
    for (const id of localRefs(at(q.props, 'RedrivePolicy.deadLetterTargetArn')))
      deadLetterQueues.add(`${q.stack.name}#${id}`);
  }
  for (const r of resources) {
    if (KEY_TYPES[r.type] && !deadLetterQueues.has(`${r.stack.name}#${r.logicalId}`)) keyNode(r);
  }

  // A resource another stack points at through one of its outputs.
  const resolveOutput = (stackName: string, output: string): string | undefined => {
    const stack = byStack.get(stackName);
    const value = stack
      ? (stack.template.Outputs?.[output] as { Value?: unknown } | undefined)?.Value
      : undefined;
    for (const id of localRefs(value)) {
      const target = resources.find((x) => x.stack.name === stackName && x.logicalId === id);
      if (target && KEY_TYPES[target.type]) return keyNode(target);
    }
    return undefined;
  };
  /** The first output read that names a key resource, else the first stack read. */
  const resolveReads = (reads: readonly { stack: string; output: string }[]): string | undefined => {
    for (const read of reads) {
      const node = resolveOutput(read.stack, read.output);
      if (node) return node;
    }
    return reads[0] ? anchorId(reads[0].stack) : undefined;
  };

  // Global tables: replicas in other Regions, witnesses.
  for (const t of ofType(resources, 'AWS::DynamoDB::GlobalTable')) {
    const from = keyNode(t);
    const name = render(t.props.TableName) || shortName(t);
    for (const replica of asArray(t.props.Replicas)) {
      const region = render(at(replica, 'Region'));
      if (!region || region === t.stack.region) continue;
      addEdge({
        from,
        to: regionNode(region, `replica_${name}`, `DynamoDB replica\n${name}`, 'replica'),
        kind: 'table-replica',
        label: region,
      });
    }
    for (const w of asArray(t.props.GlobalTableWitnesses)) {
      const region = render(at(w, 'Region'));
      if (region)
        addEdge({
          from,
          to: regionNode(region, `witness_${name}`, `MRSC witness\n${name}`, 'witness'),
          kind: 'table-witness',
          label: region,
        });
    }
  }

  // S3 replication: destination bucket matched by name across every template.
  const bucketNames = ofType(resources, 'AWS::S3::Bucket').map((b) => ({
    res: b,
    name: render(b.props.BucketName),
  }));
  for (const b of ofType(resources, 'AWS::S3::Bucket')) {
    for (const rule of asArray(at(b.props, 'ReplicationConfiguration.Rules'))) {
      const dest = render(at(rule, 'Destination.Bucket')).replace(/^arn:[^:]*:s3:::/, '');
      const target = bucketNames.find((x) => x.name && x.name === dest && x.res !== b);
      const region =
        target?.res.stack.region ??
        regionInArn(at(rule, 'Destination.EncryptionConfiguration.ReplicaKmsKeyID')) ??
        'unknown';
      const to = target
        ? keyNode(target.res)
        : regionNode(region, `bucket_${dest}`, `S3\n${dest}`, 'external');
      addEdge({
        from: keyNode(b),
        to,
        kind: 's3-replication',
        label: render(at(rule, 'Status')) || 'replication',
      });
    }
  }

  // Route 53 failover / latency records (and any health-checked record) → what they resolve to.
  for (const rec of ofType(resources, 'AWS::Route53::RecordSet')) {
    const routing = rec.props.Failover
      ? `failover ${render(rec.props.Failover)}`
      : rec.props.Region
        ? `latency ${render(rec.props.Region)}`
        : undefined;
    if (!routing && !rec.props.HealthCheckId) continue;
    const name = render(rec.props.Name).replace(/\.$/, '');
    const from = regionNode(
      rec.stack.region,
      `record_${rec.stack.name}_${rec.logicalId}`,
      `Route 53\n${name}`,
      'AWS::Route53::RecordSet',
    );
    nodes.set(from, { ...(nodes.get(from) as GraphNode), stack: rec.stack.name });
    const target = resolveReads(stackOutputReads(rec.props.ResourceRecords ?? rec.props.AliasTarget));
    if (target) addEdge({ from, to: target, kind: 'dns-record', label: routing ?? 'health-checked' });
    for (const id of localRefs(rec.props.AliasTarget)) {
      const target = resources.find((x) => x.stack === rec.stack && x.logicalId === id);
      if (target && KEY_TYPES[target.type])
        addEdge({ from, to: keyNode(target), kind: 'dns-record', label: routing ?? 'alias' });
    }
  }
  const recordNodesByName = [...nodes.values()].filter((n) => n.kind === 'AWS::Route53::RecordSet');

  // CloudFront: every origin (buckets, APIs, VPC origins, DNS names) and origin groups.
  for (const d of ofType(resources, 'AWS::CloudFront::Distribution')) {
    const from = keyNode(d);
    const originTarget = new Map<string, string>();
    for (const origin of asArray(at(d.props, 'DistributionConfig.Origins'))) {
      const id = render(at(origin, 'Id'));
      let to: string | undefined;
      to = resolveReads(stackOutputReads(at(origin, 'DomainName')));
      if (!to) {
        for (const ref of localRefs(at(origin, 'DomainName'))) {
          const target = resources.find((x) => x.stack === d.stack && x.logicalId === ref);
          if (target && KEY_TYPES[target.type]) to = keyNode(target);
        }
      }
      const vpcOrigin = at(origin, 'VpcOriginConfig.VpcOriginId');
      if (!to && vpcOrigin) {
        for (const ref of localRefs(vpcOrigin)) {
          const vo = resources.find((x) => x.stack === d.stack && x.logicalId === ref);
          to = resolveReads(stackOutputReads(vo?.props));
        }
      }
      if (!to) {
        const domain = render(at(origin, 'DomainName'));
        const records = recordNodesByName.filter((n) => n.label.endsWith(`\n${domain}`));
        // A DNS name with several records (failover, latency) reaches each of them.
        for (const extra of records.slice(1))
          addEdge({ from, to: extra.id, kind: 'cloudfront-origin', label: 'origin (DNS)' });
        to =
          records[0]?.id ?? regionNode(d.stack.region, `origin_${domain}`, `origin\n${domain}`, 'external');
      }
      originTarget.set(id, to);
    }
    const inGroup = new Set<string>();
    for (const group of asArray(at(d.props, 'DistributionConfig.OriginGroups.Items'))) {
      const members = asArray(at(group, 'Members.Items')).map((m) => render(at(m, 'OriginId')));
      const [primary, ...fallbacks] = members.map((m) => originTarget.get(m)).filter((x): x is string => !!x);
      members.forEach((m) => inGroup.add(m));
      if (!primary) continue;
      addEdge({ from, to: primary, kind: 'cloudfront-origin', label: 'group primary' });
      for (const f of fallbacks) addEdge({ from, to: f, kind: 'origin-group', label: 'group fallback' });
    }
    for (const [id, to] of originTarget)
      if (!inGroup.has(id)) addEdge({ from, to, kind: 'cloudfront-origin', label: 'origin' });
  }

  // Cross-Region references: Fn::GetStackOutput across Regions, and CDK's SSM export writers.
  for (const r of resources) {
    for (const read of stackOutputReads(r.props)) {
      const source = byStack.get(read.stack);
      if (source && source.region !== r.stack.region) {
        addEdge({
          from: anchorId(read.stack),
          to: anchorId(r.stack.name),
          kind: 'cross-region-reference',
          label: 'Fn::GetStackOutput',
        });
      }
    }
    if (r.type === 'Custom::CrossRegionExportWriter') {
      for (const key of Object.keys(asRecord(at(r.props, 'WriterProps.exports')))) {
        const consumer = /^\/cdk\/exports\/([^/]+)\//.exec(key)?.[1];
        if (consumer && byStack.has(consumer)) {
          addEdge({
            from: anchorId(r.stack.name),
            to: anchorId(consumer),
            kind: 'cross-region-reference',
            label: 'SSM export',
          });
        }
      }
    }
  }

  // Backup copy actions → destination vault (matched by name across every template).
  const vaults = ofType(resources, 'AWS::Backup::BackupVault').map((v) => ({
    res: v,
    name: render(v.props.BackupVaultName),
  }));
  for (const plan of ofType(resources, 'AWS::Backup::BackupPlan')) {
    for (const rule of asArray(at(plan.props, 'BackupPlan.BackupPlanRule'))) {
      for (const copy of asArray(at(rule, 'CopyActions'))) {
        const arn = render(at(copy, 'DestinationBackupVaultArn'));
        const vaultName = arn.split(':backup-vault:')[1] ?? arn;
        const region = regionInArn(at(copy, 'DestinationBackupVaultArn')) ?? 'unknown';
        const target = vaults.find((v) => v.name === vaultName && v.res.stack.region === region);
        const to = target
          ? keyNode(target.res)
          : regionNode(region, `vault_${vaultName}`, `Backup vault\n${vaultName}`, 'external');
        addEdge({
          from: keyNode(plan),
          to,
          kind: 'backup-copy',
          label: render(at(rule, 'RuleName')) || 'copy',
        });
      }
    }
  }

  // The edge Region first, then application Regions by their number of stacks, then the rest.
  const stackCount = (r: string) => assembly.stacks.filter((s) => s.region === r).length;
  const regions = [
    ...new Set([...assembly.stacks.map((s) => s.region), ...[...nodes.values()].map((n) => n.region)]),
  ].sort(
    (a, b) =>
      Number(b === EDGE_REGION) - Number(a === EDGE_REGION) ||
      stackCount(b) - stackCount(a) ||
      a.localeCompare(b),
  );
  return {
    regions,
    stacks: assembly.stacks.map((s) => ({ name: s.name, region: s.region })),
    nodes: [...nodes.values()],
    edges,
  };
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function asRecord(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

const dotString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** Key resources per row inside a stack box: keeps each Region a readable column. */
const NODES_PER_ROW = 2;

export function toDot(graph: ArchitectureGraph): string {
  const lines = [
    'digraph Rempart {',
    '  graph [rankdir=TB, compound=true, newrank=true, fontname="Helvetica", fontsize=12, nodesep=0.2, ranksep=0.35, bgcolor="white"];',
    '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#37474f", fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  // Layout: invisible edges stack each Region's boxes into a column (two resources per row); the
  // real edges do not constrain ranks, so the columns stay tidy and the edges are drawn across.
  const layout: string[] = [];
  graph.regions.forEach((region, i) => {
    lines.push(
      `  subgraph cluster_region_${i} {`,
      `    label=${dotString(region)}; color="#90a4ae"; fillcolor="#f5f7f8"; style="rounded,filled";`,
    );
    let previousRow: string[] = [];
    const chain = (ids: string[]) => {
      for (let k = 0; k < ids.length; k += NODES_PER_ROW) {
        const row = ids.slice(k, k + NODES_PER_ROW);
        if (previousRow.length > 0)
          for (const id of row) layout.push(`  ${previousRow[0]} -> ${id} [style=invis];`);
        previousRow = row;
      }
    };
    graph.stacks
      .filter((s) => s.region === region)
      .forEach((s, j) => {
        const members = graph.nodes.filter((x) => x.stack === s.name);
        lines.push(
          `    subgraph cluster_stack_${i}_${j} {`,
          `      label=${dotString(s.name)}; style="rounded,filled"; fillcolor="#e3eaf0"; color="#78909c";`,
        );
        lines.push(
          `      ${anchorId(s.name)} [shape=point, width=0.01, height=0.01, label="", style=invis];`,
        );
        for (const n of members) lines.push(`      ${n.id} [label=${dotString(n.label)}];`);
        lines.push('    }');
        chain([anchorId(s.name), ...members.map((m) => m.id)]);
      });
    const loose = graph.nodes.filter((x) => x.region === region && !x.stack);
    for (const n of loose) lines.push(`    ${n.id} [label=${dotString(n.label)}, fillcolor="#fff8e1"];`);
    chain(loose.map((n) => n.id));
    lines.push('  }');
  });
  lines.push(...layout);
  for (const e of graph.edges) {
    const st = EDGE_STYLE[e.kind];
    const ends = [
      e.from.startsWith('s_') ? `ltail=${clusterOf(graph, e.from)}` : '',
      e.to.startsWith('s_') ? `lhead=${clusterOf(graph, e.to)}` : '',
    ].filter(Boolean);
    lines.push(
      `  ${e.from} -> ${e.to} [label=${dotString(e.label)}, color="${st.color}", fontcolor="${st.color}", style=${st.style}, constraint=false${ends.length ? `, ${ends.join(', ')}` : ''}];`,
    );
  }
  lines.push('}');
  return lines.join('\n');
}

function clusterOf(graph: ArchitectureGraph, anchor: string): string {
  for (const [i, region] of graph.regions.entries()) {
    const stacks = graph.stacks.filter((s) => s.region === region);
    const j = stacks.findIndex((s) => anchorId(s.name) === anchor);
    if (j >= 0) return `cluster_stack_${i}_${j}`;
  }
  return anchor;
}

const mermaidLabel = (s: string) => `"${s.replace(/"/g, '#quot;').replace(/\n/g, '<br/>')}"`;

export function toMermaid(graph: ArchitectureGraph): string {
  const lines = ['flowchart LR'];
  graph.regions.forEach((region, i) => {
    lines.push(`  subgraph R${i}[${mermaidLabel(region)}]`);
    graph.stacks
      .filter((s) => s.region === region)
      .forEach((s) => {
        lines.push(`    subgraph ${anchorId(s.name)}[${mermaidLabel(s.name)}]`);
        for (const n of graph.nodes.filter((x) => x.stack === s.name))
          lines.push(`      ${n.id}[${mermaidLabel(n.label)}]`);
        lines.push('    end');
      });
    for (const n of graph.nodes.filter((x) => x.region === region && !x.stack))
      lines.push(`    ${n.id}[${mermaidLabel(n.label)}]`);
    lines.push('  end');
  });
  for (const e of graph.edges) {
    const arrow =
      EDGE_STYLE[e.kind].style === 'solid' || EDGE_STYLE[e.kind].style === 'bold' ? '-->' : '-.->';
    lines.push(`  ${e.from} ${arrow}|${mermaidLabel(e.label)}| ${e.to}`);
  }
  return lines.join('\n');
}

export function architectureSection(graph: ArchitectureGraph, svg: string): Section {
  const counts = new Map<EdgeKind, number>();
  for (const e of graph.edges) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  return {
    id: 'architecture',
    title: bi("Schéma d'architecture", 'Architecture diagram'),
    blocks: [
      p(
        `Régions → piles → ressources clés, tirés des modèles : ${graph.regions.length} Région(s), ${graph.stacks.length} pile(s), ${graph.nodes.length} nœud(s), ${graph.edges.length} lien(s).`,
        `Regions → stacks → key resources, read from the templates: ${graph.regions.length} Region(s), ${graph.stacks.length} stack(s), ${graph.nodes.length} node(s), ${graph.edges.length} edge(s).`,
      ),
      { kind: 'svg', svg, title: bi("Schéma d'architecture (Graphviz)", 'Architecture diagram (Graphviz)') },
      table(
        bi('Légende et nombre de liens par nature', 'Legend and number of edges per kind'),
        [bi('Nature du lien', 'Edge kind'), bi('Trait', 'Line'), bi('Nombre', 'Count')],
        (Object.keys(EDGE_STYLE) as EdgeKind[]).map((k) => [
          `${EDGE_STYLE[k].fr} / ${EDGE_STYLE[k].en}`,
          code(`${EDGE_STYLE[k].style} ${EDGE_STYLE[k].color}`),
          counts.get(k) ?? 0,
        ]),
      ),
      table(
        bi('Liens du schéma (équivalent textuel)', 'Diagram edges (text equivalent)'),
        [bi('De', 'From'), bi('Nature', 'Kind'), bi('Vers', 'To'), bi('Détail', 'Detail')],
        graph.edges.map((e) => [
          labelOf(graph, e.from),
          EDGE_STYLE[e.kind].en,
          labelOf(graph, e.to),
          e.label,
        ]),
        bi('Aucun lien.', 'No edge.'),
      ),
      {
        kind: 'mermaid',
        text: toMermaid(graph),
        title: bi('Le même schéma en Mermaid', 'The same diagram as Mermaid'),
      },
    ],
  };
}

function labelOf(graph: ArchitectureGraph, id: string): string {
  const n = graph.nodes.find((x) => x.id === id);
  if (n) return `${n.label.replace('\n', ': ')} (${n.stack ?? n.region})`;
  const s = graph.stacks.find((x) => anchorId(x.name) === id);
  return s ? `${s.name} (${s.region})` : id;
}

/** Exposed for the inventory: the stacks a stack reads outputs from in another Region. */
export function crossRegionReads(stack: StackArtifact, assembly: Assembly): string[] {
  const names = new Set<string>();
  for (const res of Object.values(stack.template.Resources ?? {})) {
    for (const read of stackOutputReads(res.Properties)) {
      const src = assembly.stacks.find((s) => s.name === read.stack);
      if (src && src.region !== stack.region) names.add(read.stack);
    }
  }
  return [...names].sort();
}
