import { isRecord } from '../assembly';
import {
  at,
  attributeEvidence,
  evidence,
  num,
  ofType,
  render,
  tagsOf,
  type Evidence,
  type Res,
} from '../cfn';
import { bi, code, status, table, type Bi, type Section } from '../model';
import { key, type Resolver } from '../resolver';
import { managedGroups, rateRules } from '../waf';

export type ControlFamily =
  | 'encryption'
  | 'tls'
  | 'public-access'
  | 'logging'
  | 'backup'
  | 'lock'
  | 'replica'
  | 'rate-rule'
  | 'shield'
  | 'alarm';

export type ControlStatus = 'aligned' | 'gap' | 'info';

/** One control evaluated on one resource: the row of the matrix and of the JSON. */
export interface ControlResult {
  readonly control: string;
  readonly family: ControlFamily;
  readonly title: Bi;
  readonly status: ControlStatus;
  readonly evidence: Evidence;
  /** What was found, in English (values are read from the template). */
  readonly detail: string;
  /** Acknowledgements recorded on the same construct (a gap may be an accepted one). */
  readonly acknowledgements: number;
}

export const FAMILY_TITLE: Readonly<Record<ControlFamily, Bi>> = {
  encryption: bi('Chiffrement au repos', 'Encryption at rest'),
  tls: bi('Chiffrement en transit (TLS)', 'Encryption in transit (TLS)'),
  'public-access': bi('Accès public', 'Public access'),
  logging: bi('Journalisation et conservation', 'Logging and retention'),
  backup: bi('Sauvegardes et protection contre la suppression', 'Backups and deletion protection'),
  lock: bi('Verrouillage des coffres de sauvegarde', 'Backup vault locks'),
  replica: bi('Réplicas entre Régions', 'Cross-Region replicas'),
  'rate-rule': bi('Règles de limitation de débit et WAF', 'Rate rules and WAF'),
  shield: bi('Shield', 'Shield'),
  alarm: bi('Alarmes et contrôles de santé', 'Alarms and health checks'),
};

type Emit = (r: Omit<ControlResult, 'acknowledgements'>) => void;

/** Every control of the matrix, evaluated on every resource it applies to. */
export function evaluateControls(resolver: Resolver): ControlResult[] {
  const results: ControlResult[] = [];
  const ackCount = (res: Res | undefined) =>
    res?.path
      ? res.stack.acknowledgements.filter(
          (a) => res.path === a.constructPath || res.path?.startsWith(`${a.constructPath}/`),
        ).length
      : 0;
  const emit: Emit = (r) => {
    const res = resolver.get(r.evidence.stack, r.evidence.logicalId);
    results.push({ ...r, acknowledgements: ackCount(res) });
  };
  encryption(resolver, emit);
  transport(resolver, emit);
  publicAccess(resolver, emit);
  logging(resolver, emit);
  backups(resolver, emit);
  locks(resolver, emit);
  replicas(resolver, emit);
  rateLimits(resolver, emit);
  shield(resolver, emit);
  alarms(resolver, emit);
  return results;
}

function encryption(rv: Resolver, emit: Emit): void {
  const family = 'encryption';
  for (const b of ofType(rv.resources, 'AWS::S3::Bucket')) {
    const path =
      'BucketEncryption.ServerSideEncryptionConfiguration.0.ServerSideEncryptionByDefault.SSEAlgorithm';
    const alg = render(at(b.props, path));
    emit({
      control: 'ENC.S3',
      family,
      title: bi('Chiffrement par défaut du compartiment S3', 'S3 bucket default encryption'),
      status: alg ? 'aligned' : 'gap',
      evidence: evidence(b, path),
      detail: alg ? `default encryption ${alg}` : 'no default encryption set in the template',
    });
  }
  for (const t of ofType(rv.resources, 'AWS::DynamoDB::GlobalTable', 'AWS::DynamoDB::Table')) {
    const enabled = at(t.props, 'SSESpecification.SSEEnabled') === true;
    const type = render(at(t.props, 'SSESpecification.SSEType'));
    emit({
      control: 'ENC.DYNAMODB',
      family,
      title: bi('Chiffrement KMS de la table DynamoDB', 'DynamoDB table KMS encryption'),
      status: enabled && type === 'KMS' ? 'aligned' : 'gap',
      evidence: evidence(t, 'SSESpecification'),
      detail: enabled ? `SSE ${type || 'enabled'}` : 'DynamoDB-owned key only (SSESpecification not enabled)',
    });
  }
  for (const q of ofType(rv.resources, 'AWS::SQS::Queue')) {
    const kms = q.props.KmsMasterKeyId;
    const managed = q.props.SqsManagedSseEnabled;
    emit({
      control: 'ENC.SQS',
      family,
      title: bi('Chiffrement de la file SQS', 'SQS queue encryption'),
      status: kms !== undefined || managed === true ? 'aligned' : 'gap',
      evidence: evidence(q, kms !== undefined ? 'KmsMasterKeyId' : 'SqsManagedSseEnabled'),
      detail:
        kms !== undefined
          ? `KMS key ${render(kms)}`
          : managed === true
            ? 'SQS-managed SSE'
            : 'no encryption setting in the template',
    });
  }
  for (const l of ofType(rv.resources, 'AWS::Logs::LogGroup')) {
    emit({
      control: 'ENC.LOGS',
      family,
      title: bi('Clé gérée par le client du groupe de journaux', 'Log group customer-managed key'),
      status: l.props.KmsKeyId !== undefined ? 'aligned' : 'info',
      evidence: evidence(l, 'KmsKeyId'),
      detail:
        l.props.KmsKeyId !== undefined
          ? `KMS key ${render(l.props.KmsKeyId)}`
          : 'CloudWatch Logs service encryption only',
    });
  }
  for (const t of ofType(rv.resources, 'AWS::SNS::Topic')) {
    emit({
      control: 'ENC.SNS',
      family,
      title: bi('Chiffrement de la rubrique SNS', 'SNS topic encryption'),
      status: t.props.KmsMasterKeyId !== undefined ? 'aligned' : 'gap',
      evidence: evidence(t, 'KmsMasterKeyId'),
      detail:
        t.props.KmsMasterKeyId !== undefined
          ? `KMS key ${render(t.props.KmsMasterKeyId)}`
          : 'not encrypted at rest',
    });
  }
  for (const v of ofType(rv.resources, 'AWS::Backup::BackupVault')) {
    emit({
      control: 'ENC.BACKUP',
      family,
      title: bi('Clé du coffre de sauvegarde', 'Backup vault key'),
      status: v.props.EncryptionKeyArn !== undefined ? 'aligned' : 'info',
      evidence: evidence(v, 'EncryptionKeyArn'),
      detail:
        v.props.EncryptionKeyArn !== undefined
          ? `KMS key ${render(v.props.EncryptionKeyArn)}`
          : 'AWS-managed key',
    });
  }
  for (const s of ofType(rv.resources, 'AWS::SecretsManager::Secret')) {
    emit({
      control: 'ENC.SECRET',
      family,
      title: bi('Clé du secret', 'Secret key'),
      status: s.props.KmsKeyId !== undefined ? 'aligned' : 'info',
      evidence: evidence(s, 'KmsKeyId'),
      detail:
        s.props.KmsKeyId !== undefined ? `KMS key ${render(s.props.KmsKeyId)}` : 'aws/secretsmanager key',
    });
  }
  for (const k of ofType(rv.resources, 'AWS::KMS::Key')) {
    const spec = render(k.props.KeySpec) || 'SYMMETRIC_DEFAULT';
    if (spec !== 'SYMMETRIC_DEFAULT') continue;
    emit({
      control: 'ENC.KMS-ROTATION',
      family,
      title: bi('Rotation automatique de la clé KMS', 'KMS key automatic rotation'),
      status: k.props.EnableKeyRotation === true ? 'aligned' : 'gap',
      evidence: evidence(k, 'EnableKeyRotation'),
      detail: k.props.EnableKeyRotation === true ? 'rotation enabled' : 'rotation not enabled',
    });
  }
}

/** A policy statement denying requests made without TLS (aws:SecureTransport false). */
function deniesInsecureTransport(document: unknown): boolean {
  const statements = at(document, 'Statement');
  return (Array.isArray(statements) ? statements : []).some(
    (s) =>
      render(at(s, 'Effect')) === 'Deny' &&
      ['true', 'false'].includes(render(at(s, 'Condition.Bool.aws:SecureTransport'))) &&
      render(at(s, 'Condition.Bool.aws:SecureTransport')) === 'false',
  );
}

function transport(rv: Resolver, emit: Emit): void {
  const family = 'tls';
  for (const d of ofType(rv.resources, 'AWS::CloudFront::Distribution')) {
    const path = 'DistributionConfig.ViewerCertificate.MinimumProtocolVersion';
    const min = render(at(d.props, path));
    emit({
      control: 'TLS.CLOUDFRONT-VIEWER',
      family,
      title: bi('Version TLS minimale côté visiteurs', 'Minimum viewer TLS version'),
      status: /^TLSv1\.[23]/.test(min) ? 'aligned' : 'gap',
      evidence: evidence(d, path),
      detail: min ? `minimum ${min}` : 'CloudFront default certificate (TLSv1 allowed)',
    });
    const behaviors = [
      at(d.props, 'DistributionConfig.DefaultCacheBehavior'),
      ...asArray(at(d.props, 'DistributionConfig.CacheBehaviors')),
    ];
    const plain = behaviors.filter(
      (b) => !['redirect-to-https', 'https-only'].includes(render(at(b, 'ViewerProtocolPolicy'))),
    );
    emit({
      control: 'TLS.CLOUDFRONT-HTTPS',
      family,
      title: bi('HTTPS imposé sur chaque comportement', 'HTTPS enforced on every behaviour'),
      status: plain.length === 0 ? 'aligned' : 'gap',
      evidence: evidence(d, 'DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy'),
      detail:
        plain.length === 0
          ? `${behaviors.length} behaviour(s) redirect or require HTTPS`
          : `${plain.length} behaviour(s) allow plain HTTP`,
    });
    asArray(at(d.props, 'DistributionConfig.Origins')).forEach((o, i) => {
      if (!isRecord(at(o, 'CustomOriginConfig'))) return;
      const policy = render(at(o, 'CustomOriginConfig.OriginProtocolPolicy'));
      const protocols = asArray(at(o, 'CustomOriginConfig.OriginSSLProtocols')).map((x) => render(x));
      const ok =
        policy === 'https-only' &&
        protocols.length > 0 &&
        protocols.every((x) => x === 'TLSv1.2' || x === 'TLSv1.3');
      emit({
        control: 'TLS.CLOUDFRONT-ORIGIN',
        family,
        title: bi('TLS 1.2+ vers chaque origine', 'TLS 1.2+ to every origin'),
        status: ok ? 'aligned' : 'gap',
        evidence: evidence(d, `DistributionConfig.Origins.${i}.CustomOriginConfig`),
        detail: `${render(at(o, 'DomainName'))}: ${policy || 'default'} ${protocols.join(', ')}`,
      });
    });
  }
  const policyFor = (target: Res, policyType: string, listProp: string) =>
    ofType(rv.resources, policyType).filter(
      (p) => p.stack === target.stack && rv.targets(p.props[listProp], p).includes(target),
    );
  const tlsPolicy = (res: Res, control: string, title: Bi, policyType: string, listProp: string) => {
    const policies = policyFor(res, policyType, listProp);
    const ok = policies.find((p) => deniesInsecureTransport(p.props.PolicyDocument));
    emit({
      control,
      family,
      title,
      status: ok ? 'aligned' : 'gap',
      evidence: ok ? evidence(ok, 'PolicyDocument.Statement') : evidence(res, ''),
      detail: ok
        ? `${policyType.split('::')[2]} ${ok.logicalId} denies aws:SecureTransport=false`
        : 'no policy denies requests without TLS',
    });
  };
  for (const b of ofType(rv.resources, 'AWS::S3::Bucket')) {
    tlsPolicy(
      b,
      'TLS.S3-POLICY',
      bi('Le compartiment refuse les requêtes sans TLS', 'Bucket denies requests without TLS'),
      'AWS::S3::BucketPolicy',
      'Bucket',
    );
  }
  for (const q of ofType(rv.resources, 'AWS::SQS::Queue')) {
    tlsPolicy(
      q,
      'TLS.SQS-POLICY',
      bi('La file refuse les requêtes sans TLS', 'Queue denies requests without TLS'),
      'AWS::SQS::QueuePolicy',
      'Queues',
    );
  }
  for (const t of ofType(rv.resources, 'AWS::SNS::Topic')) {
    tlsPolicy(
      t,
      'TLS.SNS-POLICY',
      bi('La rubrique refuse les requêtes sans TLS', 'Topic denies requests without TLS'),
      'AWS::SNS::TopicPolicy',
      'Topics',
    );
  }
  for (const l of ofType(rv.resources, 'AWS::ElasticLoadBalancingV2::Listener')) {
    const protocol = render(l.props.Protocol);
    const redirect = asArray(l.props.DefaultActions).some(
      (a) => render(at(a, 'RedirectConfig.Protocol')) === 'HTTPS',
    );
    emit({
      control: 'TLS.LOAD-BALANCER',
      family,
      title: bi("Écouteur de l'équilibreur en HTTPS", 'Load balancer listener on HTTPS'),
      status:
        protocol === 'HTTPS' || redirect
          ? 'aligned'
          : protocol === 'TCP' || protocol === 'UDP'
            ? 'info'
            : 'gap',
      evidence: evidence(l, protocol === 'HTTPS' ? 'SslPolicy' : 'Protocol'),
      detail:
        protocol === 'HTTPS'
          ? `HTTPS, policy ${render(l.props.SslPolicy) || 'default'}`
          : redirect
            ? `${protocol} redirects to HTTPS`
            : `${protocol} without redirect`,
    });
  }
  for (const d of ofType(rv.resources, 'AWS::ApiGateway::DomainName')) {
    const policy = render(d.props.SecurityPolicy);
    emit({
      control: 'TLS.API-DOMAIN',
      family,
      title: bi("Politique TLS du nom de domaine d'API", 'API domain name TLS policy'),
      status: /TLS_?1_?[23]|TLS13/i.test(policy) ? 'aligned' : 'gap',
      evidence: evidence(d, 'SecurityPolicy'),
      detail: policy || 'default policy (TLS 1.0 allowed)',
    });
  }
}

function publicAccess(rv: Resolver, emit: Emit): void {
  const family = 'public-access';
  for (const b of ofType(rv.resources, 'AWS::S3::Bucket')) {
    const block = at(b.props, 'PublicAccessBlockConfiguration');
    const flags = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'];
    const off = flags.filter((f) => at(block, f) !== true);
    emit({
      control: 'PUB.S3-BLOCK',
      family,
      title: bi('Blocage de l’accès public S3', 'S3 Block Public Access'),
      status: off.length === 0 ? 'aligned' : 'gap',
      evidence: evidence(b, 'PublicAccessBlockConfiguration'),
      detail: off.length === 0 ? 'all four settings on' : `off or unset: ${off.join(', ')}`,
    });
  }
  for (const lb of ofType(rv.resources, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const scheme = render(lb.props.Scheme) || 'internet-facing';
    emit({
      control: 'PUB.LOAD-BALANCER',
      family,
      title: bi('Équilibreur non exposé à Internet', 'Load balancer not internet-facing'),
      status: scheme === 'internal' ? 'aligned' : 'gap',
      evidence: evidence(lb, 'Scheme', scheme),
      detail: scheme,
    });
  }
  const openCidr = (rule: unknown) =>
    ['0.0.0.0/0', '::/0'].includes(render(at(rule, 'CidrIp')) || render(at(rule, 'CidrIpv6')));
  for (const sg of ofType(rv.resources, 'AWS::EC2::SecurityGroup')) {
    const open = asArray(sg.props.SecurityGroupIngress).filter(openCidr);
    const separate = ofType(rv.resources, 'AWS::EC2::SecurityGroupIngress').filter(
      (i) => i.stack === sg.stack && rv.targets(i.props.GroupId, i).includes(sg) && openCidr(i.props),
    );
    emit({
      control: 'PUB.SECURITY-GROUP',
      family,
      title: bi('Aucune entrée ouverte à tout Internet', 'No ingress open to the whole internet'),
      status: open.length + separate.length === 0 ? 'aligned' : 'gap',
      evidence: separate[0] ? evidence(separate[0], 'CidrIp') : evidence(sg, 'SecurityGroupIngress'),
      detail:
        open.length + separate.length === 0
          ? `${asArray(sg.props.SecurityGroupIngress).length + ofType(rv.resources, 'AWS::EC2::SecurityGroupIngress').filter((i) => i.stack === sg.stack && rv.targets(i.props.GroupId, i).includes(sg)).length} ingress rule(s), none from 0.0.0.0/0 or ::/0`
          : `${open.length + separate.length} ingress rule(s) from 0.0.0.0/0 or ::/0`,
    });
  }
  for (const s of ofType(rv.resources, 'AWS::ECS::Service')) {
    const path = 'NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp';
    const v = render(at(s.props, path)) || 'DISABLED';
    emit({
      control: 'PUB.ECS-TASK-IP',
      family,
      title: bi('Tâches sans adresse publique', 'Tasks without a public address'),
      status: v === 'DISABLED' ? 'aligned' : 'gap',
      evidence: evidence(s, path, v),
      detail: `AssignPublicIp ${v}`,
    });
  }
  for (const u of ofType(rv.resources, 'AWS::Lambda::Url')) {
    emit({
      control: 'PUB.LAMBDA-URL',
      family,
      title: bi('URL de fonction authentifiée', 'Authenticated function URL'),
      status: render(u.props.AuthType) === 'AWS_IAM' ? 'aligned' : 'gap',
      evidence: evidence(u, 'AuthType'),
      detail: `AuthType ${render(u.props.AuthType)}`,
    });
  }
}

function logging(rv: Resolver, emit: Emit): void {
  const family = 'logging';
  for (const d of ofType(rv.resources, 'AWS::CloudFront::Distribution')) {
    const source = ofType(rv.resources, 'AWS::Logs::DeliverySource').find((s) =>
      rv.targets(s.props.ResourceArn, s).includes(d),
    );
    const legacy = at(d.props, 'DistributionConfig.Logging');
    emit({
      control: 'LOG.CLOUDFRONT',
      family,
      title: bi("Journaux d'accès CloudFront", 'CloudFront access logs'),
      status: source || legacy ? 'aligned' : 'gap',
      evidence: source ? evidence(source, 'ResourceArn') : evidence(d, 'DistributionConfig.Logging'),
      detail: source
        ? `delivery source ${render(source.props.Name)} (${render(source.props.LogType)})`
        : legacy
          ? 'standard logging to S3'
          : 'no access log',
    });
  }
  for (const acl of ofType(rv.resources, 'AWS::WAFv2::WebACL')) {
    const cfg = ofType(rv.resources, 'AWS::WAFv2::LoggingConfiguration').find((l) =>
      rv.targets(l.props.ResourceArn, l).includes(acl),
    );
    emit({
      control: 'LOG.WAF',
      family,
      title: bi('Journaux du WAF', 'WAF logs'),
      status: cfg ? 'aligned' : 'gap',
      evidence: cfg ? evidence(cfg, 'LogDestinationConfigs') : evidence(acl, ''),
      detail: cfg
        ? `logged to ${asArray(cfg.props.LogDestinationConfigs)
            .map((x) => render(x))
            .join(', ')}`
        : 'no logging configuration',
    });
  }
  for (const s of ofType(rv.resources, 'AWS::ApiGateway::Stage')) {
    const dest = at(s.props, 'AccessLogSetting.DestinationArn');
    emit({
      control: 'LOG.API',
      family,
      title: bi("Journaux d'accès de l'étape d'API", 'API stage access logs'),
      status: dest !== undefined ? 'aligned' : 'gap',
      evidence: evidence(s, 'AccessLogSetting.DestinationArn'),
      detail: dest !== undefined ? `to ${render(dest)}` : 'no access log',
    });
  }
  for (const lb of ofType(rv.resources, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const attrs = asArray(lb.props.LoadBalancerAttributes);
    const i = attrs.findIndex((a) => render(at(a, 'Key')) === 'access_logs.s3.enabled');
    const on = i >= 0 && render(at(attrs[i], 'Value')) === 'true';
    emit({
      control: 'LOG.LOAD-BALANCER',
      family,
      title: bi("Journaux d'accès de l'équilibreur", 'Load balancer access logs'),
      status: on ? 'aligned' : 'gap',
      evidence: evidence(lb, i >= 0 ? `LoadBalancerAttributes.${i}.Value` : 'LoadBalancerAttributes'),
      detail: on ? 'access_logs.s3.enabled true' : 'access logs off',
    });
  }
  const logDestinations = new Set<string>();
  for (const b of ofType(rv.resources, 'AWS::S3::Bucket')) {
    for (const t of rv.targets(at(b.props, 'LoggingConfiguration.DestinationBucketName'), b))
      logDestinations.add(key(t));
  }
  for (const lb of ofType(rv.resources, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    for (const t of rv
      .targets(lb.props.LoadBalancerAttributes, lb)
      .filter((x) => x.type === 'AWS::S3::Bucket'))
      logDestinations.add(key(t));
  }
  for (const b of ofType(rv.resources, 'AWS::S3::Bucket')) {
    const logged = at(b.props, 'LoggingConfiguration.DestinationBucketName') !== undefined;
    const isLogBucket = logDestinations.has(key(b));
    emit({
      control: 'LOG.S3-ACCESS',
      family,
      title: bi("Journaux d'accès serveur S3", 'S3 server access logs'),
      status: logged ? 'aligned' : isLogBucket ? 'info' : 'gap',
      evidence: evidence(b, 'LoggingConfiguration'),
      detail: logged
        ? `to ${render(at(b.props, 'LoggingConfiguration.DestinationBucketName'))}`
        : isLogBucket
          ? 'is itself a log destination'
          : 'no server access log',
    });
  }
  for (const vpc of ofType(rv.resources, 'AWS::EC2::VPC')) {
    const flow = ofType(rv.resources, 'AWS::EC2::FlowLog').find((f) =>
      rv.targets(f.props.ResourceId, f).includes(vpc),
    );
    emit({
      control: 'LOG.VPC-FLOW',
      family,
      title: bi('Journaux de flux du VPC', 'VPC flow logs'),
      status: flow ? 'aligned' : 'gap',
      evidence: flow ? evidence(flow, 'ResourceId') : evidence(vpc, ''),
      detail: flow ? `flow log ${flow.logicalId}, traffic ${render(flow.props.TrafficType)}` : 'no flow log',
    });
  }
  for (const l of ofType(rv.resources, 'AWS::Logs::LogGroup')) {
    const days = num(l.props.RetentionInDays);
    emit({
      control: 'LOG.RETENTION',
      family,
      title: bi('Durée de conservation des journaux', 'Log retention period'),
      status: days !== undefined ? 'aligned' : 'gap',
      evidence: evidence(l, 'RetentionInDays'),
      detail: days !== undefined ? `${days} day(s)` : 'kept forever (no retention set)',
    });
  }
}

/** Backup selections of a Region and the tag conditions they match. */
interface Selection {
  readonly res: Res;
  readonly tags: readonly { readonly key: string; readonly value: string }[];
  /** ARN patterns of Resources (e.g. arn:aws:s3:::*), empty when the selection is by tag only. */
  readonly arns: readonly string[];
}

function selectionsOf(rv: Resolver): Selection[] {
  return ofType(rv.resources, 'AWS::Backup::BackupSelection').map((s) => {
    const sel = at(s.props, 'BackupSelection');
    const tags = [
      ...asArray(at(sel, 'ListOfTags')).map((t) => ({
        key: render(at(t, 'ConditionKey')),
        value: render(at(t, 'ConditionValue')),
      })),
      ...asArray(at(sel, 'Conditions.StringEquals')).map((t) => ({
        key: render(at(t, 'ConditionKey')).replace(/^aws:ResourceTag\//, ''),
        value: render(at(t, 'ConditionValue')),
      })),
    ];
    return { res: s, tags, arns: asArray(at(sel, 'Resources')).map((a) => render(a)) };
  });
}

const BACKUP_ARN_SERVICE: Readonly<Record<string, string>> = {
  'AWS::S3::Bucket': 's3',
  'AWS::DynamoDB::GlobalTable': 'dynamodb',
  'AWS::DynamoDB::Table': 'dynamodb',
  'AWS::EFS::FileSystem': 'elasticfilesystem',
  'AWS::RDS::DBInstance': 'rds',
  'AWS::RDS::DBCluster': 'rds',
};

function selectedBy(
  selections: readonly Selection[],
  res: Res,
  region: string,
  tags: Map<string, string>,
): Selection | undefined {
  return selections.find((s) => {
    if (s.res.stack.region !== region) return false;
    if (s.arns.length > 0) {
      const service = BACKUP_ARN_SERVICE[res.type];
      const matchesType = s.arns.some(
        (a) => a === '*' || (service !== undefined && a.startsWith(`arn:aws:${service}:`) && a.endsWith('*')),
      );
      if (!matchesType) return false;
    }
    return s.tags.length > 0 && s.tags.some((t) => tags.get(t.key) === t.value);
  });
}

function backups(rv: Resolver, emit: Emit): void {
  const family = 'backup';
  const selections = selectionsOf(rv);
  for (const t of ofType(rv.resources, 'AWS::DynamoDB::GlobalTable')) {
    asArray(t.props.Replicas).forEach((replica, i) => {
      const region = render(at(replica, 'Region'));
      const pitr = at(replica, 'PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled') === true;
      emit({
        control: 'BAK.PITR',
        family,
        title: bi('Restauration à un instant donné (PITR)', 'Point-in-time recovery (PITR)'),
        status: pitr ? 'aligned' : 'gap',
        evidence: evidence(t, `Replicas.${i}.PointInTimeRecoverySpecification`),
        detail: pitr
          ? `replica ${region}: PITR on, ${render(at(replica, 'PointInTimeRecoverySpecification.RecoveryPeriodInDays')) || 35} day(s)`
          : `replica ${region}: PITR off`,
      });
      const protectedReplica = at(replica, 'DeletionProtectionEnabled') === true;
      emit({
        control: 'BAK.DELETION-PROTECTION',
        family,
        title: bi('Protection contre la suppression', 'Deletion protection'),
        status: protectedReplica ? 'aligned' : 'gap',
        evidence: evidence(t, `Replicas.${i}.DeletionProtectionEnabled`),
        detail: `replica ${region}: ${protectedReplica ? 'on' : 'off'}`,
      });
      const tags = new Map<string, string>();
      for (const tg of asArray(at(replica, 'Tags'))) tags.set(render(at(tg, 'Key')), render(at(tg, 'Value')));
      const sel = selectedBy(selections, t, region, tags);
      emit({
        control: 'BAK.SELECTED',
        family,
        title: bi('Inclus dans un plan de sauvegarde', 'Selected by a backup plan'),
        status: sel ? 'aligned' : 'gap',
        evidence: evidence(t, `Replicas.${i}.Tags`),
        detail: sel
          ? `replica ${region}: selected by ${sel.res.stack.name}/${sel.res.logicalId}`
          : `replica ${region}: no backup selection of ${region} matches its tags`,
      });
    });
  }
  for (const t of ofType(rv.resources, 'AWS::DynamoDB::Table')) {
    const pitr = at(t.props, 'PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled') === true;
    emit({
      control: 'BAK.PITR',
      family,
      title: bi('Restauration à un instant donné (PITR)', 'Point-in-time recovery (PITR)'),
      status: pitr ? 'aligned' : 'gap',
      evidence: evidence(t, 'PointInTimeRecoverySpecification'),
      detail: pitr ? 'PITR on' : 'PITR off',
    });
  }
  const stateful = ofType(
    rv.resources,
    'AWS::S3::Bucket',
    'AWS::DynamoDB::Table',
    'AWS::KMS::Key',
    'AWS::Backup::BackupVault',
    'AWS::DynamoDB::GlobalTable',
    'AWS::Logs::LogGroup',
    'AWS::SQS::Queue',
    'AWS::EFS::FileSystem',
    'AWS::RDS::DBCluster',
    'AWS::RDS::DBInstance',
  );
  for (const r of stateful) {
    const policy = r.resource.DeletionPolicy ?? 'Delete';
    const kept = policy === 'Retain' || policy === 'Snapshot' || policy === 'RetainExceptOnCreate';
    emit({
      control: 'BAK.RETAIN',
      family,
      title: bi('Conservé si la pile est supprimée', 'Kept when the stack is deleted'),
      status: kept
        ? 'aligned'
        : r.type === 'AWS::Logs::LogGroup' || r.type === 'AWS::SQS::Queue'
          ? 'info'
          : 'gap',
      evidence: attributeEvidence(r, 'DeletionPolicy'),
      detail: `DeletionPolicy ${policy}`,
    });
  }
  for (const b of ofType(rv.resources, 'AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::EFS::FileSystem')) {
    const sel = selectedBy(selections, b, b.stack.region, tagsOf(b));
    emit({
      control: 'BAK.SELECTED',
      family,
      title: bi('Inclus dans un plan de sauvegarde', 'Selected by a backup plan'),
      status: sel ? 'aligned' : 'gap',
      evidence: evidence(b, 'Tags'),
      detail: sel
        ? `selected by ${sel.res.stack.name}/${sel.res.logicalId}`
        : `no backup selection of ${b.stack.region} matches it`,
    });
  }
  for (const plan of ofType(rv.resources, 'AWS::Backup::BackupPlan')) {
    asArray(at(plan.props, 'BackupPlan.BackupPlanRule')).forEach((rule, i) => {
      const copies = asArray(at(rule, 'CopyActions'));
      const regions = copies
        .map((c) => regionInArnOf(at(c, 'DestinationBackupVaultArn')))
        .filter((x): x is string => !!x);
      const offsite = regions.filter((r) => r !== plan.stack.region);
      emit({
        control: 'BAK.OFFSITE-COPY',
        family,
        title: bi('Copie de sauvegarde dans une autre Région', 'Backup copy to another Region'),
        status: offsite.length > 0 ? 'aligned' : 'gap',
        evidence: evidence(plan, `BackupPlan.BackupPlanRule.${i}.CopyActions`),
        detail:
          offsite.length > 0
            ? `rule ${render(at(rule, 'RuleName'))} copies to ${offsite.join(', ')}`
            : `rule ${render(at(rule, 'RuleName'))} keeps copies in ${plan.stack.region} only`,
      });
    });
  }
}

function regionInArnOf(value: unknown): string | undefined {
  return /^arn:[^:]*:[^:]*:([a-z0-9-]+):/.exec(render(value))?.[1];
}

function locks(rv: Resolver, emit: Emit): void {
  const family = 'lock';
  const vaults = ofType(rv.resources, 'AWS::Backup::BackupVault');
  const lockOf = (v: Res) => at(v.props, 'LockConfiguration');
  for (const v of vaults) {
    const lock = lockOf(v);
    emit({
      control: 'LOCK.VAULT',
      family,
      title: bi('Verrou du coffre (Vault Lock)', 'Vault Lock'),
      status: isRecord(lock) ? 'aligned' : 'gap',
      evidence: evidence(v, 'LockConfiguration'),
      detail: isRecord(lock)
        ? `min ${render(lock.MinRetentionDays)} d, max ${render(lock.MaxRetentionDays) || '—'} d, changeable for ${render(lock.ChangeableForDays) || '— (governance mode)'} d`
        : 'no lock: recovery points can be deleted',
    });
  }
  for (const plan of ofType(rv.resources, 'AWS::Backup::BackupPlan')) {
    asArray(at(plan.props, 'BackupPlan.BackupPlanRule')).forEach((rule, i) => {
      asArray(at(rule, 'CopyActions')).forEach((copy, j) => {
        const arn = render(at(copy, 'DestinationBackupVaultArn'));
        const region = regionInArnOf(at(copy, 'DestinationBackupVaultArn'));
        const name = arn.split(':backup-vault:')[1];
        const vault = vaults.find(
          (v) => render(v.props.BackupVaultName) === name && v.stack.region === region,
        );
        const lock = vault ? lockOf(vault) : undefined;
        const keep = num(at(copy, 'Lifecycle.DeleteAfterDays'));
        const min = num(at(lock, 'MinRetentionDays'));
        const max = num(at(lock, 'MaxRetentionDays'));
        const inRange =
          keep === undefined || ((min === undefined || keep >= min) && (max === undefined || keep <= max));
        emit({
          control: 'LOCK.COPY-DESTINATION',
          family,
          title: bi('Les copies vont dans un coffre verrouillé', 'Copies land in a locked vault'),
          status: vault && isRecord(lock) && inRange ? 'aligned' : 'gap',
          evidence: evidence(
            plan,
            `BackupPlan.BackupPlanRule.${i}.CopyActions.${j}.DestinationBackupVaultArn`,
          ),
          detail: !vault
            ? `destination ${arn} is not in this assembly: its lock cannot be verified`
            : !isRecord(lock)
              ? `destination ${vault.stack.name}/${vault.logicalId} has no lock`
              : inRange
                ? `destination ${vault.stack.name}/${vault.logicalId} locked; copies kept ${keep ?? '—'} d`
                : `copies kept ${keep} d, outside the lock range ${min ?? '—'}–${max ?? '—'} d: the copy would be refused`,
        });
      });
    });
  }
}

function replicas(rv: Resolver, emit: Emit): void {
  const family = 'replica';
  for (const t of ofType(rv.resources, 'AWS::DynamoDB::GlobalTable')) {
    const regions = asArray(t.props.Replicas).map((r) => render(at(r, 'Region')));
    const witnesses = asArray(t.props.GlobalTableWitnesses).map((w) => render(at(w, 'Region')));
    emit({
      control: 'REP.DYNAMODB',
      family,
      title: bi('Table répliquée dans plusieurs Régions', 'Table replicated in several Regions'),
      status: new Set(regions).size >= 2 ? 'aligned' : 'gap',
      evidence: evidence(t, 'Replicas'),
      detail: `replicas ${regions.join(', ')}${witnesses.length ? `, witness ${witnesses.join(', ')}` : ''}; consistency ${render(t.props.MultiRegionConsistency) || 'EVENTUAL'}`,
    });
  }
  const logDestinations = new Set<string>();
  for (const b of ofType(rv.resources, 'AWS::S3::Bucket')) {
    for (const t of rv.targets(at(b.props, 'LoggingConfiguration.DestinationBucketName'), b))
      logDestinations.add(key(t));
  }
  for (const lb of ofType(rv.resources, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    for (const t of rv
      .targets(lb.props.LoadBalancerAttributes, lb)
      .filter((x) => x.type === 'AWS::S3::Bucket'))
      logDestinations.add(key(t));
  }
  const destinations = new Set<string>();
  for (const b of ofType(rv.resources, 'AWS::S3::Bucket')) {
    for (const rule of asArray(at(b.props, 'ReplicationConfiguration.Rules')))
      destinations.add(render(at(rule, 'Destination.Bucket')).replace(/^arn:[^:]*:s3:::/, ''));
  }
  for (const b of ofType(rv.resources, 'AWS::S3::Bucket')) {
    const rules = asArray(at(b.props, 'ReplicationConfiguration.Rules')).filter(
      (r) => render(at(r, 'Status')) === 'Enabled',
    );
    const isReplica = destinations.has(render(b.props.BucketName));
    const rtc = rules
      .map((r) => num(at(r, 'Destination.ReplicationTime.Time.Minutes')))
      .find((m) => m !== undefined);
    emit({
      control: 'REP.S3',
      family,
      title: bi('Compartiment répliqué dans une autre Région', 'Bucket replicated to another Region'),
      status: rules.length > 0 ? 'aligned' : isReplica || logDestinations.has(key(b)) ? 'info' : 'gap',
      evidence: evidence(b, 'ReplicationConfiguration'),
      detail:
        rules.length > 0
          ? `${rules.length} rule(s) to ${rules.map((r) => render(at(r, 'Destination.Bucket'))).join(', ')}${rtc !== undefined ? `; replication time control ${rtc} min` : ''}`
          : isReplica
            ? 'is the destination of a replication'
            : logDestinations.has(key(b))
              ? 'log destination, not replicated'
              : 'not replicated',
    });
  }
}

function rateLimits(rv: Resolver, emit: Emit): void {
  const family = 'rate-rule';
  for (const acl of ofType(rv.resources, 'AWS::WAFv2::WebACL')) {
    const rules = rateRules(acl);
    if (rules.length === 0) {
      emit({
        control: 'WAF.RATE-RULE',
        family,
        title: bi('Règle de limitation de débit', 'Rate-based rule'),
        status: 'gap',
        evidence: evidence(acl, 'Rules'),
        detail: `web ACL (${render(acl.props.Scope)}) has no rate-based rule`,
      });
    }
    for (const r of rules) {
      emit({
        control: 'WAF.RATE-RULE',
        family,
        title: bi('Règle de limitation de débit', 'Rate-based rule'),
        status: r.action === 'Block' ? 'aligned' : 'gap',
        evidence: evidence(acl, `Rules.${r.index}.Statement.RateBasedStatement.Limit`),
        detail: `${r.name}: ${r.limit} per ${r.windowSeconds} s per ${r.keys.join(' + ')}${r.methods.length ? `, ${r.methods.join('/')}` : ''}${r.paths.length ? ` ${r.paths.join(' | ')}` : ''}; action ${r.action}`,
      });
    }
    for (const g of managedGroups(acl)) {
      emit({
        control: 'WAF.MANAGED-GROUP',
        family,
        title: bi('Groupe de règles géré', 'Managed rule group'),
        status: g.mode === 'enforcing' ? 'aligned' : 'info',
        evidence: evidence(acl, `Rules.${g.index}.OverrideAction`),
        detail: `${g.vendor} ${g.group}: ${g.mode === 'enforcing' ? 'enforcing' : 'count only (nothing blocked)'}`,
      });
    }
  }
  for (const d of ofType(rv.resources, 'AWS::CloudFront::Distribution')) {
    const acl = at(d.props, 'DistributionConfig.WebACLId');
    emit({
      control: 'WAF.DISTRIBUTION',
      family,
      title: bi('Distribution protégée par un web ACL', 'Distribution protected by a web ACL'),
      status: acl !== undefined ? 'aligned' : 'gap',
      evidence: evidence(d, 'DistributionConfig.WebACLId'),
      detail: acl !== undefined ? `web ACL ${render(acl)}` : 'no web ACL',
    });
  }
}

function shield(rv: Resolver, emit: Emit): void {
  const family = 'shield';
  const protections = ofType(rv.resources, 'AWS::Shield::Protection');
  const exposed = ofType(
    rv.resources,
    'AWS::CloudFront::Distribution',
    'AWS::Route53::HostedZone',
    'AWS::ElasticLoadBalancingV2::LoadBalancer',
    'AWS::EC2::EIP',
    'AWS::GlobalAccelerator::Accelerator',
  );
  for (const r of exposed) {
    const p = protections.find((x) => rv.targets(x.props.ResourceArn, x).includes(r));
    const automatic = p ? at(p.props, 'ApplicationLayerAutomaticResponseConfiguration') : undefined;
    emit({
      control: 'SHIELD.PROTECTION',
      family,
      title: bi('Protection Shield Advanced', 'Shield Advanced protection'),
      status: p ? 'aligned' : 'info',
      evidence: p ? evidence(p, 'ResourceArn') : evidence(r, ''),
      detail: p
        ? `protected${isRecord(automatic) ? `, automatic application-layer response ${Object.keys(isRecord(automatic.Action) ? automatic.Action : {})[0] ?? ''} (${render(automatic.Status)})` : ''}${asArray(p.props.HealthCheckArns).length ? ', health-based detection' : ''}`
        : 'no Shield Advanced protection in the templates',
    });
  }
  for (const g of ofType(rv.resources, 'AWS::Shield::ProtectionGroup')) {
    emit({
      control: 'SHIELD.GROUP',
      family,
      title: bi('Groupe de protection Shield', 'Shield protection group'),
      status: 'aligned',
      evidence: evidence(g, 'Aggregation'),
      detail: `${render(g.props.ProtectionGroupId)}: ${render(g.props.Pattern)}, ${render(g.props.Aggregation)}`,
    });
  }
}

function alarms(rv: Resolver, emit: Emit): void {
  const family = 'alarm';
  const allAlarms = ofType(rv.resources, 'AWS::CloudWatch::Alarm');
  const alarmsOn = (target: Res, metric?: RegExp) =>
    allAlarms.filter(
      (a) =>
        (!metric || metric.test(render(a.props.MetricName)) || metricsIn(a).some((m) => metric.test(m))) &&
        rv.targets(a.props, a).includes(target),
    );
  const dlqs = new Map<string, Res>();
  for (const q of ofType(rv.resources, 'AWS::SQS::Queue')) {
    for (const t of rv.targets(at(q.props, 'RedrivePolicy.deadLetterTargetArn'), q)) dlqs.set(key(t), t);
  }
  for (const dlq of dlqs.values()) {
    const found = alarmsOn(dlq, /ApproximateNumberOfMessagesVisible/);
    emit({
      control: 'ALARM.DEAD-LETTER',
      family,
      title: bi('Alarme sur la file de lettres mortes', 'Dead-letter queue alarm'),
      status: found.length > 0 ? 'aligned' : 'gap',
      evidence: found[0] ? evidence(found[0], 'MetricName') : evidence(dlq, ''),
      detail:
        found.length > 0
          ? `${found.map((a) => `${a.stack.name}/${a.logicalId}`).join(', ')}`
          : 'no alarm on its visible messages',
    });
  }
  for (const q of ofType(rv.resources, 'AWS::SQS::Queue').filter(
    (x) => x.props.RedrivePolicy !== undefined,
  )) {
    const found = alarmsOn(q, /ApproximateAgeOfOldestMessage/);
    emit({
      control: 'ALARM.QUEUE-AGE',
      family,
      title: bi('Alarme sur l’âge du plus vieux message', 'Oldest message age alarm'),
      status: found.length > 0 ? 'aligned' : 'gap',
      evidence: found[0] ? evidence(found[0], 'Threshold') : evidence(q, ''),
      detail:
        found.length > 0 ? `threshold ${render(found[0]?.props.Threshold)} s` : 'no alarm on the backlog age',
    });
  }
  for (const t of ofType(rv.resources, 'AWS::DynamoDB::GlobalTable', 'AWS::DynamoDB::Table')) {
    const found = alarmsOn(t);
    emit({
      control: 'ALARM.TABLE',
      family,
      title: bi('Alarmes sur la table', 'Table alarms'),
      status: found.length > 0 ? 'aligned' : 'gap',
      evidence: found[0] ? evidence(found[0], 'MetricName') : evidence(t, ''),
      detail:
        found.length > 0
          ? found.map((a) => render(a.props.MetricName) || 'metric math').join(', ')
          : 'no alarm on this table',
    });
  }
  for (const rec of ofType(rv.resources, 'AWS::Route53::RecordSet').filter(
    (r) => r.props.Failover !== undefined || r.props.Region !== undefined,
  )) {
    emit({
      control: 'ALARM.HEALTH-CHECKED-RECORD',
      family,
      title: bi('Enregistrement de bascule avec contrôle de santé', 'Failover record with a health check'),
      status: rec.props.HealthCheckId !== undefined ? 'aligned' : 'gap',
      evidence: evidence(rec, 'HealthCheckId'),
      detail: `${render(rec.props.Name)} ${rec.props.Failover ? `failover ${render(rec.props.Failover)}` : `latency ${render(rec.props.Region)}`}${rec.props.HealthCheckId ? '' : ': no health check'}`,
    });
  }
  for (const a of [...allAlarms, ...ofType(rv.resources, 'AWS::CloudWatch::CompositeAlarm')]) {
    const actions = asArray(a.props.AlarmActions);
    const healthCheck = ofType(rv.resources, 'AWS::Route53::HealthCheck').some((h) =>
      rv.targets(h.props, h).includes(a),
    );
    emit({
      control: 'ALARM.ACTION',
      family,
      title: bi("L'alarme prévient quelqu'un", 'Alarm notifies someone'),
      status: actions.length > 0 ? 'aligned' : healthCheck ? 'info' : 'gap',
      evidence: evidence(a, 'AlarmActions'),
      detail:
        actions.length > 0
          ? `${render(a.props.MetricName) || a.type.split('::')[2]}: ${actions.length} action(s)`
          : healthCheck
            ? 'no action; drives a Route 53 health check'
            : 'no alarm action',
    });
  }
}

function metricsIn(alarm: Res): string[] {
  return asArray(alarm.props.Metrics)
    .map((m) => render(at(m, 'MetricStat.Metric.MetricName')))
    .filter(Boolean);
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function controlsSection(results: readonly ControlResult[]): Section {
  const families = Object.keys(FAMILY_TITLE) as ControlFamily[];
  const countRows = families.map((f) => {
    const mine = results.filter((r) => r.family === f);
    return [
      `${FAMILY_TITLE[f].fr} / ${FAMILY_TITLE[f].en}`,
      mine.filter((r) => r.status === 'aligned').length,
      mine.filter((r) => r.status === 'gap').length > 0
        ? status('gap', String(mine.filter((r) => r.status === 'gap').length))
        : 0,
      mine.filter((r) => r.status === 'info').length,
    ];
  });
  return {
    id: 'controls',
    title: bi('Matrice des contrôles', 'Control matrix'),
    blocks: [
      {
        kind: 'p',
        text: bi(
          "Chaque ligne lie un contrôle à sa preuve dans l'assemblage (modèle, id logique, chemin de propriété) et dit si les modèles contiennent le mécanisme : « aligné » signifie aligné avec le contrôle tel qu'il est écrit dans les modèles, non une conformité constatée en production.",
          'Each row ties a control to its evidence in the assembly (template, logical id, property path) and says whether the templates contain the mechanism: "aligned" means aligned with the control as written in the templates, not compliance observed in production.',
        ),
      },
      table(
        bi('Résultats par famille', 'Results per family'),
        [
          bi('Famille', 'Family'),
          bi('Alignés', 'Aligned'),
          bi('Écarts', 'Gaps'),
          bi('Informations', 'Information'),
        ],
        countRows,
      ),
    ],
    subsections: families.map((f) => ({
      id: `controls-${f}`,
      title: FAMILY_TITLE[f],
      blocks: [
        table(
          FAMILY_TITLE[f],
          [
            bi('Contrôle', 'Control'),
            bi('Statut', 'Status'),
            bi('Modèle', 'Template'),
            bi('Id logique', 'Logical id'),
            bi('Chemin de propriété', 'Property path'),
            bi('Constat', 'Finding'),
          ],
          results
            .filter((r) => r.family === f)
            .map((r) => [
              `${r.control} — ${r.title.fr} / ${r.title.en}`,
              status(r.status, r.acknowledgements > 0 ? `${r.acknowledgements} ack.` : undefined),
              code(r.evidence.template),
              code(r.evidence.logicalId),
              code(r.evidence.propertyPath),
              r.detail,
            ]),
          bi('Aucune ressource concernée.', 'No resource concerned.'),
        ),
      ],
    })),
  };
}
