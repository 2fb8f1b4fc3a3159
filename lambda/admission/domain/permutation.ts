import { createHmac } from 'node:crypto';

/**
 * The draw: a keyed pseudo-random permutation of [0, n) that orders the people who joined before
 * the opening. Anyone holding the published seed recomputes it with HMAC-SHA256 alone (Node's
 * `crypto`, the browser's `crypto.subtle`, CloudFront Functions' `crypto`), so the order can be
 * audited and a person's position computed without asking the origin.
 *
 * Construction: a balanced Feistel network of FEISTEL_ROUNDS rounds over 2·h bits, the smallest
 * even width that holds n, with the round function
 *   F(round, right) = first 4 bytes, big-endian, of HMAC-SHA256(seed, "<round>.<right>") mod 2^h;
 * values that land outside [0, n) are fed through again ("cycle walking"), which keeps the result a
 * bijection of [0, n). The domain is at most 4n, so a value needs fewer than 4 passes on average.
 */
export const FEISTEL_ROUNDS = 4;

/** Seeds are 32 random bytes, hex: drawn once, at the opening, and published with the order. */
export const SEED_PATTERN = /^[0-9a-f]{64}$/;

interface Shape {
  readonly half: number;
  readonly mask: number;
}

function shape(n: number): Shape {
  if (!Number.isSafeInteger(n) || n < 1 || n > 2 ** 48) {
    throw new RangeError(`permutation size is ${n}. Fix: use a whole number from 1 to 2^48`);
  }
  let bits = 2;
  while (2 ** bits < n) bits += 2;
  const half = bits / 2;
  return { half, mask: 2 ** half - 1 };
}

function round(seed: string, r: number, right: number, mask: number): number {
  const digest = createHmac('sha256', seed).update(`${r}.${right}`).digest();
  // Up to 24 bits per half (domain up to 2^48): the modulo keeps the 32-bit word inside the half.
  return digest.readUInt32BE(0) % (mask + 1);
}

function checkSeed(seed: string): void {
  if (!SEED_PATTERN.test(seed)) throw new RangeError('seed is not 64 lower-case hex characters');
}

function encryptOnce(x: number, seed: string, s: Shape): number {
  const size = s.mask + 1;
  let left = Math.floor(x / size);
  let right = x % size;
  for (let r = 0; r < FEISTEL_ROUNDS; r++) {
    const next = (left + round(seed, r, right, s.mask)) % size;
    left = right;
    right = next;
  }
  return left * size + right;
}

function decryptOnce(y: number, seed: string, s: Shape): number {
  const size = s.mask + 1;
  let left = Math.floor(y / size);
  let right = y % size;
  for (let r = FEISTEL_ROUNDS - 1; r >= 0; r--) {
    const previous = (right - round(seed, r, left, s.mask) + size) % size;
    right = left;
    left = previous;
  }
  return left * size + right;
}

function checkIndex(i: number, n: number): void {
  if (!Number.isSafeInteger(i) || i < 0 || i >= n) {
    throw new RangeError(`index ${i} is outside [0, ${n})`);
  }
}

/** Position (0-based) in the draw of the person who arrived `index`-th (0-based) of `n`. */
export function permute(index: number, n: number, seed: string): number {
  checkSeed(seed);
  const s = shape(n);
  checkIndex(index, n);
  let y = encryptOnce(index, seed, s);
  while (y >= n) y = encryptOnce(y, seed, s);
  return y;
}

/** Inverse of `permute`: the arrival index that holds a draw position. */
export function unpermute(position: number, n: number, seed: string): number {
  checkSeed(seed);
  const s = shape(n);
  checkIndex(position, n);
  let x = decryptOnce(position, seed, s);
  while (x >= n) x = decryptOnce(x, seed, s);
  return x;
}
