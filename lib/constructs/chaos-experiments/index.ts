export * from './chaos-experiments';
export * from './fault-config-bucket';
