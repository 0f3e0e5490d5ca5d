/** A password for the Kubernetes Secret: letters and digits from the OS's random source. */
import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** 16 characters of 62: about 95 bits. `pick(n)` returns an integer in [0, n) (a test may fix it). */
export function generatePassword(length = 16, pick: (n: number) => number = randomInt): string {
  let password = '';
  for (let i = 0; i < length; i++) password += ALPHABET[pick(ALPHABET.length)];
  return password;
}
