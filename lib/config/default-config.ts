import type { RempartConfigInput } from './schema';
import { bookingDefaults } from '../workloads/booking/config';
import { edgeDefaults } from './sections/edge';
import { entDefaults } from '../workloads/ent/config';
import { resilienceDefaults } from './sections/resilience';

/**
 * The embedded example public service, so that a fresh clone synthesizes with no flags and no
 * credentials. Every deployment overrides at least `dns`, `alerts` and the domain names.
 */
export const DEFAULT_CONFIG: RempartConfigInput = {
  service: { name: 'Rempart', stage: 'dev', owner: 'plateforme-numerique' },
  regions: { edge: 'us-east-1', primary: 'eu-west-3', secondary: 'eu-central-1', witness: 'eu-west-1' },
  dns: { zoneName: 'rempart-demo.fr', hostedZoneId: 'Z0REMPARTDEMO00000000' },
  alerts: { email: 'astreinte@rempart-demo.fr' },
  compliance: { pciDss: false },
  booking: bookingDefaults,
  ent: entDefaults,
  edge: edgeDefaults,
  resilience: resilienceDefaults,
};
