import type { Assembly } from '../assembly';
import { bi, code, p, table, type Section } from '../model';

export interface CoverInfo {
  readonly assemblyDir: string;
  readonly commit: string;
  readonly generatedAt: string;
  /** Versions of the tools installed where the pack was generated (not recorded in the assembly). */
  readonly installed: Readonly<Record<string, string>>;
  readonly rulePacks: readonly string[];
  readonly configSource: string;
}

export function coverSection(assembly: Assembly, info: CoverInfo): Section {
  const regions = [...new Set(assembly.stacks.map((s) => s.region))].sort();
  const accounts = [...new Set(assembly.stacks.map((s) => s.account))];
  const lib = (name: string) => assembly.tree.libraryVersions.get(name)?.join(', ') ?? 'not recorded';
  return {
    id: 'cover',
    title: bi('Couverture', 'Cover'),
    blocks: [
      p(
        "Ce dossier de preuves est généré uniquement à partir de l'assemblage cloud produit par `cdk synth` : il montre ce que les modèles CloudFormation contiennent, pas ce qui tourne en production.",
        'This evidence pack is generated only from the cloud assembly written by `cdk synth`: it shows what the CloudFormation templates contain, not what runs in production.',
      ),
      {
        kind: 'facts',
        items: [
          {
            term: bi('Périmètre', 'Scope'),
            value: `${assembly.stacks.length} stacks in ${regions.length} Regions (${regions.join(', ')}); accounts: ${accounts.map((a) => (a === 'unknown-account' ? 'unresolved (offline synth)' : a)).join(', ')}`,
          },
          { term: bi('Assemblage', 'Assembly'), value: info.assemblyDir },
          { term: bi('Commit', 'Commit'), value: info.commit },
          { term: bi('Date de génération', 'Generated at'), value: info.generatedAt },
          { term: bi('aws-cdk-lib (enregistré)', 'aws-cdk-lib (recorded)'), value: lib('aws-cdk-lib') },
          { term: bi('constructs (enregistré)', 'constructs (recorded)'), value: lib('constructs') },
          { term: bi("Schéma d'assemblage", 'Assembly schema'), value: assembly.schemaVersion },
          {
            term: bi('CLI minimale exigée', 'Minimum CLI required'),
            value: assembly.minimumCliVersion ?? 'not recorded',
          },
          ...Object.entries(info.installed).map(([k, v]) => ({
            term: bi(`${k} (installé ici)`, `${k} (installed here)`),
            value: v,
          })),
          { term: bi('Jeux de règles vus', 'Rule packs seen'), value: info.rulePacks.join(', ') || 'none' },
          {
            term: bi('Configuration (capacité, objectifs)', 'Configuration (capacity, objectives)'),
            value: info.configSource,
          },
        ],
      },
    ],
  };
}

export function limitationsSection(): Section {
  const items = [
    bi(
      "Preuve au moment de la synthèse : les modèles disent ce qui serait déployé ; ils ne prouvent ni le comportement à l'exécution, ni l'absence de dérive après déploiement. Le dossier dit qu'une ressource est « alignée avec » un contrôle ; il n'atteste aucune conformité.",
      'Synth-time evidence: the templates say what would be deployed; they prove neither runtime behaviour nor the absence of drift after deployment. The pack says a resource is "aligned with" a control; it attests no conformity.',
    ),
    bi(
      "cdk-nag 3 n'enregistre ni les règles passées ni la sévérité des constats acceptés ; les règles désactivées pour toute l'application (par exemple disabledRules de cfn-guard) ne sont pas écrites dans l'assemblage.",
      'cdk-nag 3 records neither passed rules nor the severity of acknowledged findings; rules disabled app-wide (for example cfn-guard disabledRules) are not written to the assembly.',
    ),
    bi(
      'Les valeurs résolues au déploiement (Ref, GetAtt, secrets, compte) apparaissent sous forme de fonctions intrinsèques.',
      'Values resolved at deploy time (Ref, GetAtt, secrets, account) appear as intrinsic functions.',
    ),
    bi(
      "La vérification de capacité est une arithmétique sur les chiffres déclarés et les quotas déclarés ou publiés par AWS : ce n'est pas un test de charge, et les quotas appliqués au compte doivent être vérifiés dans Service Quotas.",
      'The capacity check is arithmetic on declared figures and on declared or AWS-published quotas: it is not a load test, and the quotas applied to the account must be checked in Service Quotas.',
    ),
    bi(
      'Les services mondiaux (CloudFront, WAF de portée CLOUDFRONT, Route 53) traitent les requêtes là où se trouvent les visiteurs ; le tableau de localisation dit où leurs journaux sont écrits.',
      'Global services (CloudFront, CLOUDFRONT-scope WAF, Route 53) process requests where the viewers are; the residency table says where their logs are written.',
    ),
    bi(
      "Le dossier ne lit que les fichiers listés dans SHA256SUMS ; vérifiez-les avec « sha256sum -c evidence/SHA256SUMS » depuis le dossier de l'assemblage.",
      'The pack reads only the files listed in SHA256SUMS; check them with "sha256sum -c evidence/SHA256SUMS" from the assembly directory.',
    ),
  ];
  return { id: 'limitations', title: bi('Limites', 'Limitations'), blocks: [{ kind: 'list', items }] };
}

export function integritySection(
  hashes: readonly { readonly file: string; readonly sha256: string }[],
): Section {
  return {
    id: 'integrity',
    title: bi('Intégrité des fichiers lus', 'Integrity of the files read'),
    blocks: [
      table(
        bi('Empreintes SHA-256 (identiques à SHA256SUMS)', 'SHA-256 digests (same as SHA256SUMS)'),
        [bi('Fichier', 'File'), bi('SHA-256', 'SHA-256')],
        hashes.map((h) => [code(h.file), code(h.sha256)]),
      ),
    ],
  };
}
