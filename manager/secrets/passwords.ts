import { randomInt } from 'node:crypto'

/**
 * AMT password rules (Intel AMT "strong password"): 8-32 characters of 7-bit ASCII with at least one
 * upper-case letter, one lower-case letter, one digit and one special (non-alphanumeric) character; `"`, `,`
 * and `:` are not allowed (they break digest authentication and WS-Man). The MEBx password follows the same rules.
 *
 * The generator uses a conservative subset of the specials: `!#$%*@^` — each is one RPS's profile validator
 * requires (`(?=.*[!@#$%^&*])`: a password whose only specials are e.g. `+-.=?_` is refused by RPS), none needs
 * quoting in XML (no `&`, `<`, `>`, quotes), and all are on the US keyboard layout the MEBx console uses, so an
 * admin can type a generated MEBx password at the node.
 */
const AMT_PASSWORD_MIN = 8
const AMT_PASSWORD_MAX = 32
export const DEFAULT_PASSWORD_LENGTH = 16

export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
export const LOWER = 'abcdefghijklmnopqrstuvwxyz'
export const DIGITS = '0123456789'
/** The specials the generator uses. */
export const GENERATED_SPECIALS = '!#$%*@^'
export const GENERATOR_ALPHABET = UPPER + LOWER + DIGITS + GENERATED_SPECIALS

/** Characters AMT forbids in a password. */
const FORBIDDEN = new Set(['"', ',', ':'])

/**
 * A random AMT password: every character drawn uniformly from GENERATOR_ALPHABET with crypto.randomInt (a CSPRNG
 * with rejection sampling, so no modulo bias), the whole draw repeated until all four classes occur. Rejecting
 * whole passwords keeps the result uniform over all valid passwords of that length.
 */
export function generateAmtPassword(
  length: number = DEFAULT_PASSWORD_LENGTH,
  pick: (max: number) => number = randomInt,
): string {
  if (!Number.isInteger(length) || length < AMT_PASSWORD_MIN || length > AMT_PASSWORD_MAX) {
    throw new RangeError(`an AMT password has ${AMT_PASSWORD_MIN}-${AMT_PASSWORD_MAX} characters`)
  }
  for (;;) {
    let password = ''
    for (let i = 0; i < length; i++) password += GENERATOR_ALPHABET[pick(GENERATOR_ALPHABET.length)]
    if (amtPasswordProblems(password).length === 0) return password
  }
}

/** What makes a (configured) password unusable for AMT; empty when it is fine. Never echoes the password. */
export function amtPasswordProblems(password: string): string[] {
  const problems: string[] = []
  if (password.length < AMT_PASSWORD_MIN || password.length > AMT_PASSWORD_MAX)
    problems.push(`must have ${AMT_PASSWORD_MIN}-${AMT_PASSWORD_MAX} characters`)
  if (![...password].every((char) => char >= ' ' && char <= '~')) problems.push('must be printable 7-bit ASCII')
  if ([...password].some((char) => FORBIDDEN.has(char))) problems.push('must not contain " , or :')
  if (!/[A-Z]/.test(password)) problems.push('needs an upper-case letter')
  if (!/[a-z]/.test(password)) problems.push('needs a lower-case letter')
  if (!/[0-9]/.test(password)) problems.push('needs a digit')
  if (!/[^A-Za-z0-9]/.test(password)) problems.push('needs a special character')
  return problems
}

export const isValidAmtPassword = (password: string): boolean => amtPasswordProblems(password).length === 0
