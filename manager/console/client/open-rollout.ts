/** The id of a rollout in an API answer (the bulk request with `rollout`: 202 with the rollout), or null. */
export const rolloutIdOf = (body: unknown): string | null =>
  typeof body === 'object' && body !== null && 'rolloutId' in body && typeof body.rolloutId === 'string'
    ? body.rolloutId
    : null

/** Opens a rollout's page; `pages` is the tenant's rollouts page (data-rollout-pages). */
export const openRollout = (pages: string, rolloutId: string): void =>
  window.location.assign(`${pages}/${encodeURIComponent(rolloutId)}`)
