/** The session's CSRF token, rendered by the layout into <meta name="csrf-token">; null when signed out. */
export function csrfToken(): string | null {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? null
}
