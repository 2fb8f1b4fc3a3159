export * from './resilience-policy';
