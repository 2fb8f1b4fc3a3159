import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  hardenedKeyPolicy,
  hardenedKeyPolicyProblems,
  KEY_SERVICES,
  type KeyService,
} from '../private/key-policy';

export { KEY_SERVICES, type KeyService } from '../private/key-policy';

/** Props of {@link DataKey}. */
export interface DataKeyProps {
  /** What the key protects, shown in the KMS console. */
  readonly description: string;
  /**
   * Alias of the key ("alias/" is added when missing). Give the same alias in every Region, e.g.
   * "alias/rempart/booking-data": operators, runbooks and other Regions' stacks then find each
   * Region's key by one name.
   * @default - no alias
   */
  readonly alias?: string;
  /**
   * AWS services of this Region that store data with the key (`dynamodb`, `s3`, `sqs`, `sns`,
   * `secretsmanager`, `backup`). Principals of this account may use the key only through them
   * (`kms:ViaService`), and still need an IAM grant; service principals that call KMS themselves
   * (CloudWatch, CloudFront) are added with `key.addToResourcePolicy` and source conditions.
   * Narrow it to what the key encrypts.
   * @default every service of KEY_SERVICES
   */
  readonly services?: readonly KeyService[];
  /**
   * Name of the one IAM role (in this account, no path) that may schedule the key's deletion or
   * disable it; everyone else, administrators included, is denied. Use it for keys whose loss
   * would destroy locked backups. The role need not exist until it is needed.
   * @default - no guard: key administrators may schedule deletion (with the 30-day waiting period)
   */
  readonly breakGlassRoleName?: string;
}

/**
 * A customer-managed key for data at rest in one Region (table replicas, buckets, queues, vaults).
 * Rotation on; retained when its stack is deleted, because data it encrypts would become unreadable.
 *
 * Its policy separates key administration (the account, through IAM) from key use (principals of
 * this account, through the listed services only), refuses grants that are not for AWS resources,
 * and can reserve deletion to a break-glass role. See lib/constructs/private/key-policy.ts.
 */
export class DataKey extends Construct {
  /** The key, to pass as the encryption key of the tables, buckets and queues it protects. */
  public readonly key: kms.IKey;
  /** Services through which the key may be used. */
  public readonly services: readonly KeyService[];

  constructor(scope: Construct, id: string, props: DataKeyProps) {
    super(scope, id);
    this.services = props.services ?? KEY_SERVICES;
    const options = { services: this.services, breakGlassRoleName: props.breakGlassRoleName };
    const problems = hardenedKeyPolicyProblems(options);
    if (problems.length) throw new Error(`DataKey ${this.node.path}: ${problems.join('; ')}`);
    this.key = new kms.Key(this, 'Resource', {
      description: props.description,
      alias: props.alias,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: hardenedKeyPolicy(this, options),
    });
  }
}
