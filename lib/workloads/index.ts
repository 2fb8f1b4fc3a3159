import type { Workload } from '../platform/workload';
import { bookingWorkload } from './booking';
import { entWorkload } from './ent';

/** Every workload the default app deploys. A new workload is one folder and one line here. */
export const WORKLOADS: readonly Workload[] = [bookingWorkload, entWorkload];
