export * from './capacity';
export * from './default-config';
export * from './load-config';
export * from './regions';
export * from './schema';
export type { BookingSection } from './sections/booking';
export type { EdgeSection } from './sections/edge';
export type { EntSection } from './sections/ent';
export type { ResilienceSection } from './sections/resilience';
