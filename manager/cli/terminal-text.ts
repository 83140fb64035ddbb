/**
 * Text from devices (status, capability, event messages, host names) and from the API reaches the terminal only
 * through these functions: a control character could clear the screen, move the cursor or fake output.
 */

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** C0, DEL, C1 (e.g. U+009B, the one-byte CSI), line/paragraph separators and bidi overrides/isolates. */
function isUnsafe(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  )
}

const hex = (code: number, digits: number) => code.toString(16).padStart(digits, '0')

/** Every unsafe character as a visible escape (`\x1b`, `\r`, `\x9b`, `\u202e`); an ESC sequence thus prints inert. */
export function escapeForTerminal(text: string): string {
  let out = ''
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0
    if (!isUnsafe(code)) out += char
    else out += NAMED[char] ?? (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`)
  }
  return out
}

/**
 * JSON for the terminal: JSON.stringify escapes C0 but leaves DEL, C1 and the separators raw; they are written as
 * `\u` escapes here (the same JSON value).
 */
export function terminalJson(value: unknown): string {
  let out = ''
  for (const char of JSON.stringify(value, null, 2)) {
    const code = char.codePointAt(0) ?? 0
    out += code >= 0x20 && isUnsafe(code) ? `\\u${hex(code, 4)}` : char
  }
  return out
}
