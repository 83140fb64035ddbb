/**
 * What a user sees of an RPS/MPS error answer: one line with the server's reason, never a value we sent (a
 * validator echoes the rejected `value`, which may be a password) and never a whole HTML page. The shapes the real
 * servers answer (issue #13 fact 6):
 * - `{ error, message }` (RPS, MPS) → "error: message";
 * - `{ error, errorDescription }` (MPS, e.g. a device not connected) → "error (errorDescription)";
 * - express-validator `{ errors: [{ msg, path|param, location, value }] }` or the bare array → "field: msg; …";
 * - an HTML page (express's default for an unknown route or malformed JSON) → the text of its `<pre>` (else its
 *   title), up to the first line break (a stack trace follows in development mode), quoted snippets blanked;
 * - plain text → itself, whitespace collapsed.
 * Every given secret is blanked in the result as a second defence; at most 300 characters.
 */

const MAX_SUMMARY = 300

export function summariseErrorBody(body: unknown, secrets: readonly string[] = []): string {
  let summary = ''
  if (Array.isArray(body)) summary = validationSummary(body)
  else if (typeof body === 'object' && body !== null) summary = recordSummary(body as Record<string, unknown>)
  else if (typeof body === 'string') summary = looksLikeHtml(body) ? htmlSummary(body) : collapse(body)
  for (const secret of secrets) if (secret.length >= 4) summary = summary.split(secret).join('[redacted]')
  if (summary === '') return 'no error details'
  return summary.length > MAX_SUMMARY ? `${summary.slice(0, MAX_SUMMARY)}…` : summary
}

/** Every string value under a key named like a secret (password, token), for blanking echoes of them. */
export function secretsIn(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return []
  const found: string[] = []
  for (const [key, inner] of Object.entries(value)) {
    if (typeof inner === 'string' && /password|token|secret|cert/i.test(key)) found.push(inner)
    else if (typeof inner === 'object') found.push(...secretsIn(inner))
  }
  return found
}

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '')
const collapse = (value: string): string => value.replace(/\s+/g, ' ').trim()

function recordSummary(record: Record<string, unknown>): string {
  if (Array.isArray(record.errors)) return validationSummary(record.errors)
  const [error, message, description] = [text(record.error), text(record.message), text(record.errorDescription)]
  const head = [error, message].filter((part) => part !== '').join(': ')
  return description === '' ? head : head === '' ? description : `${head} (${description})`
}

/** express-validator's errors: only `msg` and the field name, never `value`. */
function validationSummary(errors: readonly unknown[]): string {
  return errors
    .slice(0, 5)
    .map((entry) => {
      const item = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>
      const field = text(item.path) || text(item.param)
      const msg = text(item.msg) || 'invalid'
      return field ? `${field}: ${msg}` : msg
    })
    .join('; ')
}

const looksLikeHtml = (body: string): boolean => /^\s*<(?:!doctype\s+html|html|head|body)\b/i.test(body)

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: ' ' }

function htmlSummary(html: string): string {
  const inner =
    /<pre[^>]*>([\s\S]*?)<\/pre>/i.exec(html)?.[1] ?? /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1] ?? ''
  const firstLine = inner.split(/<br\s*\/?>|\n/i)[0] ?? ''
  const plain = firstLine
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_, name: string) => ENTITIES[name] ?? ' ')
  return collapse(plain.replace(/"[^"]*"|'[^']*'/g, '"…"'))
}
