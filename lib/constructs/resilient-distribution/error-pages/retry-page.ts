/** The two values the retry page shows; everything else in it is fixed text, French then English. */
export interface RetryPageContent {
  /** Service name shown in the title, e.g. "Prise de rendez-vous". */
  readonly serviceName: string;
  /** Seconds after which the page reloads itself and that it asks people to wait. */
  readonly retryAfterSeconds: number;
}

/** Escape text for HTML element content and attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The static "high demand, retry in a moment" page, French first then English. Self-contained
 * (no script, style inline, no external resource) so that it renders even when every origin is
 * down, and small enough to be cached at every edge location.
 */
export function retryPageHtml(content: RetryPageContent): string {
  const name = escapeHtml(content.serviceName);
  const seconds = Math.max(1, Math.round(content.retryAfterSeconds));
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${seconds}">
<meta name="robots" content="noindex">
<title>${name} : forte affluence / high demand</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#161616}
h1{font-size:1.5rem}section+section{border-top:1px solid #ddd;margin-top:2rem;padding-top:1rem}
</style>
</head>
<body>
<main>
<section lang="fr">
<h1>Forte affluence en ce moment</h1>
<p>Beaucoup de personnes utilisent ${name} en même temps. Rien ne s’est mal passé de votre côté&nbsp;: merci de patienter un instant.</p>
<p>Cette page se rechargera d’elle-même dans ${seconds}&nbsp;secondes. Inutile de recharger plus souvent&nbsp;: cela ne vous fera pas passer plus vite.</p>
</section>
<section lang="en">
<h1>High demand right now</h1>
<p>Many people are using ${name} at the same time. Nothing went wrong on your side: please wait a moment.</p>
<p>This page will reload by itself in ${seconds} seconds. Reloading more often will not get you through faster.</p>
</section>
</main>
</body>
</html>
`;
}
