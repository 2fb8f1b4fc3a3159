import {
  ATTENTION,
  STATUS_LABEL,
  type Bi,
  type Block,
  type Cell,
  type Document,
  type Section,
} from '../model';

/** Markdown table cells cannot hold a pipe or a newline. */
function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/</g, '&lt;').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

function escapeText(text: string): string {
  return text.replace(/</g, '&lt;');
}

function codeSpan(text: string): string {
  const ticks = text.includes('`') ? '``' : '`';
  return `${ticks}${text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}${ticks}`;
}

const bi = (b: Bi) => `${b.fr} / ${b.en}`;

function cell(c: Cell): string {
  if (typeof c === 'string') return escapeCell(c);
  if (typeof c === 'number') return c.toLocaleString('en-US');
  if ('status' in c) {
    const label = STATUS_LABEL[c.status];
    const mark = ATTENTION.has(c.status) ? '▲ ' : c.status === 'aligned' || c.status === 'fits' ? '✓ ' : '';
    return `${mark}**${label.fr} / ${label.en}**${c.note ? ` (${escapeCell(c.note)})` : ''}`;
  }
  return c.code ? codeSpan(c.text) : escapeCell(c.text);
}

function block(b: Block, assets: { svgFile: string }): string {
  switch (b.kind) {
    case 'p':
      return `${escapeText(b.text.fr)}\n\n*${escapeText(b.text.en)}*`;
    case 'raw':
      return escapeText(b.text);
    case 'list':
      return b.items
        .map((i) =>
          typeof i === 'string' ? `- ${escapeText(i)}` : `- ${escapeText(i.fr)}<br>*${escapeText(i.en)}*`,
        )
        .join('\n');
    case 'facts':
      return b.items.map((i) => `- **${bi(i.term)}**: ${escapeText(i.value)}`).join('\n');
    case 'svg':
      return `![${bi(b.title)}](${assets.svgFile})`;
    case 'mermaid':
      return `**${bi(b.title)}**\n\n\`\`\`mermaid\n${b.text}\n\`\`\``;
    case 'table': {
      if (b.rows.length === 0 && b.empty) return `**${bi(b.caption)}** — ${bi(b.empty)}`;
      const head = `| ${b.columns.map((c) => escapeCell(bi(c))).join(' | ')} |`;
      const sep = `| ${b.columns.map(() => '---').join(' | ')} |`;
      const rows = b.rows.map((r) => `| ${r.map(cell).join(' | ')} |`);
      return [`**${bi(b.caption)}**`, '', head, sep, ...rows].join('\n');
    }
  }
}

function section(s: Section, level: number, assets: { svgFile: string }): string {
  const parts = [
    `${'#'.repeat(Math.min(level, 6))} ${bi(s.title)}`,
    ...s.blocks.map((b) => block(b, assets)),
  ];
  for (const sub of s.subsections ?? []) parts.push(section(sub, level + 1, assets));
  return parts.join('\n\n');
}

export function renderMarkdown(doc: Document, assets: { svgFile: string }): string {
  const toc = doc.sections.map((s) => `- [${bi(s.title)}](#${s.id})`).join('\n');
  return `# ${bi(doc.title)}\n\n${toc}\n\n${doc.sections.map((s) => `<a id="${s.id}"></a>\n\n${section(s, 2, assets)}`).join('\n\n')}\n`;
}
