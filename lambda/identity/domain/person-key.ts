import { createHash, createHmac } from 'node:crypto';

/**
 * Who a person is, as the service stores it: a keyed hash of the identity provider's issuer and the
 * person's stable subject. Without the pepper (a secret in Secrets Manager) nobody can link a key
 * to a subject, and a dictionary of identities is useless; the issuer is part of the input, so the
 * same subject at two providers is two people. Never computed by a client.
 */
export function derivePersonKey(pepper: string, issuer: string, subject: string): string {
  if (pepper.length < MIN_PEPPER_LENGTH) {
    throw new Error(
      `The person-key pepper is ${pepper.length} characters long; at least ${MIN_PEPPER_LENGTH} are needed. Fix: let Secrets Manager generate it (64 characters)`,
    );
  }
  return createHmac('sha256', pepper).update(`${issuer}\n${subject}`, 'utf8').digest('hex');
}

/** Shortest pepper accepted: 32 characters of generated secret carry well over 128 bits. */
export const MIN_PEPPER_LENGTH = 32;

/** A person key: 64 lower-case hex characters (HMAC-SHA256). */
export const PERSON_KEY = /^[a-f0-9]{64}$/;

/** Length of a request tag, hex characters. */
export const REQUEST_TAG_LENGTH = 16;

/**
 * The tag that prefixes every request id minted for a person (`<tag>-<API request id>`). It binds a
 * request id to its owner without any read: a status or cancellation whose id does not carry the
 * caller's tag is answered 404 at once. A one-way function of the (already keyed) person key, so a
 * client that sees its own tag learns nothing it could use against anyone else.
 */
export function requestTag(personKey: string): string {
  return createHash('sha256')
    .update(`request-tag\n${personKey}`, 'utf8')
    .digest('hex')
    .slice(0, REQUEST_TAG_LENGTH);
}
