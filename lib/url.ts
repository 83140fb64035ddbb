/** A URL without its user and password, for logs and summaries; never throws. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.username = ''
    parsed.password = ''
    return parsed.toString()
  } catch {
    return '(unparsable url)'
  }
}
