import { bi, table, type Document } from '../../tools/report/model';
import { escapeHtml, renderHtml } from '../../tools/report/render/html';
import { renderMarkdown } from '../../tools/report/render/markdown';
import { inlineSvg, renderDot } from '../../tools/report/render/svg';

const doc: Document = {
  title: bi('Titre', 'Title'),
  sections: [
    {
      id: 's1',
      title: bi('Section', 'Section'),
      blocks: [
        table(
          bi('Légende', 'Caption'),
          [bi('Colonne', 'Column'), bi('Statut', 'Status')],
          [['a|b\nc <i>', { status: 'gap', note: '2 ack.' }]],
        ),
        table(bi('Vide', 'Empty'), [bi('X', 'X')], [], bi('Rien.', 'Nothing.')),
      ],
      subsections: [
        { id: 's1-a', title: bi('Sous', 'Sub'), blocks: [{ kind: 'list', items: ['<b>x</b>'] }] },
      ],
    },
  ],
};

describe('HTML writer', () => {
  const html = renderHtml(doc);

  test('escapes every character that could open markup or an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(html).toContain('a|b\nc &lt;i&gt;');
    expect(html).toContain('<li>&lt;b&gt;x&lt;/b&gt;</li>');
  });

  test('bilingual headings with lang attributes, captions, column headers and statuses in words', () => {
    expect(html).toContain('<h2 id="s1-h"><span lang="fr">Section</span>');
    expect(html).toContain('<h3 id="s1-a-h">');
    expect(html).toMatch(
      /<caption id="t1"><span lang="fr">Légende<\/span>.*<span lang="en" class="en">Caption<\/span><\/caption>/,
    );
    expect(html).toContain('<th scope="col">');
    expect(html).toContain(
      '<span class="st st-gap">▲ <span lang="fr">écart</span> / <span lang="en">gap</span> <span class="note">(2 ack.)</span></span>',
    );
    expect(html).toContain('Rien.');
  });
});

describe('Markdown writer', () => {
  test('keeps table cells on one line and escapes pipes and markup', () => {
    const md = renderMarkdown(doc, { svgFile: 'architecture.svg' });
    expect(md).toContain('| a\\|b<br>c &lt;i> | ▲ **écart / gap** (2 ack.) |');
    expect(md).toContain('**Vide / Empty** — Rien. / Nothing.');
    expect(md).toContain('### Sous / Sub');
  });
});

describe('SVG', () => {
  test('inlineSvg drops the prolog, the DOCTYPE, comments, namespaces and the fixed size', () => {
    const raw = `<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<!-- g -->\n<svg width="95pt" height="245pt" viewBox="0 0 95 245" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><g/></svg>`;
    expect(inlineSvg(raw)).toBe('<svg viewBox="0 0 95 245"><g/></svg>');
  });

  test('renderDot lays out a graph offline with the WebAssembly Graphviz', () => {
    const svg = renderDot('digraph { subgraph cluster_r { label="eu-west-3"; a -> b } }');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('eu&#45;west&#45;3');
    expect(svg).not.toContain('http://');
  });

  test('a DOT syntax error is reported with the fix', () => {
    expect(() => renderDot('digraph { a -> }')).toThrow(/the Graphviz renderer failed/);
  });
});
