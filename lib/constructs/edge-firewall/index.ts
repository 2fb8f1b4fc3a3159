export * from './edge-firewall';
