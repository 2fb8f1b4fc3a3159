import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ADMISSION_ENTER_PATH,
  ADMISSION_JOIN_PATH,
  NOSCRIPT_REFRESH_SECONDS,
  WAITING_NEXT_PARAM,
  WAITING_PAGE_PATH,
  WAITING_PAGE_PREFIX,
} from '../../contract';

/**
 * What the no-JavaScript view shows, rendered by the admission origin at `ADMISSION_POSITION_PATH`
 * for the ticket in the ticket cookie. Without a view, the page is the static shell that the script
 * brings to life.
 */
export interface WaitingPageView {
  readonly ticketId: string;
  /** null until the opening draw (or while the join is queued). */
  readonly position: number | null;
  readonly nowServing: number;
  /** Minutes, from `estimatedWaitMinutes`; null when the pace is unknown. */
  readonly waitMinutes: number | null;
  /** `position <= nowServing`: show the button that redeems the ticket. */
  readonly served: boolean;
  /** Opening time (epoch seconds), shown while `position` is null. */
  readonly opensAt: number;
}

const STYLE_PATH = `${WAITING_PAGE_PREFIX}waiting.css`;
const SCRIPT_PATH = `${WAITING_PAGE_PREFIX}waiting.js`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const number = (n: number, lang: 'fr' | 'en') => n.toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB');
const time = (epochSeconds: number, lang: 'fr' | 'en') =>
  new Date(epochSeconds * 1000).toLocaleTimeString(lang === 'fr' ? 'fr-FR' : 'en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/Paris',
  });

/** Texts of both languages; the script carries the same wording for its live updates. */
function slots(view: WaitingPageView | undefined, lang: 'fr' | 'en') {
  const fr = lang === 'fr';
  if (!view) return { position: '—', ahead: '—', wait: '—' };
  if (view.position === null) {
    const opens = time(view.opensAt, lang);
    return {
      position: fr ? `attribué à l’ouverture (${opens})` : `given at the opening (${opens})`,
      ahead: '—',
      wait: '—',
    };
  }
  const ahead = Math.max(0, view.position - view.nowServing);
  const wait =
    view.served || ahead === 0
      ? fr
        ? 'c’est votre tour'
        : 'it is your turn'
      : view.waitMinutes === null
        ? fr
          ? 'inconnue pour le moment'
          : 'not known yet'
        : fr
          ? `environ ${number(view.waitMinutes, lang)} min`
          : `about ${number(view.waitMinutes, lang)} min`;
  return { position: number(view.position, lang), ahead: number(ahead, lang), wait };
}

function statusList(view: WaitingPageView | undefined, lang: 'fr' | 'en'): string {
  const s = slots(view, lang);
  const [position, ahead, wait] =
    lang === 'fr'
      ? ['Votre numéro', 'Personnes devant vous', 'Attente estimée']
      : ['Your number', 'People ahead of you', 'Estimated wait'];
  return `<dl class="status">
<div><dt>${position}</dt><dd data-slot="position">${escapeHtml(s.position)}</dd></div>
<div><dt>${ahead}</dt><dd data-slot="ahead">${escapeHtml(s.ahead)}</dd></div>
<div><dt>${wait}</dt><dd data-slot="wait">${escapeHtml(s.wait)}</dd></div>
</dl>`;
}

/**
 * The waiting page, French first then English. Static (no inline script or style, so the site's
 * `default-src 'self'` policy holds); without JavaScript the `<noscript>` refresh reloads it every
 * `NOSCRIPT_REFRESH_SECONDS`; with JavaScript, waiting.js joins, polls and redeems by itself.
 */
export function waitingPageHtml(view?: WaitingPageView): string {
  const ticket = view ? escapeHtml(view.ticketId) : '';
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<noscript><meta http-equiv="refresh" content="${NOSCRIPT_REFRESH_SECONDS}"></noscript>
<meta name="robots" content="noindex">
<title>File d’attente – Waiting room</title>
<link rel="stylesheet" href="${STYLE_PATH}">
<script src="${SCRIPT_PATH}" defer></script>
</head>
<body>
<main${ticket ? ` data-ticket="${ticket}"` : ''}>
<section class="language" aria-labelledby="title-fr">
<h1 id="title-fr">Salle d’attente</h1>
<p>Beaucoup de personnes veulent réserver en même temps. Chacune reçoit un numéro&nbsp;; les personnes arrivées avant l’ouverture sont tirées au sort, les suivantes passent dans l’ordre d’arrivée.</p>
<p>Gardez cette page ouverte&nbsp;: elle se met à jour toute seule et vous fera entrer à votre tour. La recharger ne vous fera pas passer plus vite.</p>
${statusList(view, 'fr')}
</section>
<section class="language" lang="en" aria-labelledby="title-en">
<h2 id="title-en">Waiting room</h2>
<p>Many people want to book at the same time. Everyone gets a number; people who arrived before the opening are drawn at random, later arrivals go in order of arrival.</p>
<p>Keep this page open: it updates by itself and lets you in when it is your turn. Reloading it will not get you through faster.</p>
${statusList(view, 'en')}
</section>
<p id="announce" class="visually-hidden" role="status"></p>
<form method="post" action="${ADMISSION_JOIN_PATH}" data-form="join"${view ? ' hidden' : ''}>
<button type="submit">Rejoindre la file – <span lang="en">Join the queue</span></button>
</form>
<form method="post" action="${ADMISSION_ENTER_PATH}" data-form="enter"${view?.served ? '' : ' hidden'}>
<input type="hidden" name="${WAITING_NEXT_PARAM}" value="/">
<button type="submit">C’est votre tour&nbsp;: continuer – <span lang="en">It is your turn: continue</span></button>
</form>
<noscript><p class="note">Sans JavaScript, cette page se recharge toutes les ${NOSCRIPT_REFRESH_SECONDS}&nbsp;secondes. – <span lang="en">Without JavaScript, this page reloads every ${NOSCRIPT_REFRESH_SECONDS} seconds.</span></p></noscript>
</main>
</body>
</html>
`;
}

/** One object of the static waiting page folder, for the bucket that serves it. */
export interface WaitingPageObject {
  /** S3 key, without the leading "/". */
  readonly key: string;
  readonly body: string;
  readonly contentType: string;
  readonly cacheControl: string;
}

/**
 * The static folder: the shell page and its script and style. Short cache on the page (its script
 * URL does not change), five minutes on the assets: a fix reaches everyone within minutes.
 */
export function waitingPageObjects(): WaitingPageObject[] {
  const read = (name: string) => readFileSync(path.join(__dirname, name), 'utf8');
  return [
    {
      key: WAITING_PAGE_PATH.slice(1),
      body: waitingPageHtml(),
      contentType: 'text/html; charset=utf-8',
      cacheControl: 'public, max-age=60',
    },
    {
      key: SCRIPT_PATH.slice(1),
      body: read('waiting.js'),
      contentType: 'text/javascript; charset=utf-8',
      cacheControl: 'public, max-age=300',
    },
    {
      key: STYLE_PATH.slice(1),
      body: read('waiting.css'),
      contentType: 'text/css; charset=utf-8',
      cacheControl: 'public, max-age=300',
    },
  ];
}
