export * from './ddos-protection';
