import {
  ATTENTION,
  STATUS_LABEL,
  type Bi,
  type Block,
  type Cell,
  type Document,
  type Section,
} from '../model';

/** Every string that reaches the page goes through here: template values are untrusted text. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const e = escapeHtml;

function biInline(b: Bi): string {
  return `<span lang="fr">${e(b.fr)}</span><span class="sep" aria-hidden="true"> · </span><span lang="en" class="en">${e(b.en)}</span>`;
}

function biPlain(b: Bi): string {
  return `${b.fr} / ${b.en}`;
}

function cell(c: Cell): string {
  if (typeof c === 'string') return e(c);
  if (typeof c === 'number') return e(c.toLocaleString('en-US'));
  if ('status' in c) {
    const label = STATUS_LABEL[c.status];
    const mark = ATTENTION.has(c.status) ? '▲ ' : c.status === 'aligned' || c.status === 'fits' ? '✓ ' : '';
    return `<span class="st st-${c.status}">${mark}<span lang="fr">${e(label.fr)}</span> / <span lang="en">${e(label.en)}</span>${c.note ? ` <span class="note">(${e(c.note)})</span>` : ''}</span>`;
  }
  return c.code ? `<code>${e(c.text)}</code>` : e(c.text);
}

function block(b: Block, ids: { next: number }): string {
  switch (b.kind) {
    case 'p':
      return `<p lang="fr">${e(b.text.fr)}</p>\n<p lang="en" class="en">${e(b.text.en)}</p>`;
    case 'raw':
      return `<p>${e(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => (typeof i === 'string' ? `<li>${e(i)}</li>` : `<li><span lang="fr">${e(i.fr)}</span><br><span lang="en" class="en">${e(i.en)}</span></li>`)).join('')}</ul>`;
    case 'facts':
      return `<dl class="facts">${b.items.map((i) => `<dt>${biInline(i.term)}</dt><dd>${e(i.value)}</dd>`).join('')}</dl>`;
    case 'svg':
      // Scrollable boxes take keyboard focus so that keyboard users can scroll them too.
      return `<figure class="diagram"><div class="svg-wrap" tabindex="0" role="region" aria-label="${e(biPlain(b.title))}">${b.svg.replace('<svg', `<svg role="img" aria-label="${e(biPlain(b.title))}"`)}</div><figcaption>${biInline(b.title)}</figcaption></figure>`;
    case 'mermaid':
      return `<figure class="mermaid"><figcaption>${biInline(b.title)}</figcaption><pre tabindex="0" aria-label="${e(biPlain(b.title))}"><code>${e(b.text)}</code></pre></figure>`;
    case 'table': {
      const id = `t${++ids.next}`;
      if (b.rows.length === 0 && b.empty) {
        return `<p class="empty"><strong>${biInline(b.caption)}</strong> — ${biInline(b.empty)}</p>`;
      }
      const head = b.columns.map((c) => `<th scope="col">${biInline(c)}</th>`).join('');
      const rows = b.rows.map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`).join('\n');
      return `<div class="table-wrap" role="region" aria-labelledby="${id}" tabindex="0"><table><caption id="${id}">${biInline(b.caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table></div>`;
    }
  }
}

function section(s: Section, level: number, ids: { next: number }): string {
  const h = `h${Math.min(level, 6)}`;
  const body = s.blocks.map((b) => block(b, ids)).join('\n');
  const subs = (s.subsections ?? []).map((x) => section(x, level + 1, ids)).join('\n');
  return `<section id="${e(s.id)}" class="level${level}" aria-labelledby="${e(s.id)}-h"><${h} id="${e(s.id)}-h">${biInline(s.title)}</${h}>\n${body}\n${subs}</section>`;
}

/** A self-contained page: inline CSS and SVG, no script, no external reference. */
export function renderHtml(doc: Document): string {
  const ids = { next: 0 };
  const toc = doc.sections.map((s) => `<li><a href="#${e(s.id)}">${biInline(s.title)}</a></li>`).join('');
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Rempart evidence pack">
<title>${e(biPlain(doc.title))}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${biInline(doc.title)}</h1></header>
<nav aria-label="Sommaire / Contents"><ol>${toc}</ol></nav>
<main>
${doc.sections.map((s) => section(s, 2, ids)).join('\n')}
</main>
</body>
</html>
`;
}

const CSS = `
:root { color-scheme: light; --ink: #1a1f24; --muted: #4a5560; --line: #c9d1d9; --band: #f3f6f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
header { padding: 1.2rem 2rem; background: #12324a; color: #fff; }
header h1 { margin: 0; font-size: 1.6rem; }
header h1 .en, header h1 .sep { color: #d7e6f2; }
nav { padding: .6rem 2rem; border-bottom: 1px solid var(--line); background: var(--band); }
nav ol { margin: 0; padding-left: 1.2rem; columns: 2; }
nav a { color: #0b4f82; }
main { padding: 0 2rem 3rem; max-width: 1500px; }
section.level2 { border-top: 2px solid #12324a; margin-top: 2rem; }
h2 { font-size: 1.35rem; margin: 1rem 0 .5rem; }
h3 { font-size: 1.1rem; margin: 1.2rem 0 .4rem; }
h4 { font-size: 1rem; }
.en { color: var(--muted); }
h2 .en, h3 .en, caption .en, th .en { color: #3d4852; }
p { margin: .35rem 0; max-width: 110ch; }
p.en { margin-top: 0; font-style: italic; }
.table-wrap { overflow-x: auto; margin: .6rem 0 1rem; border: 1px solid var(--line); border-radius: 4px; }
.table-wrap:focus { outline: 2px solid #0b4f82; }
table { border-collapse: collapse; width: 100%; font-size: .82rem; }
caption { text-align: left; font-weight: 600; padding: .45rem .6rem; background: var(--band); }
th, td { border-top: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #e6ecf1; font-weight: 600; }
tbody tr:nth-child(even) { background: #fafbfc; }
code { font: .78rem/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
td code { white-space: normal; }
.st { display: inline-block; padding: 0 .35rem; border-radius: 3px; font-weight: 600; white-space: nowrap; }
.st .note { font-weight: 400; }
.st-aligned, .st-fits { background: #e3f4e6; color: #14532d; }
.st-gap, .st-open, .st-saturates { background: #fde2e1; color: #7f1d1d; }
.st-tight { background: #fff1d6; color: #5c3b00; }
.st-info { background: #e8eef5; color: #1f3a5a; }
.st-acknowledged { background: #efe7f7; color: #3f2466; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
figure { margin: 1rem 0; }
figure.diagram .svg-wrap { overflow: auto; border: 1px solid var(--line); border-radius: 4px; padding: .5rem; background: #fff; }
figure.diagram svg { max-width: 100%; height: auto; }
figcaption { font-weight: 600; margin: .3rem 0; }
pre { background: var(--band); border: 1px solid var(--line); padding: .6rem; overflow: auto; max-height: 28rem; }
p.empty { color: var(--ink); }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { font-size: 10pt; }
  header { background: none; color: #000; padding: 0 0 .5rem; border-bottom: 2px solid #000; }
  header h1 .en, header h1 .sep { color: #333; }
  nav { display: none; }
  main { padding: 0; max-width: none; }
  section.level2 { break-before: page; border-top: none; }
  section.level2:first-of-type { break-before: auto; }
  h2, h3, caption { break-after: avoid; }
  .table-wrap { overflow: visible; border: none; }
  table { font-size: 7.5pt; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  figure.diagram .svg-wrap { overflow: visible; border: none; }
  pre { max-height: none; white-space: pre-wrap; font-size: 6.5pt; }
  .st { border: 1px solid currentColor; }
}
`;
