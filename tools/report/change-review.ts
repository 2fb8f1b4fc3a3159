import { fullDiff, ResourceImpact } from '@aws-cdk/cloudformation-diff';
import type { Assembly } from './assembly';
import { bi, code, p, status, table, type Section } from './model';

export interface ChangeRow {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly impact: string;
  readonly properties: readonly string[];
}

export interface ChangeReview {
  readonly baseline: string;
  readonly addedStacks: readonly string[];
  readonly removedStacks: readonly string[];
  /** Rows of cloudformation-diff's IAM statement summary, added statements first, per stack. */
  readonly iamBroadening: readonly { readonly stack: string; readonly row: readonly string[] }[];
  readonly iamHeader: readonly string[];
  readonly securityGroups: readonly { readonly stack: string; readonly row: readonly string[] }[];
  readonly securityGroupHeader: readonly string[];
  readonly replacements: readonly ChangeRow[];
  readonly removals: readonly ChangeRow[];
  readonly otherChanges: readonly ChangeRow[];
}

// The diff library colours its tables when it sees a terminal; the pack wants plain text.

const ANSI = /\u001b\[[0-9;]*m/g;
const plain = (s: string) => s.replace(ANSI, '');

/** Compare the current assembly with an approved one, stack by stack (matched by name). */
export function reviewChanges(baseline: Assembly, current: Assembly): ChangeReview {
  const before = new Map(baseline.stacks.map((s) => [s.name, s]));
  const after = new Map(current.stacks.map((s) => [s.name, s]));
  const review = {
    baseline: baseline.dir,
    addedStacks: [...after.keys()].filter((n) => !before.has(n)).sort(),
    removedStacks: [...before.keys()].filter((n) => !after.has(n)).sort(),
    iamBroadening: [] as { stack: string; row: string[] }[],
    iamHeader: [] as string[],
    securityGroups: [] as { stack: string; row: string[] }[],
    securityGroupHeader: [] as string[],
    replacements: [] as ChangeRow[],
    removals: [] as ChangeRow[],
    otherChanges: [] as ChangeRow[],
  };
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const name of names) {
    const diff = fullDiff(before.get(name)?.template ?? {}, after.get(name)?.template ?? {});
    if (diff.iamChanges.hasChanges) {
      const [header, ...rows] = diff.iamChanges.summarizeStatements().map((r) => r.map(plain));
      if (header && review.iamHeader.length === 0) review.iamHeader = header;
      // "+" rows add permissions: broadening. Removals follow so the reviewer sees both sides.
      const ordered = [...rows.filter((r) => r[0] === '+'), ...rows.filter((r) => r[0] !== '+')];
      for (const row of ordered) review.iamBroadening.push({ stack: name, row });
      const [, ...mpRows] = diff.iamChanges.summarizeManagedPolicies().map((r) => r.map(plain));
      for (const row of mpRows)
        review.iamBroadening.push({
          stack: name,
          row: [row[0] ?? '', `managed policy ${row.slice(1).join(' ')}`, '', '', '', ''],
        });
    }
    if (diff.securityGroupChanges.hasChanges) {
      const [header, ...rows] = diff.securityGroupChanges.summarize().map((r) => r.map(plain));
      if (header && review.securityGroupHeader.length === 0) review.securityGroupHeader = header;
      for (const row of rows) review.securityGroups.push({ stack: name, row });
    }
    diff.resources.forEachDifference((logicalId, change) => {
      const row: ChangeRow = {
        stack: name,
        logicalId,
        type: change.newResourceType ?? change.oldResourceType ?? 'unknown',
        impact: change.changeImpact,
        properties: Object.keys(change.propertyUpdates).sort(),
      };
      if (
        change.changeImpact === ResourceImpact.WILL_REPLACE ||
        change.changeImpact === ResourceImpact.MAY_REPLACE
      )
        review.replacements.push(row);
      else if (
        change.changeImpact === ResourceImpact.WILL_DESTROY ||
        change.changeImpact === ResourceImpact.WILL_ORPHAN
      )
        review.removals.push(row);
      else review.otherChanges.push(row);
    });
  }
  return review;
}

export function changesSection(review: ChangeReview | undefined): Section {
  const title = bi("Changements depuis l'assemblage approuvé", 'Changes since the approved assembly');
  if (!review) {
    return {
      id: 'changes',
      title,
      blocks: [
        p(
          "Aucun assemblage de référence n'a été donné (option --baseline <dossier>) : pas de revue des changements.",
          'No baseline assembly was given (--baseline <dir>): no change review.',
        ),
      ],
    };
  }
  const iamHeader = review.iamHeader.length
    ? review.iamHeader
    : ['', 'Resource', 'Effect', 'Action', 'Principal', 'Condition'];
  const sgHeader = review.securityGroupHeader.length
    ? review.securityGroupHeader
    : ['', 'Group', 'Dir', 'Protocol', 'Peer'];
  const rowOf = (c: ChangeRow) => [
    c.stack,
    code(c.logicalId),
    code(c.type),
    c.impact,
    c.properties.join(', ') || '—',
  ];
  const changeColumns = [
    bi('Pile', 'Stack'),
    bi('Id logique', 'Logical id'),
    bi('Type', 'Type'),
    bi('Effet', 'Impact'),
    bi('Propriétés', 'Properties'),
  ];
  return {
    id: 'changes',
    title,
    blocks: [
      p(
        `Référence : ${review.baseline}. Piles ajoutées : ${review.addedStacks.join(', ') || 'aucune'} ; retirées : ${review.removedStacks.join(', ') || 'aucune'}.`,
        `Baseline: ${review.baseline}. Stacks added: ${review.addedStacks.join(', ') || 'none'}; removed: ${review.removedStacks.join(', ') || 'none'}.`,
      ),
      table(
        bi(
          'Élargissements IAM (déclarations ajoutées en premier)',
          'IAM broadening (added statements first)',
        ),
        [bi('Pile', 'Stack'), ...iamHeader.map((h, i) => (i === 0 ? bi('±', '±') : bi(h, h)))],
        review.iamBroadening.map((r) => [
          r.stack,
          r.row[0] === '+' ? status('gap', '+') : (r.row[0] ?? ''),
          ...r.row.slice(1).map((c) => code(c)),
        ]),
        bi('Aucun changement IAM.', 'No IAM change.'),
      ),
      table(
        bi('Changements de groupes de sécurité', 'Security group changes'),
        [bi('Pile', 'Stack'), ...sgHeader.map((h, i) => (i === 0 ? bi('±', '±') : bi(h, h)))],
        review.securityGroups.map((r) => [
          r.stack,
          r.row[0] === '+' ? status('gap', '+') : (r.row[0] ?? ''),
          ...r.row.slice(1).map((c) => code(c)),
        ]),
        bi('Aucun changement de groupe de sécurité.', 'No security group change.'),
      ),
      table(
        bi('Remplacements de ressources', 'Resource replacements'),
        changeColumns,
        review.replacements.map(rowOf),
        bi('Aucun remplacement.', 'No replacement.'),
      ),
      table(
        bi('Suppressions de ressources', 'Resource removals'),
        changeColumns,
        review.removals.map(rowOf),
        bi('Aucune suppression.', 'No removal.'),
      ),
      table(
        bi('Autres changements', 'Other changes'),
        changeColumns,
        review.otherChanges.map(rowOf),
        bi('Aucun autre changement.', 'No other change.'),
      ),
    ],
  };
}
