import { z } from 'zod';
import { EDGE_REGION, MRSC_EU_REGIONS, isEeaRegion } from '../aws-facts';
import { crossFieldProblems } from './cross-checks';
import { bookingSectionSchema } from '../workloads/booking/section';
import { dataRegion, hostName } from './sections/common';
import { edgeSectionSchema } from './sections/edge';
import { entRegionProblems, entSectionSchema } from '../workloads/ent/config';
import { resilienceSectionSchema } from './sections/resilience';

const regionsSchema = z
  .strictObject({
    /** Where CLOUDFRONT-scope WAF, CloudFront certificates and edge alarms live. AWS allows no other. */
    edge: z.literal(EDGE_REGION, {
      message: `must be "${EDGE_REGION}": CloudFront-scope web ACLs, certificates and metrics exist only there. Fix: set it to "${EDGE_REGION}"`,
    }),
    /** First application Region (active). */
    primary: dataRegion,
    /** Second application Region (active). */
    secondary: dataRegion,
    /** Third EEA Region: DynamoDB witness and target of off-site backup copies. */
    witness: dataRegion,
  })
  .superRefine((r, ctx) => {
    const seen = new Map<string, string>();
    for (const key of ['primary', 'secondary', 'witness'] as const) {
      const other = seen.get(r[key]);
      if (other) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          input: r[key],
          message: `is the same Region as regions.${other}; losing one Region would take both. Fix: choose three different EEA Regions`,
        });
      }
      seen.set(r[key], key);
    }
  });

/**
 * The complete configuration as a zod schema: every field with its checks (AWS limits, EEA Regions,
 * cross-field rules) and the settings derived at load. It holds no defaults: `DEFAULT_CONFIG` does,
 * and `loadConfig()` merges before validating, so use that (or `validateConfig()`) to read a
 * configuration. The schema itself is public to derive a JSON Schema of configuration files for an
 * editor: `z.toJSONSchema(rempartConfigSchema, { io: 'input', unrepresentable: 'any' })`.
 */
export const rempartConfigSchema = z
  .strictObject({
    service: z.strictObject({
      /** Prefix of every stack name; PascalCase letters and digits. */
      name: z
        .string()
        .regex(
          /^[A-Z][A-Za-z0-9]{1,29}$/,
          'must be PascalCase letters and digits (2–30), it prefixes every stack name. Fix: e.g. "Rempart"',
        ),
      stage: z.enum(['dev', 'staging', 'prod']),
      /** Team that answers for the service; tagged on every resource. */
      owner: z.string().min(1),
    }),
    /** Target account. Absent: taken from the CLI environment, or left unresolved for offline synth. */
    account: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id. Fix: copy it from `aws sts get-caller-identity`')
      .optional(),
    regions: regionsSchema,
    dns: z.strictObject({
      /** Public hosted zone that holds every Rempart name. */
      zoneName: hostName,
      hostedZoneId: z
        .string()
        .regex(
          /^Z[A-Z0-9]{1,32}$/,
          'is not a Route 53 hosted zone id. Fix: copy it from Route 53, e.g. "Z0123456789ABCDEFGHIJ"',
        ),
    }),
    alerts: z.strictObject({
      /** Who is paged by alarms (SNS e-mail subscription). */
      email: z.email({ message: 'is not an e-mail address. Fix: e.g. "astreinte@example.fr"' }),
    }),
    compliance: z.strictObject({
      /** Add the PCI DSS 3.2.1 pack, for deployments that take card payments. */
      pciDss: z.boolean(),
    }),
    booking: bookingSectionSchema,
    ent: entSectionSchema,
    edge: edgeSectionSchema,
    resilience: resilienceSectionSchema,
  })
  .superRefine((c, ctx) => {
    // The booking global table uses multi-Region strong consistency; DynamoDB offers it only inside
    // fixed Region sets, and a deploy outside the set fails after the other stacks went out.
    for (const key of ['primary', 'secondary', 'witness'] as const) {
      // Non-EEA Regions are already refused with their own reason.
      if (isEeaRegion(c.regions[key]) && !MRSC_EU_REGIONS.includes(c.regions[key])) {
        ctx.addIssue({
          code: 'custom',
          path: ['regions', key],
          input: c.regions[key],
          message: `is outside the EU Region set where DynamoDB offers multi-Region strong consistency (the booking table's mode). Fix: use ${MRSC_EU_REGIONS.join(', ')} for primary, secondary and witness`,
        });
      }
    }
    for (const p of crossFieldProblems(c))
      ctx.addIssue({ code: 'custom', path: [...p.path], input: p.input, message: p.message });
    for (const p of entRegionProblems(c.ent, [c.regions.primary, c.regions.secondary], c.service.stage)) {
      ctx.addIssue({ code: 'custom', ...p });
    }
    for (const key of ['booking', 'ent'] as const) {
      const name = c[key].domainName;
      if (name !== c.dns.zoneName && !name.endsWith(`.${c.dns.zoneName}`)) {
        ctx.addIssue({
          code: 'custom',
          path: [key, 'domainName'],
          input: name,
          message: `is not inside the hosted zone dns.zoneName ("${c.dns.zoneName}"). Fix: use a name ending in ".${c.dns.zoneName}"`,
        });
      }
    }
  });

/** Validated configuration; every construct and stack receives parts of it as typed props. */
export type RempartConfig = z.infer<typeof rempartConfigSchema>;
/** What a configuration file may contain: any subset of the configuration, merged over the default. */
export type RempartConfigInput = z.input<typeof rempartConfigSchema>;
