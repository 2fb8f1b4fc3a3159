import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  ADMISSION_METRICS_NAMESPACE,
  ADMISSION_METRICS_SERVICE,
  AdmissionMetric,
} from '../../../../lambda/admission/domain/metrics';

/** The waiting room's metrics, as the functions publish them (Powertools, EMF). */
export interface AdmissionMetrics {
  /** People placed in the line and not yet admitted (Maximum per minute). */
  readonly peopleWaiting: cloudwatch.Metric;
  /** People admitted per minute (Sum). */
  readonly admittedPerMinute: cloudwatch.Metric;
  /** People who entered (cookie issued) per minute (Sum). */
  readonly enteredPerMinute: cloudwatch.Metric;
  /** No-shows replaced per minute (Sum). */
  readonly noShows: cloudwatch.Metric;
  /** Seconds since the cursor last moved or a due bucket was sealed (Maximum). */
  readonly cursorLagSeconds: cloudwatch.Metric;
  /** Joins recorded per minute (Sum). */
  readonly joinedPerMinute: cloudwatch.Metric;
  /** Refused entries per minute (Sum): not yet, lapsed, wrong secret. */
  readonly entriesRefused: cloudwatch.Metric;
  /** 1 while the edge's fail-open switch is on (Maximum), published by the switch in the edge Region. */
  readonly failOpen: cloudwatch.Metric;
}

export function admissionMetrics(eventId: string, region: string, edgeRegion: string): AdmissionMetrics {
  const metric = (metricName: string, statistic: string, inRegion = region) =>
    new cloudwatch.Metric({
      namespace: ADMISSION_METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: ADMISSION_METRICS_SERVICE, EventId: eventId },
      statistic,
      period: Duration.minutes(1),
      region: inRegion,
    });
  return {
    peopleWaiting: metric(AdmissionMetric.peopleWaiting, 'Maximum'),
    admittedPerMinute: metric(AdmissionMetric.admitted, 'Sum'),
    enteredPerMinute: metric(AdmissionMetric.entered, 'Sum'),
    noShows: metric(AdmissionMetric.noShows, 'Sum'),
    cursorLagSeconds: metric(AdmissionMetric.cursorLagSeconds, 'Maximum'),
    joinedPerMinute: metric(AdmissionMetric.joined, 'Sum'),
    entriesRefused: metric(AdmissionMetric.entryRefused, 'Sum'),
    failOpen: metric(AdmissionMetric.failOpen, 'Maximum', edgeRegion),
  };
}

/** Widgets for a dashboard (the booking dashboard adds them): the line, its pace, its health. */
export function admissionWidgets(
  title: string,
  m: AdmissionMetrics,
  alarms: { readonly stuckCursor: cloudwatch.IAlarm; readonly others: readonly cloudwatch.IAlarm[] },
): cloudwatch.IWidget[] {
  return [
    new cloudwatch.TextWidget({ markdown: `### ${title}`, width: 24, height: 1 }),
    new cloudwatch.GraphWidget({
      title: 'People waiting',
      left: [m.peopleWaiting],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Admitted, entered, no-shows (per minute)',
      left: [m.admittedPerMinute, m.enteredPerMinute, m.noShows],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Fail-open switch (1 = on)',
      left: [m.failOpen],
      leftYAxis: { min: 0, max: 1 },
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Cursor lag (seconds)',
      left: [m.cursorLagSeconds],
      leftAnnotations: [
        {
          value: alarms.stuckCursor instanceof cloudwatch.Alarm ? stuckThreshold(alarms.stuckCursor) : 0,
          label: 'stuck',
        },
      ],
      width: 8,
    }),
    new cloudwatch.AlarmStatusWidget({
      title: 'Waiting room: stuck cursor and fail-open signals',
      alarms: [alarms.stuckCursor, ...alarms.others],
      width: 24,
      height: 3,
    }),
  ];
}

const thresholds = new WeakMap<cloudwatch.Alarm, number>();

export function rememberThreshold(alarm: cloudwatch.Alarm, threshold: number): void {
  thresholds.set(alarm, threshold);
}

function stuckThreshold(alarm: cloudwatch.Alarm): number {
  return thresholds.get(alarm) ?? 0;
}
