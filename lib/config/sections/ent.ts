import { z } from 'zod';
import { clockTime, hostName, positiveInt } from './common';

const SCHOOL_DAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/** The school-morning surge: predictable, so it is pre-scaled on a schedule. */
export const entSurgeSchema = z.strictObject({
  /** Pupils, parents and teachers who may log in. */
  users: positiveInt,
  /** Logins per second at the 8:00 peak. */
  peakLoginsPerSecond: positiveInt,
  /** IANA time zone of the schools; schedules are evaluated in it. */
  timeZone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'is not an IANA time zone. Fix: use e.g. "Europe/Paris"'),
  schoolDays: z
    .array(z.enum(SCHOOL_DAYS))
    .min(1, 'needs at least one day. Fix: e.g. ["MON","TUE","THU","FRI"]'),
  /** Local time at which the morning capacity must already be running. */
  preScaleAt: clockTime,
  /** Local time after which the schedule lets target tracking scale in. */
  scaleInAt: clockTime,
});

export const entSectionSchema = z.strictObject({
  /** Public host name of the school portal (served by CloudFront). */
  domainName: hostName,
  /** Container image of the ENT product; any image that serves HTTP on `containerPort`. */
  containerImage: z.string().min(1, 'is empty. Fix: name an image, e.g. "public.ecr.aws/nginx/nginx:stable"'),
  containerPort: z.number().int().min(1).max(65535),
  surge: entSurgeSchema,
});

export type EntSection = z.infer<typeof entSectionSchema>;

/** Example: one academic region's ENT on the first morning of remote schooling (6 April 2021). */
export const entDefaults: z.input<typeof entSectionSchema> = {
  domainName: 'ent.rempart-demo.fr',
  containerImage: 'public.ecr.aws/nginx/nginx:stable',
  containerPort: 8080,
  surge: {
    users: 1_200_000,
    peakLoginsPerSecond: 2_000,
    timeZone: 'Europe/Paris',
    schoolDays: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
    preScaleAt: '07:15',
    scaleInAt: '09:30',
  },
};
