import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { RempartConfig } from '../config/schema';

export interface RempartStackProps extends StackProps {
  readonly config: RempartConfig;
}

/** Common base: every Rempart stack can reference others across Regions (SSM-backed, offline-safe). */
export abstract class RempartStack extends Stack {
  public readonly config: RempartConfig;

  protected constructor(scope: Construct, id: string, props: RempartStackProps) {
    super(scope, id, { crossRegionReferences: true, ...props });
    this.config = props.config;
  }
}
