import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { RempartConfig } from '../config/schema';

/** Props of every Rempart stack: the usual stack props and the validated configuration. */
export interface RempartStackProps extends StackProps {
  /** The validated configuration (`loadConfig()`); each stack reads the sections it needs. */
  readonly config: RempartConfig;
}

/** Common base: every Rempart stack can reference others across Regions (SSM-backed, offline-safe). */
export abstract class RempartStack extends Stack {
  /** The configuration the stack was built from, for constructs added to it later. */
  public readonly config: RempartConfig;

  protected constructor(scope: Construct, id: string, props: RempartStackProps) {
    super(scope, id, { crossRegionReferences: true, ...props });
    this.config = props.config;
  }
}
