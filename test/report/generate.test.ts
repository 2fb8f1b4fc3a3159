import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../lib/config';
import { generateEvidencePack, type GenerateResult } from '../../tools/report/generate';
import { patchedSmall, SMALL, tempDir } from './fixture';

const HOSTILE = '<script>alert("pwned")</script> | & \'quoted\'';

describe('generateEvidencePack on the small fixture', () => {
  const out = tempDir();
  // The assembly itself carries a hostile string: the pack must show it, escaped.
  const hostile = patchedSmall('Fix-Exports-eu-west-2.metadata.json', (m) => {
    m['/Fix-Exports-eu-west-2/Exports/Resource'][1].data['Annotation::AwsSolutions-S1'] = HOSTILE;
  });
  const baseline = patchedSmall('Fix-Api-eu-west-3.template.json', (t) => {
    t.Resources.WorkerPolicy.Properties.PolicyDocument.Statement[0].Action = 'dynamodb:GetItem';
  });
  const lines: string[] = [];
  let result: GenerateResult;
  let html = '';
  let md = '';

  beforeAll(() => {
    result = generateEvidencePack({
      assemblyDir: hostile.dir,
      outDir: out.dir,
      baselineDir: baseline.dir,
      config: loadConfig(),
      commit: 'abc1234',
      now: new Date('2027-01-10T09:00:00Z'),
      log: (l) => lines.push(l),
    });
    html = readFileSync(join(out.dir, 'index.html'), 'utf8');
    md = readFileSync(join(out.dir, 'evidence.md'), 'utf8');
  });

  afterAll(() => {
    out.dispose();
    hostile.dispose();
    baseline.dispose();
  });

  test('prints one progress line per stage', () => {
    expect(lines).toHaveLength(10);
    lines.forEach((l, i) => expect(l).toMatch(new RegExp(`^\\[report\\] ${i + 1}/10 [a-z]`)));
  });

  test('writes the page, the Markdown, the JSON, the checksums and the diagram sources', () => {
    for (const f of [
      'index.html',
      'evidence.md',
      'evidence.json',
      'SHA256SUMS',
      'architecture.svg',
      'architecture.dot',
      'architecture.mmd',
    ]) {
      expect(existsSync(join(out.dir, f))).toBe(true);
    }
  });

  test('SHA256SUMS holds the digest of every template and file read, in sha256sum format', () => {
    const sums = readFileSync(join(out.dir, 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(sums.filter((l) => l.endsWith('.template.json'))).toHaveLength(8);
    for (const line of sums) {
      const [digest, file] = line.split('  ');
      const expected = createHash('sha256')
        .update(readFileSync(join(hostile.dir, file ?? '')))
        .digest('hex');
      expect(digest).toBe(expected);
    }
    // The hostile copy differs from the fixture only in one metadata file.
    const original = createHash('sha256')
      .update(readFileSync(join(SMALL, 'Fix-Exports-eu-west-2.metadata.json')))
      .digest('hex');
    expect(sums).not.toContain(`${original}  Fix-Exports-eu-west-2.metadata.json`);
  });

  test('evidence.json carries every control result with its evidence, and the other sections', () => {
    const json = JSON.parse(readFileSync(join(out.dir, 'evidence.json'), 'utf8'));
    expect(json.schema).toBe('rempart-evidence/1');
    expect(json.commit).toBe('abc1234');
    expect(json.controls.length).toBe(
      result.json.controls instanceof Array ? (result.json.controls as unknown[]).length : -1,
    );
    expect(json.controls).toContainEqual(
      expect.objectContaining({
        control: 'LOCK.VAULT',
        status: 'gap',
        evidence: expect.objectContaining({
          template: 'Fix-Vault.template.json',
          logicalId: 'Offsite',
          propertyPath: 'Properties.LockConfiguration',
        }),
      }),
    );
    expect(json.findings).toEqual([expect.objectContaining({ ruleId: 'AwsSolutions-IAM5[Resource::*]' })]);
    expect(json.residency.outsideEea.map((r: { logicalId: string }) => r.logicalId).sort()).toEqual([
      'Exports',
      'FirewallLogs',
    ]);
    expect(json.capacity.fits).toBe(false);
    expect(json.changes.iamBroadening[0].row.slice(0, 4)).toEqual(['+', '*', 'Allow', 'dynamodb:*']);
  });

  test('every string from the assembly is escaped in the page', () => {
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; | &amp; &#39;quoted&#39;');
    expect(md).not.toContain('<script');
  });

  test('the page is self-contained: inline style and SVG, no script, no external reference', () => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="fr">/);
    expect(html).toContain('<style>');
    expect(html).toMatch(/<svg role="img" aria-label="[^"]+"/);
    expect(html).not.toMatch(/<(script|link|iframe|img|object|embed)\b/i);
    expect(html).not.toMatch(/\b(src|href|xlink:href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(|@import|<!DOCTYPE svg/i);
    expect(html).toContain('@media print');
  });

  test('HTML and Markdown carry the same sections and tables', () => {
    const htmlSections = [...html.matchAll(/<h2 id="([^"]+)-h">/g)].map((m) => m[1]);
    const mdSections = [...md.matchAll(/^<a id="([^"]+)"><\/a>$/gm)].map((m) => m[1]);
    expect(htmlSections).toEqual([
      'cover',
      'summary',
      'architecture',
      'inventory',
      'residency',
      'controls',
      'findings',
      'resilience',
      'capacity',
      'changes',
      'limitations',
      'integrity',
    ]);
    expect(mdSections).toEqual(htmlSections);
    expect((md.match(/^\| --- /gm) ?? []).length).toBe((html.match(/<table>/g) ?? []).length);
    expect(md).toContain('```mermaid\nflowchart LR');
  });

  test('says "aligned with", never claims conformity', () => {
    expect(html).toContain('aligned with');
    expect(html).not.toMatch(/\bcompliant\b/i);
  });
});
