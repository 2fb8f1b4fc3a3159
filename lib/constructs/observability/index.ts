export * from './regional-observability';
