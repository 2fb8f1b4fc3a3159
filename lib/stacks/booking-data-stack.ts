import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { DataKey } from '../constructs/data-key/data-key';
import { RempartStack, type RempartStackProps } from './rempart-stack';

export interface BookingDataStackProps extends RempartStackProps {
  /** True in the Region that owns the global table definition (its replicas are declared there). */
  readonly isPrimary: boolean;
}

/** Stateful booking resources of one Region: global table (replica), keys, front-end bucket. */
export class BookingDataStack extends RempartStack {
  public readonly isPrimary: boolean;
  /** Customer-managed key for this Region's booking data at rest. */
  public readonly dataKey: kms.IKey;

  constructor(scope: Construct, id: string, props: BookingDataStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    this.isPrimary = props.isPrimary;
    this.dataKey = new DataKey(this, 'DataKey', {
      description: `Rempart booking data at rest, ${this.region}`,
    }).key;
  }
}
