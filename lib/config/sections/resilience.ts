import { z } from 'zod';
import { positiveInt } from './common';

export const resilienceSectionSchema = z.strictObject({
  /** Days a backup copy is kept; the vault lock refuses anything shorter. */
  backupRetentionDays: positiveInt,
  /** Recovery time objective for the loss of a Region, in minutes. */
  regionRtoMinutes: positiveInt,
  /** Recovery point objective for the loss of a Region, in minutes. */
  regionRpoMinutes: z.number().int().min(0),
});

export type ResilienceSection = z.infer<typeof resilienceSectionSchema>;

export const resilienceDefaults: z.input<typeof resilienceSectionSchema> = {
  backupRetentionDays: 35,
  regionRtoMinutes: 15,
  regionRpoMinutes: 1,
};
