/**
 * AWS's published default quotas that the Rempart configuration does not declare (yet). This is the
 * single place the capacity check takes them from; each names its source so that a reader can check
 * it and a platform team can replace it with the applied value of its account.
 *
 * Quotas the configuration declares (`booking.quotas.*`) are never repeated here.
 */
export interface QuotaDefault {
  readonly value: number;
  readonly unit: string;
  readonly scope: 'per distribution' | 'per queue' | 'per account and Region';
  readonly source: string;
}

export const QUOTA_DEFAULTS = {
  cloudFrontRequestsPerSecond: {
    value: 250_000,
    unit: 'requests/s',
    scope: 'per distribution',
    source: 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html',
  },
  sqsInFlightMessages: {
    value: 120_000,
    unit: 'in-flight messages',
    scope: 'per queue',
    source: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html',
  },
  fargateTaskLaunchBurst: {
    value: 100,
    unit: 'task launches at once',
    scope: 'per account and Region',
    source: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/throttling.html',
  },
  fargateTaskLaunchRate: {
    value: 20,
    unit: 'task launches/s after the burst',
    scope: 'per account and Region',
    source: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/throttling.html',
  },
} as const satisfies Record<string, QuotaDefault>;

export type DefaultQuotaName = keyof typeof QUOTA_DEFAULTS;
