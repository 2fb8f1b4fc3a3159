import { bookingSettings, bookingSettingsProblems, type BookingSettings } from './capacity';
import { bookingSectionFields, type BookingSection } from './config';

/**
 * The booking configuration section, validated: derived settings must fit the account's quotas
 * (checked here so `cdk synth` names the field), and are computed once, here, for every reader.
 */
export const bookingSectionSchema = bookingSectionFields
  .superRefine((booking, ctx) => {
    for (const p of bookingSettingsProblems(booking)) {
      ctx.addIssue({ code: 'custom', path: p.field.split('.'), message: p.message });
    }
  })
  .transform((booking): BookingSection & { readonly settings: BookingSettings } => ({
    ...booking,
    settings: bookingSettings(booking),
  }));
