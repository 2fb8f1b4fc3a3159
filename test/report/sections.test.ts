import { architectureGraph, toDot, toMermaid } from '../../tools/report/sections/architecture';
import { complianceData, findingsSection, summarySection } from '../../tools/report/sections/compliance';
import { evaluateControls, type ControlResult } from '../../tools/report/sections/controls';
import { residencyData } from '../../tools/report/sections/inventory';
import { failoverDetectionSeconds } from '../../lib/config';
import { detectionSeconds, resilienceData } from '../../tools/report/sections/resilience';
import type { Table } from '../../tools/report/model';
import { patchedSmall, small } from './fixture';

const OBJECTIVES = {
  az: { rtoMinutes: 5, rpoMinutes: 0 },
  infrastructure: { rtoMinutes: 5, rpoMinutes: 0 },
  software: { rtoMinutes: 60, rpoMinutes: 5 },
  region: { rtoMinutes: 15, rpoMinutes: 1 },
};

function tables(section: { blocks: readonly unknown[] }): Table[] {
  return section.blocks.filter((b): b is Table => (b as { kind: string }).kind === 'table');
}

function find(results: readonly ControlResult[], control: string, logicalId: string): ControlResult[] {
  return results.filter((r) => r.control === control && r.evidence.logicalId === logicalId);
}

describe('findings and acknowledgements', () => {
  const data = complianceData(small().assembly);

  test('the open finding is reported with its rule, severity and template evidence', () => {
    expect(data.open).toEqual([
      expect.objectContaining({
        pack: 'AwsSolutions',
        ruleId: 'AwsSolutions-IAM5[Resource::*]',
        severity: 'error',
        constructPath: 'Fix-Api-eu-west-3/WorkerPolicy/Resource',
        template: 'Fix-Api-eu-west-3.template.json',
        logicalId: 'WorkerPolicy',
      }),
    ]);
    const rendered = JSON.stringify(findingsSection(data));
    expect(rendered).toContain('AwsSolutions-IAM5[Resource::*]');
  });

  test('every acknowledgement is listed with its reason and construct path', () => {
    const section = findingsSection(data);
    const acks = tables(section)[1];
    expect(acks?.rows).toHaveLength(2);
    expect(JSON.stringify(acks?.rows)).toContain('/Fix-Exports-eu-west-2/Exports/Resource');
    expect(JSON.stringify(acks?.rows)).toContain('server access logs add no audit value here');
  });

  test('the summary counts open and acknowledged findings per pack', () => {
    expect(data.packs).toEqual([
      {
        pack: 'AwsSolutions',
        openBySeverity: { error: 1 },
        acknowledged: 1,
        resourcesWithoutFinding: data.resourceCount - 2,
      },
      {
        pack: 'NIST.800.53.R5',
        openBySeverity: {},
        acknowledged: 1,
        resourcesWithoutFinding: data.resourceCount - 1,
      },
    ]);
    expect(JSON.stringify(summarySection(data))).toContain('"status":"open"');
  });

  test('a Control Tower exemption written in template metadata is listed', () => {
    const f = patchedSmall('Fix-Vault.template.json', (t) => {
      t.Resources.Offsite.Metadata = { guard: { SuppressedRules: ['CT.BACKUP.PR.1'] } };
    });
    try {
      expect(complianceData(f.assembly).controlTower).toEqual([
        expect.objectContaining({
          source: 'template-metadata',
          ruleId: 'CT.BACKUP.PR.1',
          stack: 'Fix-Vault',
          logicalId: 'Offsite',
        }),
      ]);
    } finally {
      f.dispose();
    }
    expect(data.controlTower).toEqual([]);
  });
});

describe('data residency', () => {
  const data = residencyData(small().assembly);

  test('flags the London bucket and the us-east-1 WAF logs as outside the EEA', () => {
    expect(data.outsideEea.map((r) => `${r.stack}/${r.logicalId}@${r.region}`).sort()).toEqual([
      'Fix-Edge/FirewallLogs@us-east-1',
      'Fix-Exports-eu-west-2/Exports@eu-west-2',
    ]);
  });

  test('lists every replica and the backup copy destination as a location', () => {
    expect(
      data.rows
        .filter((r) => r.logicalId === 'Table')
        .map((r) => r.region)
        .sort(),
    ).toEqual(['eu-central-1', 'eu-west-3']);
    expect(data.rows.find((r) => r.logicalId === 'Plan')).toEqual(
      expect.objectContaining({ region: 'eu-west-1', inEea: true }),
    );
  });

  test('says what each global service processes and where it writes', () => {
    expect(data.global.map((g) => g.service)).toEqual([
      'CloudFront',
      'CloudFront',
      'WAF (CLOUDFRONT scope)',
      'Route 53',
    ]);
    expect(data.global.find((g) => g.service.startsWith('WAF'))?.storesIn).toBe('us-east-1');
    expect(data.global.find((g) => g.service === 'Route 53')?.processes).toContain('origin.shop.example.fr');
  });
});

describe('control matrix', () => {
  const results = evaluateControls(small().resolver);

  test('the unlocked off-site vault is a gap, twice: the vault and the copy into it', () => {
    expect(find(results, 'LOCK.VAULT', 'Offsite')).toEqual([
      expect.objectContaining({
        status: 'gap',
        detail: 'no lock: recovery points can be deleted',
        evidence: expect.objectContaining({
          template: 'Fix-Vault.template.json',
          propertyPath: 'Properties.LockConfiguration',
        }),
      }),
    ]);
    expect(find(results, 'LOCK.COPY-DESTINATION', 'Plan')).toEqual([
      expect.objectContaining({ status: 'gap', detail: 'destination Fix-Vault/Offsite has no lock' }),
    ]);
    expect(find(results, 'LOCK.VAULT', 'Vault')).toEqual([expect.objectContaining({ status: 'aligned' })]);
  });

  test('a lock on the off-site vault closes both gaps', () => {
    const f = patchedSmall('Fix-Vault.template.json', (t) => {
      t.Resources.Offsite.Properties.LockConfiguration = {
        MinRetentionDays: 7,
        MaxRetentionDays: 400,
        ChangeableForDays: 3,
      };
    });
    try {
      const fixed = evaluateControls(f.resolver);
      expect(find(fixed, 'LOCK.VAULT', 'Offsite')[0]?.status).toBe('aligned');
      expect(find(fixed, 'LOCK.COPY-DESTINATION', 'Plan')[0]?.status).toBe('aligned');
    } finally {
      f.dispose();
    }
  });

  test('copies kept shorter than the lock allows are a gap', () => {
    const f = patchedSmall('Fix-Vault.template.json', (t) => {
      t.Resources.Offsite.Properties.LockConfiguration = { MinRetentionDays: 90 };
    });
    try {
      expect(find(evaluateControls(f.resolver), 'LOCK.COPY-DESTINATION', 'Plan')[0]).toEqual(
        expect.objectContaining({
          status: 'gap',
          detail: expect.stringContaining('outside the lock range 90'),
        }),
      );
    } finally {
      f.dispose();
    }
  });

  test('each family ties a status to template, logical id and property path', () => {
    expect(find(results, 'ENC.S3', 'Docs').map((r) => [r.evidence.stack, r.status, r.detail])).toEqual([
      ['Fix-Data-eu-central-1', 'aligned', 'default encryption AES256'],
      ['Fix-Data-eu-west-3', 'aligned', 'default encryption aws:kms'],
    ]);
    expect(find(results, 'TLS.S3-POLICY', 'DocsPolicy')).toEqual([
      expect.objectContaining({
        status: 'aligned',
        evidence: expect.objectContaining({ propertyPath: 'Properties.PolicyDocument.Statement' }),
      }),
    ]);
    expect(find(results, 'PUB.SECURITY-GROUP', 'ServiceGroup')[0]?.status).toBe('gap');
    expect(find(results, 'LOG.LOAD-BALANCER', 'Balancer')[0]?.status).toBe('gap');
    expect(find(results, 'LOG.RETENTION', 'FirewallLogs')[0]?.detail).toBe('30 day(s)');
    expect(find(results, 'BAK.PITR', 'Table').map((r) => r.status)).toEqual(['aligned', 'aligned']);
    expect(find(results, 'REP.DYNAMODB', 'Table')[0]?.detail).toMatch(
      /^replicas eu-central-1, eu-west-3; consistency EVENTUAL/,
    );
    expect(find(results, 'WAF.RATE-RULE', 'Firewall').map((r) => r.detail)).toEqual([
      'Writes: 50 per 300 s per IP + Cookie session, POST; action Block',
      'PerClient: 400 per 300 s per IP + Cookie session; action Block',
      'PerAddress: 10000 per 300 s per IP; action Block',
    ]);
    expect(find(results, 'WAF.MANAGED-GROUP', 'Firewall')[0]).toEqual(
      expect.objectContaining({
        status: 'info',
        detail: 'AWS AWSManagedRulesCommonRuleSet: count only (nothing blocked)',
      }),
    );
    expect(find(results, 'SHIELD.PROTECTION', 'Distribution')[0]?.status).toBe('info');
    expect(find(results, 'ALARM.DEAD-LETTER', 'OrdersDlqAlarm')[0]?.status).toBe('aligned');
    expect(find(results, 'ALARM.QUEUE-AGE', 'Orders')[0]?.status).toBe('gap');
    expect(find(results, 'ALARM.HEALTH-CHECKED-RECORD', 'WriteRecord')[0]?.status).toBe('aligned');
  });

  test('a gap on a resource carrying acknowledgements says how many', () => {
    expect(find(results, 'REP.S3', 'Exports')).toEqual([
      expect.objectContaining({ status: 'gap', acknowledgements: 1 }),
    ]);
  });
});

describe('resilience', () => {
  const data = resilienceData(small().resolver, OBJECTIVES);
  const mechanism = (name: string) =>
    data.mechanisms.filter((m) => m.workload === 'booking' && m.mechanism === name);

  test('declared objectives sit next to the Resilience Hub policy found', () => {
    expect(data.policies.find((p) => p.disruption === 'Region')).toEqual(
      expect.objectContaining({ rtoSeconds: 900, rpoSeconds: 60, declaredRto: 900, declaredRpo: 60 }),
    );
  });

  test('a 15-minute replication bound against a 1-minute Region RPO is flagged', () => {
    expect(mechanism('bucket replication')).toEqual([
      expect.objectContaining({
        status: 'gap',
        detail: expect.stringContaining('replication time control 15 min; declared Region RPO 1 min'),
      }),
    ]);
  });

  test('the backup chain is broken by the unlocked vault', () => {
    expect(mechanism('backup copy + lock')[0]).toEqual(
      expect.objectContaining({
        status: 'gap',
        detail: expect.stringContaining(
          'Table (eu-west-3) has no copy into a locked vault of another Region',
        ),
      }),
    );
  });

  test('failover detection is computed from the alarm behind the health check and the record TTL', () => {
    const { resolver } = small();
    const record = resolver.get('Fix-Resilience-eu-west-3', 'WriteRecord');
    const budget = (evaluationPeriods: number) =>
      failoverDetectionSeconds({
        probes: { rateMinutes: 0, periodMinutes: 0, evaluationPeriods: 0 },
        alarms: { periodSeconds: 60, evaluationPeriods },
        failover: { recordTtlSeconds: 60 },
      });
    expect(record && detectionSeconds(resolver, record)).toBe(budget(3));
    expect(mechanism('health-checked DNS failover')[0]).toEqual(
      expect.objectContaining({
        status: 'aligned',
        detail: expect.stringContaining(`detection ≈ ${budget(3)} s`),
      }),
    );
    const slower = patchedSmall('Fix-Resilience-eu-west-3.template.json', (t) => {
      t.Resources.ApiErrorsHere.Properties.EvaluationPeriods = 5;
    });
    try {
      const r = slower.resolver.get('Fix-Resilience-eu-west-3', 'WriteRecord');
      expect(r && detectionSeconds(slower.resolver, r)).toBe(budget(5));
    } finally {
      slower.dispose();
    }
  });

  test('a workload without a health-checked record and drills is flagged', () => {
    const ent = data.mechanisms.filter((m) => m.workload === 'ent');
    expect(ent.find((m) => m.mechanism === 'health-checked DNS failover')?.status).toBe('gap');
    expect(ent.find((m) => m.mechanism === 'fault-injection drills')?.status).toBe('gap');
    expect(mechanism('fault-injection drills')[0]?.status).toBe('aligned');
  });
});

describe('architecture diagram', () => {
  const graph = architectureGraph(small().assembly);
  const edge = (kind: string) =>
    graph.edges
      .filter((e) => e.kind === kind)
      .map(
        (e) =>
          `${graph.nodes.find((n) => n.id === e.from)?.label ?? e.from} -> ${graph.nodes.find((n) => n.id === e.to)?.label ?? e.to}`,
      );

  test('draws replicas, S3 replication, failover records, origins, backup copies and cross-Region reads', () => {
    expect(edge('table-replica')).toEqual(['DynamoDB global table\nTable -> DynamoDB replica\nfix-orders']);
    expect(edge('s3-replication')).toEqual(['S3\nDocs -> S3\nDocs']);
    expect(edge('dns-record')).toEqual(['Route 53\norigin.shop.example.fr -> API domain name\nWriteDomain']);
    expect(edge('cloudfront-origin').sort()).toEqual([
      'CloudFront\nDistribution -> Route 53\norigin.shop.example.fr',
      'CloudFront\nDistribution -> S3\nDocs',
      'CloudFront\nPortalDistribution -> Load balancer\nBalancer',
    ]);
    expect(edge('backup-copy')).toEqual(['Backup plan\nPlan -> Backup vault\nOffsite']);
    expect(edge('cross-region-reference').sort()).toEqual([
      's_Fix_Data_eu_west_3 -> s_Fix_Edge',
      's_Fix_Portal_eu_west_3 -> s_Fix_Edge',
    ]);
  });

  test('DOT has a cluster per Region and stack; Mermaid carries the same nodes', () => {
    const dot = toDot(graph);
    for (const region of ['us-east-1', 'eu-west-3', 'eu-central-1', 'eu-west-1', 'eu-west-2'])
      expect(dot).toContain(`label="${region}"`);
    expect(dot).toContain('label="Fix-Vault"');
    const mermaid = toMermaid(graph);
    expect(mermaid.startsWith('flowchart LR')).toBe(true);
    for (const n of graph.nodes) expect(mermaid).toContain(`${n.id}[`);
  });
});
