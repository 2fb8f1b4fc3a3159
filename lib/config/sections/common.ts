import { z } from 'zod';
import { EEA_REGIONS, NON_EEA_EUROPEAN_REGIONS, isEeaRegion } from '../../aws-facts';

const REGION_SHAPE = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** A Region that may hold personal data: inside the EEA only. */
export const dataRegion = z.string().superRefine((value, ctx) => {
  if (isEeaRegion(value)) return;
  const why = NON_EEA_EUROPEAN_REGIONS[value]
    ? `${NON_EEA_EUROPEAN_REGIONS[value]} is outside the EEA`
    : REGION_SHAPE.test(value)
      ? 'it is not an EEA Region'
      : 'it is not an AWS Region name';
  ctx.addIssue({
    code: 'custom',
    message: `data must stay in the EEA, but ${why}. Fix: use one of ${EEA_REGIONS.join(', ')}`,
  });
});

/** DNS host name (RFC 1123), lower case, at least two labels. */
export const hostName = z
  .string()
  .regex(
    /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/,
    'is not a valid lower-case DNS name. Fix: use a name such as "rdv.example.fr"',
  );

export const positiveInt = z.number().int().positive();
export const ratio = z.number().min(0).max(1);

/** "HH:MM", 24-hour clock. */
export const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'is not a 24-hour time. Fix: write it as "HH:MM", e.g. "07:15"');

export const arn = (service: string) =>
  z
    .string()
    .regex(
      new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]*:(\\d{12})?:.+$`),
      `is not an ${service} ARN. Fix: copy the ARN from the ${service} console, e.g. "arn:aws:${service}:…"`,
    );
