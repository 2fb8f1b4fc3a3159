import { createHash } from 'node:crypto';
import { permute, unpermute } from '../../lambda/admission/domain/permutation';

// The draw orders people who joined before the opening. It must be a bijection (everyone gets one
// position, no position twice) and must not favour early (or late) arrivals.

const seed = (label: string) => createHash('sha256').update(label).digest('hex');

/** Spearman's rank correlation of arrival index and drawn position (both are ranks 0..n-1). */
function spearman(n: number, positionOf: (i: number) => number): number {
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += (positionOf(i) - i) ** 2;
  return 1 - (6 * d2) / (n * (n * n - 1));
}

describe('keyed permutation of the pre-opening arrivals', () => {
  it.each([1, 2, 3, 5, 17, 1000, 4096, 4097])('is a bijection of [0, %i), checked exhaustively', (n) => {
    const s = seed(`bijection-${n}`);
    const seen = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const p = permute(i, n, s);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(n);
      seen[p] = (seen[p] ?? 0) + 1;
    }
    expect(seen.every((c) => c === 1)).toBe(true);
  });

  it('is inverted by unpermute (anyone holding a position can find the arrival it came from)', () => {
    const n = 3000;
    const s = seed('inverse');
    for (let i = 0; i < n; i++) expect(unpermute(permute(i, n, s), n, s)).toBe(i);
  });

  it('is recomputed identically from the published seed, and differs with another seed', () => {
    const n = 2000;
    const a = Array.from({ length: n }, (_, i) => permute(i, n, seed('published')));
    const again = Array.from({ length: n }, (_, i) => permute(i, n, seed('published')));
    const other = Array.from({ length: n }, (_, i) => permute(i, n, seed('another')));
    expect(again).toEqual(a);
    expect(other.filter((p, i) => p === a[i]).length).toBeLessThan(20);
  });

  // Under independence Spearman's rho is ~N(0, 1/(n-1)): |rho| < 4/sqrt(n-1) fails with probability
  // 6e-5 per seed. Seeds are fixed, so the test is deterministic.
  const n = 5000;
  const bound = 4 / Math.sqrt(n - 1);

  it.each(['opening-1', 'opening-2', 'opening-3', 'opening-4', 'opening-5'])(
    'gives positions independent of arrival order (seed %s): |Spearman rho| < 4/sqrt(n-1)',
    (label) => {
      const s = seed(label);
      const rho = spearman(n, (i) => permute(i, n, s));
      expect(Math.abs(rho)).toBeLessThan(bound);
      // Neither the first nor the last tenth to arrive is drawn ahead on average.
      const tenth = n / 10;
      const mean = (from: number) => {
        let sum = 0;
        for (let i = from; i < from + tenth; i++) sum += permute(i, n, s);
        return sum / tenth;
      };
      // Mean of 500 uniform positions: sd = n/sqrt(12*500) ≈ 64; 5 sd margin.
      expect(Math.abs(mean(0) - (n - 1) / 2)).toBeLessThan(5 * (n / Math.sqrt(12 * tenth)));
      expect(Math.abs(mean(n - tenth) - (n - 1) / 2)).toBeLessThan(5 * (n / Math.sqrt(12 * tenth)));
    },
  );

  it('has a statistic that would catch an order that follows arrival', () => {
    expect(spearman(n, (i) => i)).toBe(1);
    // A "shuffle" that only swaps neighbours still correlates almost perfectly with arrival.
    expect(spearman(n, (i) => (i % 2 === 0 ? Math.min(i + 1, n - 1) : i - 1))).toBeGreaterThan(bound);
  });

  it('refuses sizes, indices and seeds it cannot handle', () => {
    expect(() => permute(0, 0, seed('x'))).toThrow(/size is 0/);
    expect(() => permute(5, 5, seed('x'))).toThrow(/outside \[0, 5\)/);
    expect(() => permute(0, 5, 'not-hex')).toThrow(/seed/);
  });
});
