export * from './regional-failover';
