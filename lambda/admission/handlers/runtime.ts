import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ADMISSION_METRICS_NAMESPACE, ADMISSION_METRICS_SERVICE } from '../domain/metrics';
import { parseAdmissionSettings, type AdmissionSettings } from '../domain/settings';

/** Environment variables the AdmissionControl construct sets on every admission function. */
export const ADMISSION_ENV = {
  settings: 'ADMISSION_SETTINGS',
  table: 'TABLE_NAME',
  signingKeySecret: 'SIGNING_KEY_SECRET',
  signingKid: 'SIGNING_KID',
} as const;

export function requiredEnv(name: string): string {
  const v = process.env[name];
  if (!v)
    throw new Error(
      `Environment variable ${name} is not set. Fix: deploy the function with AdmissionControl`,
    );
  return v;
}

export function settingsFromEnv(): AdmissionSettings {
  return parseAdmissionSettings(requiredEnv(ADMISSION_ENV.settings));
}

export function admissionMetrics(settings: AdmissionSettings): Metrics {
  return new Metrics({
    namespace: ADMISSION_METRICS_NAMESPACE,
    serviceName: ADMISSION_METRICS_SERVICE,
    defaultDimensions: { EventId: settings.eventId },
  });
}

export function admissionLogger(): Logger {
  return new Logger({ serviceName: ADMISSION_METRICS_SERVICE });
}
