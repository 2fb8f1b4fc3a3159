import { z } from 'zod';

export const edgeSectionSchema = z.strictObject({
  /**
   * Shield Advanced: a paid subscription (thousands of dollars a month) that must already exist in the
   * account. Off: nothing Shield-specific is synthesized; Shield Standard still protects the edge.
   */
  shieldAdvanced: z.strictObject({ enabled: z.boolean() }),
});

export type EdgeSection = z.infer<typeof edgeSectionSchema>;

export const edgeDefaults: z.input<typeof edgeSectionSchema> = {
  shieldAdvanced: { enabled: false },
};
