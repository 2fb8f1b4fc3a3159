import { Arn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** How replicas agree. Decides which DynamoDB calls and features the data model may use. */
export enum GlobalTableConsistency {
  /**
   * Multi-Region eventual consistency (MREC): last writer wins between Regions, replication is
   * asynchronous (RPO of seconds). Transactions and TTL work, but only inside one Region.
   */
  EVENTUAL = 'EVENTUAL',
  /**
   * Multi-Region strong consistency (MRSC): a write is acknowledged once a second Region holds it
   * (RPO zero), strongly consistent reads see it in every Region. Exactly three Regions (two replicas
   * and a witness, or three replicas); no transactions, no TTL, no local secondary indexes; same-item
   * concurrent writes may fail with ReplicatedWriteConflictException and must be retried.
   */
  STRONG = 'STRONG',
}

/** Props of {@link GlobalTableStore}. */
export interface GlobalTableStoreProps {
  /**
   * Physical table name, identical in every Region: the other Regions import their local replica by
   * it (`GlobalTableStore.replicaOf`). Letters, digits, `_`, `-`, `.`; 3 to 255 characters.
   */
  readonly tableName: string;
  /**
   * Partition key. The generic default suits a single-table design, where item types share the
   * table and prefix their keys. @default { name: 'pk', type: STRING }
   */
  readonly partitionKey?: dynamodb.Attribute;
  /** Sort key. @default { name: 'sk', type: STRING } */
  readonly sortKey?: dynamodb.Attribute;
  /**
   * Regions other than this stack's that hold a replica. This stack's Region always holds one.
   * @default [] (a single-Region table, still a TableV2 so replicas can be added later)
   */
  readonly replicaRegions?: readonly string[];
  /**
   * How replicas agree; STRONG limits the data model (see {@link GlobalTableConsistency}).
   * @default GlobalTableConsistency.EVENTUAL (DynamoDB's own default)
   */
  readonly consistency?: GlobalTableConsistency;
  /**
   * Third Region of an MRSC table with two replicas: it stores the replication log, no readable
   * replica. Required for STRONG with one replica Region; rejected with EVENTUAL.
   * @default - none
   */
  readonly witnessRegion?: string;
  /** Customer-managed key of this Region's replica (rotation should be on). */
  readonly encryptionKey: kms.IKey;
  /**
   * Key ARN (or alias ARN) of the customer-managed key in each replica Region, one per entry of
   * `replicaRegions`. An alias ARN avoids a cross-Region reference between stacks.
   * @default {} (only valid without replica Regions)
   */
  readonly replicaKeyArns?: Readonly<Record<string, string>>;
  /**
   * Throughput the table must absorb instantly, e.g. at an announced opening. Without it a new
   * on-demand table absorbs about 4,000 writes/s and 12,000 reads/s, then doubles its previous peak.
   * @default - DynamoDB's default warm throughput
   */
  readonly warmThroughput?: dynamodb.WarmThroughput;
  /**
   * Attribute holding an expiry epoch (seconds). Not available with STRONG consistency.
   * @default - no TTL
   */
  readonly timeToLiveAttribute?: string;
  /** Global secondary indexes, replicated with the table. @default - none */
  readonly globalSecondaryIndexes?: readonly dynamodb.GlobalSecondaryIndexPropsV2[];
  /** Days of point-in-time recovery, 1 to 35. @default 35 */
  readonly pointInTimeRecoveryDays?: number;
  /**
   * Refuse DeleteTable, e.g. from a mistaken stack change.
   * @default true, on the table and on every replica
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the table when it leaves the stack.
   * @default RemovalPolicy.RETAIN (the table and its replicas outlive the stack)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** How to find the local replica of a global table declared in another Region's stack. */
export interface GlobalTableReplicaProps {
  /** The table name given to `GlobalTableStore` in the Region that declares it. */
  readonly tableName: string;
  /** The customer-managed key of the replica in this Region, so that grants include it. */
  readonly encryptionKey: kms.IKey;
}

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/**
 * A DynamoDB global table (TableV2) with Rempart's defaults: on-demand billing, a replica in every
 * application Region, point-in-time recovery (35 days) and deletion protection on every replica,
 * customer-managed keys, retained on stack deletion, optional warm throughput for announced surges.
 *
 * Declare it once, in the Region that owns the definition; other Regions use
 * `GlobalTableStore.replicaOf(...)` with the same table name. `table` is the escape hatch.
 */
export class GlobalTableStore extends Construct {
  /** Import the replica of `tableName` in the scope's Region, with its key for grants. */
  public static replicaOf(scope: Construct, id: string, props: GlobalTableReplicaProps): dynamodb.ITableV2 {
    const stack = Stack.of(scope);
    return dynamodb.TableV2.fromTableAttributes(scope, id, {
      tableArn: stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: props.tableName }),
      encryptionKey: props.encryptionKey,
    });
  }

  /** ARN of a KMS alias in another Region, deterministic from its name (no cross-stack reference). */
  public static keyAliasArn(scope: Construct, region: string, aliasName: string): string {
    const name = aliasName.replace(/^alias\//, '');
    return Arn.format({ service: 'kms', region, resource: 'alias', resourceName: name }, Stack.of(scope));
  }

  /** The table (escape hatch): grant on it, or read `table.replica(region)` for another Region. */
  public readonly table: dynamodb.TableV2;
  /** The physical name, the same in every Region. */
  public readonly tableName: string;
  /** Key of this Region's replica. */
  public readonly encryptionKey: kms.IKey;
  /** The consistency mode, for code that must know whether transactions and TTL are available. */
  public readonly consistency: GlobalTableConsistency;

  constructor(scope: Construct, id: string, props: GlobalTableStoreProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    validate(this.node.path, region, props);

    const consistency = props.consistency ?? GlobalTableConsistency.EVENTUAL;
    const deletionProtection = props.deletionProtection ?? true;
    const pitr: dynamodb.PointInTimeRecoverySpecification = {
      pointInTimeRecoveryEnabled: true,
      recoveryPeriodInDays: props.pointInTimeRecoveryDays ?? 35,
    };

    this.table = new dynamodb.TableV2(this, 'Resource', {
      tableName: props.tableName,
      partitionKey: props.partitionKey ?? { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: props.sortKey ?? { name: 'sk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(props.encryptionKey, {
        ...props.replicaKeyArns,
      }),
      multiRegionConsistency:
        consistency === GlobalTableConsistency.STRONG
          ? dynamodb.MultiRegionConsistency.STRONG
          : dynamodb.MultiRegionConsistency.EVENTUAL,
      witnessRegion: props.witnessRegion,
      replicas: (props.replicaRegions ?? []).map((r) => ({
        region: r,
        deletionProtection,
        pointInTimeRecoverySpecification: pitr,
      })),
      deletionProtection,
      pointInTimeRecoverySpecification: pitr,
      warmThroughput: props.warmThroughput,
      timeToLiveAttribute: props.timeToLiveAttribute,
      globalSecondaryIndexes: props.globalSecondaryIndexes ? [...props.globalSecondaryIndexes] : undefined,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.tableName = props.tableName;
    this.encryptionKey = props.encryptionKey;
    this.consistency = consistency;
  }

  /** Read and write items (and use the key). */
  public grantReadWriteData(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadWriteData(grantee);
  }

  /** Read items only (and decrypt with the key). */
  public grantReadData(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadData(grantee);
  }
}

function validate(path: string, stackRegion: string, props: GlobalTableStoreProps): void {
  const problems: string[] = [];
  const name = props.tableName;
  if (!Token.isUnresolved(name) && !TABLE_NAME.test(name)) {
    problems.push(
      `tableName is "${name}". Fix: use 3 to 255 letters, digits, "_", "-" or "." (e.g. "rempart-booking")`,
    );
  }
  const replicas = props.replicaRegions ?? [];
  const seen = new Set<string>();
  for (const r of replicas) {
    if (r === stackRegion) {
      problems.push(
        `replicaRegions contains "${r}", this stack's own Region. Fix: list only the other Regions; this one always holds a replica`,
      );
    } else if (seen.has(r)) {
      problems.push(`replicaRegions lists "${r}" twice. Fix: list each Region once`);
    }
    seen.add(r);
  }
  const keyArns = props.replicaKeyArns ?? {};
  for (const r of replicas) {
    if (r !== stackRegion && !(r in keyArns)) {
      problems.push(
        `replicaKeyArns has no key for replica Region "${r}". Fix: add { "${r}": "<key or alias ARN in ${r}>" }`,
      );
    }
  }
  for (const r of Object.keys(keyArns)) {
    if (!replicas.includes(r)) {
      problems.push(
        `replicaKeyArns has a key for "${r}", which is not a replica Region. Fix: remove it or add "${r}" to replicaRegions`,
      );
    }
  }
  const strong = props.consistency === GlobalTableConsistency.STRONG;
  const witness = props.witnessRegion;
  if (strong) {
    const total = replicas.length + 1 + (witness ? 1 : 0);
    if (witness && replicas.length !== 1) {
      problems.push(
        `consistency STRONG with witnessRegion "${witness}" needs exactly one replica Region besides this one, received ${replicas.length}. Fix: list one replicaRegion, or drop the witness and list two`,
      );
    } else if (!witness && replicas.length !== 2) {
      problems.push(
        `consistency STRONG spans exactly three Regions, received ${total}. Fix: set witnessRegion with one replica Region, or list two replica Regions`,
      );
    }
    if (witness && (witness === stackRegion || replicas.includes(witness))) {
      problems.push(`witnessRegion "${witness}" already holds a replica. Fix: choose a third Region`);
    }
    if (props.timeToLiveAttribute !== undefined) {
      problems.push(
        `timeToLiveAttribute is "${props.timeToLiveAttribute}", but STRONG (MRSC) tables do not support TTL. Fix: remove it and delete expired items yourself, or use EVENTUAL consistency`,
      );
    }
  } else if (witness !== undefined) {
    problems.push(
      `witnessRegion is "${witness}", but a witness exists only with STRONG consistency. Fix: remove witnessRegion or set consistency to GlobalTableConsistency.STRONG`,
    );
  }
  const days = props.pointInTimeRecoveryDays;
  if (days !== undefined && !Token.isUnresolved(days) && (!Number.isInteger(days) || days < 1 || days > 35)) {
    problems.push(`pointInTimeRecoveryDays is ${days}. Fix: use a whole number from 1 to 35`);
  }
  const warm = props.warmThroughput;
  if (warm) {
    for (const key of ['readUnitsPerSecond', 'writeUnitsPerSecond'] as const) {
      const v = warm[key];
      if (v !== undefined && !Token.isUnresolved(v) && (!Number.isInteger(v) || v < 1)) {
        problems.push(
          `warmThroughput.${key} is ${v}. Fix: use a whole number of at least 1, or leave it out`,
        );
      }
    }
  }
  if (problems.length) throw new Error(`GlobalTableStore ${path}: ${problems.join('; ')}`);
}
