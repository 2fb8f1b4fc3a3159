export * from './regional-observability';
export * from './region-probe';
