/**
 * Passwords set through the Platform API: Chatwoot's rules (Devise's 6 to
 * 128 characters, and at least one upper-case letter, lower-case letter,
 * digit and special character), stored as a salted scrypt hash. Nothing
 * signs in with a password yet; the hash is kept for when something does.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { z } from 'zod';

const derive = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;
const KEY_LENGTH = 32;

const CONTENT_RULES: [RegExp, string][] = [
  [/[A-Z]/, 'must contain at least 1 uppercase letter'],
  [/[a-z]/, 'must contain at least 1 lowercase letter'],
  [/\d/, 'must contain at least 1 number'],
  [/[^A-Za-z0-9\s]/, 'must contain at least 1 special character'],
];

/** A password Chatwoot would accept, each broken rule reported. */
export const passwordInput = () =>
  z
    .string()
    .min(6, { message: 'is too short (minimum is 6 characters)' })
    .max(128)
    .superRefine((password, context) => {
      for (const [rule, message] of CONTENT_RULES)
        if (!rule.test(password)) context.addIssue({ code: 'custom', message });
    });

/** `scrypt$<salt>$<hash>`, both base64. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, KEY_LENGTH);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Whether `password` is the one hashed into `stored`. */
export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(actual, expected);
}
