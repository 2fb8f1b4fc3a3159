export * from './resilience-checks';
export * from './rules';
