/** The parts of a synthesized CloudFront cache policy that decide its cache key. */
export interface CachePolicyConfig {
  readonly ParametersInCacheKeyAndForwardedToOrigin: {
    readonly QueryStringsConfig: {
      readonly QueryStringBehavior: string;
      readonly QueryStrings?: readonly string[];
    };
    readonly HeadersConfig: { readonly HeaderBehavior: string };
    readonly CookiesConfig: { readonly CookieBehavior: string };
  };
}

/**
 * The cache key CloudFront derives from a URL under a cache policy (headers and cookies left out:
 * Rempart's read policies include none): the path, plus the allowed query parameters in a fixed
 * order. Two URLs with the same key are one cache entry; the origin sees the second as a hit.
 */
export function cacheKeyOf(policy: CachePolicyConfig): (url: string) => string {
  const qs = policy.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig;
  const { HeadersConfig, CookiesConfig } = policy.ParametersInCacheKeyAndForwardedToOrigin;
  if (HeadersConfig.HeaderBehavior !== 'none' || CookiesConfig.CookieBehavior !== 'none') {
    throw new Error('cache keys with headers or cookies are not modelled');
  }
  return (url) => {
    const parsed = new URL(url, 'https://edge.invalid');
    const params = [...parsed.searchParams.entries()];
    const kept = (() => {
      switch (qs.QueryStringBehavior) {
        case 'none':
          return [];
        case 'all':
          return params;
        case 'whitelist':
          return params.filter(([name]) => (qs.QueryStrings ?? []).includes(name));
        case 'allExcept':
          return params.filter(([name]) => !(qs.QueryStrings ?? []).includes(name));
        default:
          throw new Error(`QueryStringBehavior ${qs.QueryStringBehavior} is not modelled`);
      }
    })();
    kept.sort(([a, av], [b, bv]) => (a === b ? av.localeCompare(bv) : a.localeCompare(b)));
    return `${parsed.pathname}?${kept.map(([k, v]) => `${k}=${v}`).join('&')}`;
  };
}
