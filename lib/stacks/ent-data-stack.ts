import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { DataKey } from '../constructs/data-key/data-key';
import { RempartStack, type RempartStackProps } from './rempart-stack';

export interface EntDataStackProps extends RempartStackProps {
  /** True in the Region that owns the global table definition. */
  readonly isPrimary: boolean;
}

/** Stateful ENT resources of one Region: session/state table replica, documents bucket, keys. */
export class EntDataStack extends RempartStack {
  public readonly isPrimary: boolean;
  /** Customer-managed key for this Region's ENT data at rest. */
  public readonly dataKey: kms.IKey;

  constructor(scope: Construct, id: string, props: EntDataStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    this.isPrimary = props.isPrimary;
    this.dataKey = new DataKey(this, 'DataKey', {
      description: `Rempart ENT data at rest, ${this.region}`,
    }).key;
  }
}
