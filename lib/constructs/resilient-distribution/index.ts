export * from './resilient-distribution';
export * from './retry-page';
export * from './regional-api-origin';
export * from './error-pages/retry-page';
