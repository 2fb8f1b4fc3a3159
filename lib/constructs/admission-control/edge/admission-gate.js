// Rempart admission gate: CloudFront Function, cloudfront-js-2.0 runtime, viewer request.
// Written for that runtime: no destructuring, spread, default parameters, optional chaining, `??`,
// for-of, classes or async closures (the runtime has none of them); `test/helpers/cloudfront-runtime.ts`
// refuses any that creep in. The cookie format and the store keys are those of ../contract.ts.
import crypto from 'crypto';
import cf from 'cloudfront';

// Filled in at synth by AdmissionEdgeGate (renderAdmissionGateCode): paths, store keys, cookie name.
const CONFIG = /*ADMISSION_CONFIG*/ null;

const kvs = cf.kvs();

async function handler(event) {
  const request = event.request;
  const rule = protectedRule(request.uri);
  if (rule === null) return request;
  try {
    // Operator overrides first: they must work even when no cookie could ever verify.
    const mode = await kvs.get(CONFIG.modeKeyPrefix + rule.c);
    if (mode === 'open') return request;
    if (mode === 'closed') return refuse(request);
    if (rule.f === 'open' && (await kvs.get(CONFIG.failOpenKey)) === 'on') return request;
    const cookie = parseCookie(request);
    if (cookie === null) return refuse(request);
    const key = await kvs.get(CONFIG.keyPrefix + cookie.kid);
    const eventId = await kvs.get(CONFIG.eventKey);
    return verify(cookie, key, eventId) ? request : refuse(request);
  } catch (e) {
    // Every key exists from the first deployment on, so a failing read means the store is unreachable:
    // the path's own policy decides (booking writes still queue when it opens).
    return rule.f === 'open' ? request : refuse(request);
  }
}

function protectedRule(uri) {
  // The waiting room itself is never gated, whatever the patterns say: that would be a loop.
  for (let i = 0; i < CONFIG.skip.length; i++) {
    if (uri.indexOf(CONFIG.skip[i]) === 0) return null;
  }
  for (let i = 0; i < CONFIG.paths.length; i++) {
    if (glob(CONFIG.paths[i].p, uri)) return CONFIG.paths[i];
  }
  return null;
}

// CloudFront path-pattern semantics: "*" any run of characters, "?" exactly one, case-sensitive.
function glob(pattern, text) {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const c = pattern.charAt(p);
    if (p < pattern.length && (c === '?' || c === text.charAt(t))) {
      p++;
      t++;
    } else if (c === '*') {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (pattern.charAt(p) === '*') p++;
  return p === pattern.length;
}

// v1.<kid>.<eventId>.<expiresEpochSeconds>.<admissionId>.<signature>; shape only, nothing trusted yet.
function parseCookie(request) {
  const entry = request.cookies[CONFIG.cookieName];
  if (!entry || typeof entry.value !== 'string') return null;
  const parts = entry.value.split('.');
  if (parts.length !== 6 || parts[0] !== CONFIG.version) return null;
  if (CONFIG.kids.indexOf(parts[1]) === -1) return null;
  if (!ID.test(parts[2]) || !EXPIRES.test(parts[3]) || !ID.test(parts[4]) || !SIG.test(parts[5])) return null;
  return {
    kid: parts[1],
    eventId: parts[2],
    expires: parseInt(parts[3], 10),
    payload: parts.slice(0, 5).join('.'),
    signature: parts[5],
  };
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const EXPIRES = /^[0-9]{1,10}$/;
const SIG = /^[A-Za-z0-9_-]{43}$/;

function verify(cookie, key, eventId) {
  const expected = crypto.createHmac('sha256', key).update(cookie.payload).digest('base64url');
  // Signature first and in constant time; the other checks only read what the signature vouches for.
  const signed = constantTimeEqual(expected, cookie.signature);
  const now = Math.floor(Date.now() / 1000);
  const fresh = cookie.expires > now && cookie.expires - now <= CONFIG.maxTtl;
  return signed && fresh && cookie.eventId === eventId;
}

// No early exit: the time taken does not depend on where the strings differ.
function constantTimeEqual(expected, received) {
  let diff = expected.length ^ received.length;
  for (let i = 0; i < expected.length; i++) {
    diff |= expected.charCodeAt(i) ^ (i < received.length ? received.charCodeAt(i) : 0);
  }
  return diff === 0;
}

// Pages go to the waiting page and come back afterwards; other methods (API writes) get a 429 that
// scripts understand, with the waiting page in Location for people who follow it.
function refuse(request) {
  const next =
    CONFIG.waitingPage + '?' + CONFIG.nextParam + '=' + encodeURIComponent(request.uri + query(request));
  const headers = {
    location: { value: next },
    'cache-control': { value: 'no-store' },
  };
  if (request.method === 'GET' || request.method === 'HEAD') {
    return { statusCode: 302, statusDescription: 'Found', headers: headers };
  }
  headers['retry-after'] = { value: String(CONFIG.retryAfter) };
  headers['content-type'] = { value: 'application/json' };
  return {
    statusCode: 429,
    statusDescription: 'Too Many Requests',
    headers: headers,
    body: {
      encoding: 'text',
      data: '{"error":"admission-required","waitingPage":"' + CONFIG.waitingPage + '"}',
    },
  };
}

function query(request) {
  const parts = [];
  const names = Object.keys(request.querystring);
  for (let i = 0; i < names.length; i++) {
    const entry = request.querystring[names[i]];
    const values = entry.multiValue ? entry.multiValue : [entry];
    for (let j = 0; j < values.length; j++) {
      parts.push(encodeURIComponent(names[i]) + '=' + encodeURIComponent(values[j].value));
    }
  }
  return parts.length ? '?' + parts.join('&') : '';
}
