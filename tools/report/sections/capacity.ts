import type { CapacityReport, Layer } from '../capacity/check';
import { bi, code, fmt, p, ratio, status, table, type Block, type Cell, type Section } from '../model';

function layerRow(l: Layer): Cell[] {
  return [
    l.workload,
    l.region,
    `${l.title.fr} / ${l.title.en}`,
    `${fmt(l.demand, 1)} ${l.unit}`,
    l.configured
      ? code(
          `${fmt(l.configured.value, 1)} · ${l.configured.evidence.template} · ${l.configured.evidence.logicalId} · ${l.configured.evidence.propertyPath}`,
        )
      : '—',
    l.quota ? `${fmt(l.quota.value)} (${l.quota.name})` : '—',
    l.headroom === undefined ? '—' : ratio(l.headroom),
    status(l.status, l.status === 'info' ? undefined : `≥ ${l.required}×`),
    [l.basis, l.note].filter(Boolean).join('; '),
  ];
}

const LAYER_COLUMNS = [
  bi('Charge', 'Workload'),
  bi('Région', 'Region'),
  bi('Couche', 'Layer'),
  bi('Demande', 'Demand'),
  bi('Configuré (preuve)', 'Configured (evidence)'),
  bi('Quota du compte', 'Account quota'),
  bi('Marge', 'Headroom'),
  bi('Statut (marge exigée)', 'Status (required headroom)'),
  bi('Calcul', 'Basis'),
];

export function capacitySection(report: CapacityReport | undefined, problem?: string): Section {
  if (!report) {
    return {
      id: 'capacity',
      title: bi('Vérification de capacité', 'Capacity check'),
      blocks: [
        p(`Non calculée : ${problem ?? 'aucun profil'}.`, `Not computed: ${problem ?? 'no profile'}.`),
      ],
    };
  }
  const first = report.firstToSaturate;
  const firstOpening = report.firstToSaturateAtOpening;
  const blocks: Block[] = [
    report.fits
      ? p(
          `Le profil déclaré tient : chaque couche que Rempart configure garde au moins ${report.requiredHeadroom}× de marge au pic.`,
          `The declared profile fits: every layer Rempart configures keeps at least ${report.requiredHeadroom}× headroom at the peak.`,
        )
      : p(
          `Le profil déclaré ne tient pas avec ${report.requiredHeadroom}× de marge sur ${report.failing.length} couche(s) que Rempart configure : ${report.failing.map((l) => `${l.workload} ${l.title.fr} (${l.region}, ${ratio(l.headroom ?? 0)})`).join(' ; ')}.`,
          `The declared profile does not fit with ${report.requiredHeadroom}× headroom on ${report.failing.length} layer(s) Rempart configures: ${report.failing.map((l) => `${l.workload} ${l.title.en} (${l.region}, ${ratio(l.headroom ?? 0)})`).join('; ')}.`,
        ),
  ];
  if (first) {
    blocks.push(
      p(
        `Première couche à saturer au pic : ${first.workload} ${first.title.fr} (${first.region}), marge ${ratio(first.headroom ?? 0)}.`,
        `First layer to saturate at the peak: ${first.workload} ${first.title.en} (${first.region}), headroom ${ratio(first.headroom ?? 0)}.`,
      ),
    );
  }
  if (firstOpening) {
    blocks.push(
      p(
        `Pendant les premières minutes (cache froid) : ${firstOpening.workload} ${firstOpening.title.fr} (${firstOpening.region}), marge ${ratio(firstOpening.headroom ?? 0)}.`,
        `During the opening minutes (cold cache): ${firstOpening.workload} ${firstOpening.title.en} (${firstOpening.region}), headroom ${ratio(firstOpening.headroom ?? 0)}.`,
      ),
    );
  }
  blocks.push(
    p(
      "Chaque Région d'application est supposée porter tout l'afflux : les groupes d'origines envoient toutes les lectures à l'origine principale, le routage par latence envoie une foule nationale vers la Région la plus proche, et après la perte d'une Région l'autre porte tout.",
      'Each application Region is assumed to carry the whole surge: origin groups send every read to their primary, latency routing sends a national crowd to its nearest Region, and after a Region loss the other carries everything.',
    ),
    table(
      bi('Chiffres tirés du profil déclaré', 'Figures from the declared profile'),
      [bi('Charge', 'Workload'), bi('Grandeur', 'Figure'), bi('Valeur', 'Value')],
      report.figures.map((f) => [f.workload, f.name, `${fmt(f.value, 1)} ${f.unit}`]),
    ),
    table(
      bi('Couches au pic déclaré', 'Layers at the declared peak'),
      LAYER_COLUMNS,
      report.layers.filter((l) => l.scenario === 'peak').map(layerRow),
    ),
    table(
      bi(
        'Couches pendant les premières minutes (cache froid)',
        'Layers during the opening minutes (cold cache)',
      ),
      LAYER_COLUMNS,
      report.layers.filter((l) => l.scenario === 'opening').map(layerRow),
      bi('Aucune couche propre à l’ouverture.', 'No opening-specific layer.'),
    ),
    table(
      bi(
        'Augmentations de quota à demander avant l’ouverture, Région par Région (y compris la bascule)',
        'Quota increases to request before the opening, Region by Region (failover included)',
      ),
      [
        bi('Région', 'Region'),
        bi('Quota', 'Quota'),
        bi('Actuel', 'Current'),
        bi('Nécessaire', 'Needed'),
        bi('Pourquoi', 'Why'),
        bi('Source', 'Source'),
      ],
      report.quotaRequests.map((r) => [
        r.region,
        r.quota,
        Number.isNaN(r.current) ? 'undeclared' : fmt(r.current),
        fmt(r.needed),
        r.reason,
        r.source,
      ]),
      bi('Aucune augmentation nécessaire.', 'No increase needed.'),
    ),
  );
  if (report.notes.length > 0) blocks.push({ kind: 'list', items: report.notes });
  return { id: 'capacity', title: bi('Vérification de capacité', 'Capacity check'), blocks };
}
