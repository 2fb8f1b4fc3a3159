import { EDGE_REGION, isEeaRegion } from '../../../lib/aws-facts';
import type { Assembly } from '../assembly';
import { allResources, at, localRefs, ofType, regionInArn, render, stackWorkloads, type Res } from '../cfn';
import { bi, code, fmt, p, status, table, type Section } from '../model';
import { crossRegionReads } from './architecture';

export function inventorySection(assembly: Assembly): Section {
  const resources = allResources(assembly).filter((r) => r.type !== 'AWS::CDK::Metadata');
  const workloads = stackWorkloads(resources);
  const rows = assembly.stacks.map((s) => {
    const mine = resources.filter((r) => r.stack === s);
    const byType = new Map<string, number>();
    for (const r of mine) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
    const types = [...byType]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([t, n]) => `${t.replace(/^AWS::/, '')} ×${n}`)
      .join(', ');
    return [
      s.region,
      code(s.name),
      workloads.get(s.name) ?? '—',
      mine.length,
      s.terminationProtection ? 'oui / yes' : 'non / no',
      s.dependencies.join(', ') || '—',
      crossRegionReads(s, assembly).join(', ') || '—',
      types,
    ];
  });
  const regions = [...new Set(assembly.stacks.map((s) => s.region))].sort();
  return {
    id: 'inventory',
    title: bi('Inventaire par pile et par Région', 'Inventory per stack and Region'),
    blocks: [
      p(
        `${assembly.stacks.length} pile(s) dans ${regions.length} Région(s) (${regions.join(', ')}), ${fmt(resources.length)} ressources.`,
        `${assembly.stacks.length} stack(s) in ${regions.length} Region(s) (${regions.join(', ')}), ${fmt(resources.length)} resources.`,
      ),
      table(
        bi('Piles', 'Stacks'),
        [
          bi('Région', 'Region'),
          bi('Pile', 'Stack'),
          bi('Charge de travail', 'Workload'),
          bi('Ressources', 'Resources'),
          bi('Protection contre la suppression', 'Termination protection'),
          bi('Dépend de', 'Depends on'),
          bi('Lit des sorties de (autre Région)', 'Reads outputs of (other Region)'),
          bi('Types de ressources', 'Resource types'),
        ],
        rows,
      ),
    ],
  };
}

/** What a stateful resource type keeps: the unit of the data-residency table. */
const STATEFUL: Readonly<Record<string, Bi2>> = {
  'AWS::S3::Bucket': ['objets', 'objects'],
  'AWS::DynamoDB::GlobalTable': ['éléments de table', 'table items'],
  'AWS::DynamoDB::Table': ['éléments de table', 'table items'],
  'AWS::Logs::LogGroup': ['journaux', 'log events'],
  'AWS::SQS::Queue': ['messages', 'messages'],
  'AWS::SNS::Topic': ['messages en transit', 'messages in transit'],
  'AWS::Backup::BackupVault': ['points de restauration', 'recovery points'],
  'AWS::Backup::LogicallyAirGappedBackupVault': ['points de restauration', 'recovery points'],
  'AWS::SecretsManager::Secret': ['valeur secrète', 'secret value'],
  'AWS::KMS::Key': ['matériel de clé', 'key material'],
  'AWS::SSM::Parameter': ['valeur de paramètre', 'parameter value'],
  'AWS::Kinesis::Stream': ['enregistrements', 'records'],
  'AWS::KinesisFirehose::DeliveryStream': ['enregistrements en transit', 'records in transit'],
  'AWS::RDS::DBInstance': ['base de données', 'database'],
  'AWS::RDS::DBCluster': ['base de données', 'database'],
  'AWS::EFS::FileSystem': ['fichiers', 'files'],
  'AWS::ECR::Repository': ['images de conteneur', 'container images'],
  'AWS::ElastiCache::ReplicationGroup': ['cache', 'cache'],
  'AWS::OpenSearchService::Domain': ['index', 'indexes'],
  'AWS::Cognito::UserPool': ['identités', 'identities'],
};
type Bi2 = readonly [string, string];

export interface ResidencyRow {
  readonly stack: string;
  readonly template: string;
  readonly logicalId: string;
  readonly type: string;
  readonly name: string;
  readonly holds: string;
  readonly region: string;
  readonly how: string;
  readonly inEea: boolean;
}

export interface GlobalServiceRow {
  readonly service: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly processes: string;
  readonly storesIn: string;
}

export interface ResidencyData {
  readonly rows: readonly ResidencyRow[];
  readonly outsideEea: readonly ResidencyRow[];
  readonly global: readonly GlobalServiceRow[];
}

export function residencyData(assembly: Assembly): ResidencyData {
  const resources = allResources(assembly);
  const rows: ResidencyRow[] = [];
  const add = (r: Res, region: string, how: string) => {
    const holds = STATEFUL[r.type];
    rows.push({
      stack: r.stack.name,
      template: r.stack.templateFile,
      logicalId: r.logicalId,
      type: r.type,
      name: displayName(r),
      holds: holds ? `${holds[0]} / ${holds[1]}` : r.type,
      region,
      how,
      inEea: isEeaRegion(region),
    });
  };
  const bucketsByName = new Map(
    ofType(resources, 'AWS::S3::Bucket').map((b) => [render(b.props.BucketName), b]),
  );
  for (const r of resources) {
    if (!STATEFUL[r.type]) continue;
    if (r.type === 'AWS::DynamoDB::GlobalTable') {
      for (const replica of asArray(r.props.Replicas))
        add(r, render(at(replica, 'Region')) || r.stack.region, 'replica');
      for (const w of asArray(r.props.GlobalTableWitnesses)) add(r, render(at(w, 'Region')), 'witness');
      continue;
    }
    add(r, r.stack.region, 'primary');
    if (r.type === 'AWS::SecretsManager::Secret') {
      for (const replica of asArray(r.props.ReplicaRegions)) add(r, render(at(replica, 'Region')), 'replica');
    }
    if (r.type === 'AWS::S3::Bucket') {
      for (const rule of asArray(at(r.props, 'ReplicationConfiguration.Rules'))) {
        const dest = render(at(rule, 'Destination.Bucket')).replace(/^arn:[^:]*:s3:::/, '');
        const target = bucketsByName.get(dest);
        // A destination in this assembly has its own row; one outside it is only known by its ARN.
        if (!target)
          add(
            r,
            regionInArn(at(rule, 'Destination.EncryptionConfiguration.ReplicaKmsKeyID')) ?? 'unknown',
            `replication → ${dest}`,
          );
      }
    }
  }
  for (const plan of ofType(resources, 'AWS::Backup::BackupPlan')) {
    for (const rule of asArray(at(plan.props, 'BackupPlan.BackupPlanRule'))) {
      for (const copy of asArray(at(rule, 'CopyActions'))) {
        const region = regionInArn(at(copy, 'DestinationBackupVaultArn'));
        if (region) {
          rows.push({
            stack: plan.stack.name,
            template: plan.stack.templateFile,
            logicalId: plan.logicalId,
            type: plan.type,
            name: render(at(plan.props, 'BackupPlan.BackupPlanName')) || plan.logicalId,
            holds: 'copies de sauvegarde / backup copies',
            region,
            how: `copy → ${render(at(copy, 'DestinationBackupVaultArn'))}`,
            inEea: isEeaRegion(region),
          });
        }
      }
    }
  }
  return { rows, outsideEea: rows.filter((r) => !r.inEea), global: globalServices(resources) };
}

function globalServices(resources: readonly Res[]): GlobalServiceRow[] {
  const out: GlobalServiceRow[] = [];
  const logGroupRegion = (value: unknown, stackRegion: string) => regionInArn(value) ?? stackRegion;
  for (const d of ofType(resources, 'AWS::CloudFront::Distribution')) {
    const cfg = at(d.props, 'DistributionConfig');
    const aliases = asArray(at(cfg, 'Aliases')).map((a) => render(a));
    const deliveries = ofType(resources, 'AWS::Logs::DeliverySource').filter(
      (s) => s.stack === d.stack && localRefs(s.props.ResourceArn).has(d.logicalId),
    );
    const destinations = deliveries.flatMap((src) =>
      ofType(resources, 'AWS::Logs::Delivery')
        .filter(
          (del) => del.stack === d.stack && render(del.props.DeliverySourceName) === render(src.props.Name),
        )
        .flatMap((del) => [...localRefs(del.props.DeliveryDestinationArn)])
        .map((id) => resources.find((x) => x.stack === d.stack && x.logicalId === id))
        .filter((x): x is Res => !!x)
        .map((dest) => logGroupRegion(dest.props.DestinationResourceArn, dest.stack.region)),
    );
    const legacy = at(cfg, 'Logging.Bucket') ? [`S3 ${render(at(cfg, 'Logging.Bucket'))}`] : [];
    out.push({
      service: 'CloudFront',
      stack: d.stack.name,
      logicalId: d.logicalId,
      processes: `viewer requests${aliases.length ? ` for ${aliases.join(', ')}` : ''}; PriceClass ${render(at(cfg, 'PriceClass')) || 'PriceClass_All'}`,
      storesIn: [...new Set([...destinations, ...legacy])].join(', ') || 'no access log',
    });
  }
  for (const acl of ofType(resources, 'AWS::WAFv2::WebACL').filter(
    (a) => render(a.props.Scope) === 'CLOUDFRONT',
  )) {
    const logging = ofType(resources, 'AWS::WAFv2::LoggingConfiguration').filter(
      (l) => l.stack === acl.stack && localRefs(l.props.ResourceArn).has(acl.logicalId),
    );
    out.push({
      service: 'WAF (CLOUDFRONT scope)',
      stack: acl.stack.name,
      logicalId: acl.logicalId,
      processes: `every request of the distributions it protects (${asArray(acl.props.Rules).length} rules)`,
      storesIn:
        logging
          .flatMap((l) =>
            asArray(l.props.LogDestinationConfigs).map((dst) => logGroupRegion(dst, l.stack.region)),
          )
          .join(', ') || 'no log',
    });
  }
  const records = ofType(resources, 'AWS::Route53::RecordSet');
  const checks = ofType(resources, 'AWS::Route53::HealthCheck');
  if (records.length > 0 || checks.length > 0) {
    const names = [...new Set(records.map((r) => render(r.props.Name).replace(/\.$/, '')))].sort();
    const checkerRegions = [
      ...new Set(
        checks.flatMap((c) => asArray(at(c.props, 'HealthCheckConfig.Regions')).map((x) => render(x))),
      ),
    ];
    out.push({
      service: 'Route 53',
      stack: [...new Set([...records, ...checks].map((r) => r.stack.name))].join(', '),
      logicalId: `${records.length} record(s), ${checks.length} health check(s)`,
      processes: `DNS queries for ${names.join(', ') || '—'}; health checks from ${checkerRegions.length ? checkerRegions.join(', ') : "Route 53's default checker Regions"}`,
      storesIn: 'no query log configured in the templates',
    });
  }
  return out;
}

export function residencySection(data: ResidencyData): Section {
  return {
    id: 'residency',
    title: bi('Localisation des données', 'Data residency'),
    blocks: [
      p(
        `${data.rows.length} emplacement(s) de données ; ${data.outsideEea.length} hors de l'EEE. La Région ${EDGE_REGION} porte ce que CloudFront et le WAF de portée CLOUDFRONT exigent là.`,
        `${data.rows.length} data location(s); ${data.outsideEea.length} outside the EEA. Region ${EDGE_REGION} holds what CloudFront and CLOUDFRONT-scope WAF require there.`,
      ),
      table(
        bi('Ressources avec état, par Région', 'Stateful resources, per Region'),
        [
          bi('Région', 'Region'),
          bi('EEE', 'EEA'),
          bi('Pile', 'Stack'),
          bi('Id logique', 'Logical id'),
          bi('Type', 'Type'),
          bi('Nom', 'Name'),
          bi('Contient', 'Holds'),
          bi('Rôle', 'Role'),
        ],
        [...data.rows]
          .sort(
            (a, b) =>
              Number(a.inEea) - Number(b.inEea) ||
              a.region.localeCompare(b.region) ||
              a.stack.localeCompare(b.stack),
          )
          .map((r) => [
            r.region,
            r.inEea ? status('aligned', 'EEA') : status('gap', 'outside the EEA'),
            r.stack,
            code(r.logicalId),
            code(r.type),
            r.name,
            r.holds,
            r.how,
          ]),
        bi('Aucune ressource avec état.', 'No stateful resource.'),
      ),
      table(
        bi(
          'Services mondiaux : ce qu’ils traitent et où ils écrivent',
          'Global services: what they process and where they write',
        ),
        [
          bi('Service', 'Service'),
          bi('Pile', 'Stack'),
          bi('Ressource', 'Resource'),
          bi('Traite', 'Processes'),
          bi('Écrit dans la Région', 'Writes in Region'),
        ],
        data.global.map((g) => [g.service, g.stack, code(g.logicalId), g.processes, g.storesIn]),
        bi('Aucun service mondial.', 'No global service.'),
      ),
    ],
  };
}

function displayName(r: Res): string {
  for (const key of [
    'BucketName',
    'TableName',
    'LogGroupName',
    'QueueName',
    'TopicName',
    'BackupVaultName',
    'Name',
    'Description',
  ]) {
    const v = r.props[key];
    if (v !== undefined) return render(v);
  }
  return (
    (r.path ?? r.logicalId)
      .split('/')
      .filter((s) => s && s !== 'Resource')
      .slice(-1)[0] ?? r.logicalId
  );
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
