import {
  LAMBDA_UNRESERVED_MINIMUM,
  SQS_MAX_CONCURRENCY,
  type BookingSection,
  type EntSection,
  type RempartConfig,
} from '../../../lib';
import { QUOTA_DEFAULTS, type DefaultQuotaName } from './quota-defaults';

/**
 * What the capacity check needs from the configuration: the declared surge of each workload and
 * the account quotas. Everything configured (throttles, concurrency, warm throughput, scaling) is
 * read from the templates instead, so that the check sees what would be deployed.
 */
export interface CapacityProfile {
  /** Headroom every layer Rempart configures must keep over the declared peak. */
  readonly requiredHeadroom: number;
  readonly booking?: {
    readonly surge: BookingSection['surge'];
    /** Whether the waiting room paces admission (then the origins see the admitted rate, not the crowd). */
    readonly waitingRoom: Pick<BookingSection['waitingRoom'], 'enabled'>;
    /** Wall time of one booking in the worker, seconds (declared, from a measurement). */
    readonly secondsPerBooking: number;
    /**
     * People behind one shared address (care home, library) booking within one rate-rule window.
     * @default undeclared: the check reports the largest group that fits instead
     */
    readonly peoplePerAddress?: number;
  };
  readonly ent?: {
    readonly surge: EntSection['surge'];
    readonly loginsPerSecondPerTask: number;
    /**
     * Pupils behind one school address logging in within one rate-rule window.
     * @default undeclared: the check reports the largest school that fits instead
     */
    readonly usersPerAddress?: number;
  };
  readonly quotas: Quotas;
}

export interface Quota {
  readonly value: number;
  /** Where the value comes from: a configuration field, or a published default with its URL. */
  readonly source: string;
}

export interface Quotas {
  readonly apiGatewayRequestsPerSecond: Quota;
  readonly apiGatewayBurst: Quota;
  readonly lambdaConcurrentExecutions: Quota;
  readonly lambdaUnreservedMinimum: Quota;
  readonly sqsEventSourceMaxConcurrency: Quota;
  readonly tableWriteUnitsPerSecond: Quota;
  readonly tableReadUnitsPerSecond: Quota;
  readonly cloudFrontRequestsPerSecond: Quota;
  readonly sqsInFlightMessages: Quota;
  readonly fargateTaskLaunchBurst: Quota;
  readonly fargateTaskLaunchRate: Quota;
  /** Account-specific and not declared anywhere yet: the check states the need instead. */
  readonly fargateOnDemandVcpu?: Quota;
}

/** The bar: every layer Rempart configures keeps 1.5× the declared peak. */
export const REQUIRED_HEADROOM = 1.5;

const fromDefault = (name: DefaultQuotaName): Quota => ({
  value: QUOTA_DEFAULTS[name].value,
  source: `AWS default (${QUOTA_DEFAULTS[name].source})`,
});

export function profileFromConfig(
  config: RempartConfig,
  requiredHeadroom = REQUIRED_HEADROOM,
): CapacityProfile {
  const q = config.booking.quotas;
  const declared = (field: keyof typeof q): Quota => ({
    value: q[field],
    source: `configuration booking.quotas.${field}`,
  });
  return {
    requiredHeadroom,
    booking: {
      surge: config.booking.surge,
      waitingRoom: config.booking.waitingRoom,
      secondsPerBooking: config.booking.worker.secondsPerBooking,
    },
    ent: { surge: config.ent.surge, loginsPerSecondPerTask: config.ent.task.loginsPerSecondPerTask },
    quotas: {
      apiGatewayRequestsPerSecond: declared('apiGatewayRequestsPerSecond'),
      apiGatewayBurst: declared('apiGatewayBurst'),
      lambdaConcurrentExecutions: declared('lambdaConcurrentExecutions'),
      lambdaUnreservedMinimum: {
        value: LAMBDA_UNRESERVED_MINIMUM,
        source: 'AWS Lambda (lib: LAMBDA_UNRESERVED_MINIMUM)',
      },
      sqsEventSourceMaxConcurrency: {
        value: SQS_MAX_CONCURRENCY.max,
        source: 'AWS Lambda SQS event source (lib: SQS_MAX_CONCURRENCY)',
      },
      tableWriteUnitsPerSecond: declared('tableWriteUnitsPerSecond'),
      tableReadUnitsPerSecond: declared('tableReadUnitsPerSecond'),
      cloudFrontRequestsPerSecond: fromDefault('cloudFrontRequestsPerSecond'),
      sqsInFlightMessages: fromDefault('sqsInFlightMessages'),
      fargateTaskLaunchBurst: fromDefault('fargateTaskLaunchBurst'),
      fargateTaskLaunchRate: fromDefault('fargateTaskLaunchRate'),
    },
  };
}
