/** Registration rules (contract §4.1), shared by the admin CLI, the API and the member pages. */
export interface NewMemberInput {
  mydexid: string;
  email: string;
  password: string;
  privateKey: string;
}

const MYDEXID = /^[A-Za-z0-9._-]{3,64}$/;

/**
 * MydexIDs are unique whatever their case (`Demo.Alice` is `demo.alice`): the form two spellings
 * share. A MydexID is ASCII, so lower case is the same in JavaScript, SQLite and PostgreSQL.
 */
export function canonicalMydexid(mydexid: string): string {
  return mydexid.trim().toLowerCase();
}

export function sameMydexid(a: string, b: string): boolean {
  return canonicalMydexid(a) === canonicalMydexid(b);
}
// Deliberately simple (WHATWG-style) address check: one @, no spaces, a dot in the domain.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const MIN_PASSWORD = 8;
export const MIN_PRIVATE_KEY = 8;

/** Every problem with the input, as the messages the API returns (empty when valid). */
export function memberInputProblems(input: NewMemberInput): string[] {
  const problems = registrationProblems(input);
  if (input.privateKey.length < MIN_PRIVATE_KEY) {
    problems.push(`Private Key must be at least ${MIN_PRIVATE_KEY} characters.`);
  } else if (input.privateKey === input.password) problems.push('Private Key must not be the same as the password.');
  return problems;
}

/**
 * The rules for what a subscriber's registration call carries (contract §4.1): the Private Key
 * is chosen later, on the link page.
 */
export function registrationProblems(input: { mydexid: string; email: string; password: string }): string[] {
  const problems: string[] = [];
  const mydexid = input.mydexid.trim();
  if (!mydexid) problems.push('Mydexid is required.');
  else if (!MYDEXID.test(mydexid)) {
    problems.push('Mydexid must be 3 to 64 characters: letters, digits, dot, underscore or hyphen.');
  } else if (/^\d+$/.test(mydexid)) problems.push('Mydexid must not be all digits.');
  const email = input.email.trim();
  if (!email) problems.push('Email is required.');
  else if (!EMAIL.test(email) || email.length > 254) problems.push('Email is not valid.');
  if (input.password === '') problems.push('Password is required.');
  else if (input.password.length < MIN_PASSWORD) problems.push(`Password must be at least ${MIN_PASSWORD} characters.`);
  else if (input.password === mydexid) problems.push('Password must not be the same as the Mydexid.');
  return problems;
}
