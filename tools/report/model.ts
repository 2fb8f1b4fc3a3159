/**
 * The evidence pack as data: sections of blocks that the HTML and Markdown writers render the same
 * way, so both carry the same content. Text the generator writes is bilingual; values read from the
 * assembly are shown as they are.
 */

/** French first (the pack's audience), English second. */
export interface Bi {
  readonly fr: string;
  readonly en: string;
}

export function bi(fr: string, en: string): Bi {
  return { fr, en };
}

/**
 * A control or layer outcome. Words matter: "aligned" means the templates contain the mechanism
 * (never "compliant": this is synth-time evidence).
 */
export type Status = 'aligned' | 'gap' | 'info' | 'open' | 'acknowledged' | 'fits' | 'tight' | 'saturates';

export const STATUS_LABEL: Readonly<Record<Status, Bi>> = {
  aligned: bi('aligné', 'aligned'),
  gap: bi('écart', 'gap'),
  info: bi('information', 'information'),
  open: bi('ouvert', 'open'),
  acknowledged: bi('accepté', 'acknowledged'),
  fits: bi('tient', 'fits'),
  tight: bi('marge insuffisante', 'below required headroom'),
  saturates: bi('sature', 'saturates'),
};

/** Statuses an auditor must look at first (rendered with a visible marker, not colour alone). */
export const ATTENTION: ReadonlySet<Status> = new Set<Status>(['gap', 'open', 'tight', 'saturates']);

export type Cell =
  | string
  | number
  | { readonly text: string; readonly code?: boolean }
  | { readonly status: Status; readonly note?: string };

export interface Table {
  readonly kind: 'table';
  readonly caption: Bi;
  readonly columns: readonly Bi[];
  readonly rows: readonly (readonly Cell[])[];
  /** Said instead of an empty table. */
  readonly empty?: Bi;
}

export type Block =
  | { readonly kind: 'p'; readonly text: Bi }
  /** A paragraph of values read from the assembly (not translated). */
  | { readonly kind: 'raw'; readonly text: string }
  | Table
  | { readonly kind: 'list'; readonly items: readonly (Bi | string)[] }
  | { readonly kind: 'facts'; readonly items: readonly { readonly term: Bi; readonly value: string }[] }
  | { readonly kind: 'svg'; readonly svg: string; readonly title: Bi }
  | { readonly kind: 'mermaid'; readonly text: string; readonly title: Bi };

export interface Section {
  readonly id: string;
  readonly title: Bi;
  readonly blocks: readonly Block[];
  readonly subsections?: readonly Section[];
}

export interface Document {
  readonly title: Bi;
  readonly sections: readonly Section[];
}

export function table(
  caption: Bi,
  columns: readonly Bi[],
  rows: readonly (readonly Cell[])[],
  empty?: Bi,
): Table {
  return { kind: 'table', caption, columns, rows, empty };
}

export function p(fr: string, en: string): Block {
  return { kind: 'p', text: bi(fr, en) };
}

export function code(text: string): Cell {
  return { text, code: true };
}

export function status(s: Status, note?: string): Cell {
  return { status: s, note };
}

/** Number formatting shared by every writer (thin spaces would break Markdown tables; use commas). */
export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '—';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function ratio(n: number): string {
  if (!Number.isFinite(n)) return '∞';
  return `${n.toFixed(2)}×`;
}
