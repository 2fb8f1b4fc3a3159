// Waiting page enhancement: join, poll the shared status with a delay that grows with the distance to
// the front (plus jitter, so that a crowd does not poll in step), and redeem the ticket when served.
// Endpoints and shapes: lib/constructs/admission-control/contract.ts.
(function (root) {
  'use strict';

  var PATHS = {
    join: '/admission/join',
    status: '/admission/status',
    ticket: '/admission/ticket/',
    enter: '/admission/enter',
  };
  var STORAGE_KEY = 'rempart-waiting-ticket';
  // Polls are answered by the edge cache (status cached 2 s), so the floor protects the viewer's
  // battery more than the origin; the ceiling keeps a far-back person informed every two minutes.
  var MIN_DELAY_MS = 2000;
  var MAX_DELAY_MS = 120000;

  /**
   * Delay before the next status poll: a quarter of the expected wait (or of the time to the
   * opening), between 2 s and 2 min, then ±25 % jitter. `random` is in [0, 1).
   */
  function nextPollDelayMs(input, random) {
    var expectedMs;
    if (input.ahead === null) {
      expectedMs = Math.max(0, input.secondsToOpening) * 1000;
    } else if (input.admittedPerMinute > 0) {
      expectedMs = (input.ahead / input.admittedPerMinute) * 60000;
    } else {
      expectedMs = MAX_DELAY_MS * 4;
    }
    var base = Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, expectedMs / 4));
    return Math.round(base * (0.75 + 0.5 * random));
  }

  /** After failures: exponential from 2 s, capped at 2 min, with full jitter between half and all of it. */
  function errorDelayMs(failures, random) {
    var base = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * Math.pow(2, Math.max(0, failures - 1)));
    return Math.round(base * (0.5 + 0.5 * random));
  }

  /** Only same-site paths, never "//host" (open redirect). */
  function safeNext(next) {
    return typeof next === 'string' && /^\/(?![/\\])\S*$/.test(next) ? next : '/';
  }

  var TEXT = {
    fr: {
      locale: 'fr-FR',
      pending: function (opens) {
        return 'attribué à l’ouverture (' + opens + ')';
      },
      turn: 'c’est votre tour',
      unknown: 'inconnue pour le moment',
      minutes: function (n) {
        return 'environ ' + n + ' min';
      },
      announce: function (wait) {
        return 'Attente estimée : ' + wait + '.';
      },
    },
    en: {
      locale: 'en-GB',
      pending: function (opens) {
        return 'given at the opening (' + opens + ')';
      },
      turn: 'it is your turn',
      unknown: 'not known yet',
      minutes: function (n) {
        return 'about ' + n + ' min';
      },
      announce: function (wait) {
        return 'Estimated wait: ' + wait + '.';
      },
    },
  };

  var api = {
    nextPollDelayMs: nextPollDelayMs,
    errorDelayMs: errorDelayMs,
    safeNext: safeNext,
    state: { polls: 0, position: null, lastAnnounce: '' },
  };
  root.RempartWaiting = api;
  if (!root.document) return;

  var document = root.document;
  // Tests replace the scheduler to step through polls by count rather than by wall-clock time.
  var schedule =
    root.RempartWaitingScheduler ||
    function (fn, ms) {
      root.setTimeout(fn, ms);
    };
  var nextPath = safeNext(new URLSearchParams(root.location.search).get('next'));
  var ticket = null;
  var failures = 0;

  function base64url(bytes) {
    var text = '';
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return root.btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function request(method, path, body) {
    return root
      .fetch(path, {
        method: method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
        credentials: 'same-origin',
      })
      .then(function (response) {
        return response.json().then(
          function (json) {
            return { status: response.status, json: json };
          },
          function () {
            return { status: response.status, json: null };
          },
        );
      });
  }

  // The secret never leaves this browser until the ticket is redeemed; the queue only stores its hash.
  async function ensureTicket() {
    var stored = null;
    try {
      stored = JSON.parse(root.localStorage.getItem(STORAGE_KEY) || 'null');
    } catch (e) {
      stored = null;
    }
    if (stored && stored.ticketId && stored.secret) return stored;
    var secret = base64url(root.crypto.getRandomValues(new Uint8Array(32)));
    var digest = await root.crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret));
    var answer = await request('POST', PATHS.join, { secretHash: base64url(new Uint8Array(digest)) });
    if (answer.status >= 300 || !answer.json || !answer.json.ticketId) throw new Error('join refused');
    var fresh = { ticketId: answer.json.ticketId, secret: secret };
    root.localStorage.setItem(STORAGE_KEY, JSON.stringify(fresh));
    return fresh;
  }

  function setSlot(lang, name, value) {
    var section = document.querySelector(lang === 'fr' ? 'section:not([lang])' : 'section[lang="en"]');
    var slot = section && section.querySelector('[data-slot="' + name + '"]');
    if (slot && slot.textContent !== value) slot.textContent = value;
  }

  function render(status) {
    var position = api.state.position;
    var ahead = position === null ? null : Math.max(0, position - status.nowServing);
    var announcement = [];
    ['fr', 'en'].forEach(function (lang) {
      var t = TEXT[lang];
      var format = function (n) {
        return n.toLocaleString(t.locale);
      };
      var opens = new Date(status.opensAt * 1000).toLocaleTimeString(t.locale, {
        hour: '2-digit',
        minute: '2-digit',
        timeZone: 'Europe/Paris',
      });
      var wait;
      if (position === null) wait = '—';
      else if (ahead === 0) wait = t.turn;
      else if (!(status.admittedPerMinute > 0)) wait = t.unknown;
      else wait = t.minutes(format(Math.max(1, Math.ceil(ahead / status.admittedPerMinute))));
      setSlot(lang, 'position', position === null ? t.pending(opens) : format(position));
      setSlot(lang, 'ahead', ahead === null ? '—' : format(ahead));
      setSlot(lang, 'wait', wait);
      announcement.push(t.announce(wait));
    });
    // Screen readers hear the wait only when it changes, not on every poll.
    var text = announcement.join(' ');
    if (position !== null && text !== api.state.lastAnnounce) {
      api.state.lastAnnounce = text;
      document.getElementById('announce').textContent = text;
    }
  }

  async function enter() {
    var answer = await request('POST', PATHS.enter, {
      ticketId: ticket.ticketId,
      secret: ticket.secret,
      next: nextPath,
    });
    if (answer.status !== 200) return false;
    root.localStorage.removeItem(STORAGE_KEY);
    root.location.assign(safeNext(answer.json && answer.json.next ? answer.json.next : nextPath));
    return true;
  }

  async function poll() {
    var delay;
    try {
      if (!ticket) ticket = await ensureTicket();
      document.querySelector('[data-form="join"]').hidden = true;
      var status = (await request('GET', PATHS.status)).json;
      api.state.polls++;
      if (!status || typeof status.nowServing !== 'number') throw new Error('no status');
      // The ticket is read only until it has a position: once drawn it never changes.
      if (api.state.position === null && status.state !== 'before-opening') {
        var read = await request('GET', PATHS.ticket + encodeURIComponent(ticket.ticketId));
        if (read.json && typeof read.json.position === 'number') api.state.position = read.json.position;
      }
      render(status);
      var position = api.state.position;
      if (status.state === 'open' && position !== null && position <= status.nowServing && (await enter()))
        return;
      failures = 0;
      delay = nextPollDelayMs(
        {
          ahead: position === null ? null : Math.max(0, position - status.nowServing),
          admittedPerMinute: status.admittedPerMinute,
          secondsToOpening: status.opensAt - Date.now() / 1000,
        },
        Math.random(),
      );
    } catch (e) {
      failures++;
      delay = errorDelayMs(failures, Math.random());
    }
    schedule(poll, delay);
  }

  // The script is loaded with `defer`: the document is parsed when it runs.
  poll();
})(typeof window !== 'undefined' ? window : globalThis);
