/**
 * Swaps a server-rendered fragment into the page: the element with the fragment's id is replaced by the fragment
 * the server renders now (one renderer, no client templates). Open <details> and the focused control (by its
 * data-testid) survive the swap, so a live update does not yank what the user is reading or about to press.
 * Resolves with the HTTP status; the page is left alone unless the answer is that fragment (200, or 404 for a
 * host that is gone).
 */
export async function swapFragment(id: string, url: string): Promise<number> {
  const response = await fetch(url, { headers: { accept: 'text/html' }, credentials: 'same-origin', cache: 'no-store' })
  if (response.status !== 200 && response.status !== 404) return response.status
  const template = document.createElement('template')
  template.innerHTML = await response.text()
  const next = template.content.firstElementChild
  const current = document.getElementById(id)
  if (!(next instanceof HTMLElement) || next.id !== id || current === null) return response.status
  keepOpenDetails(current, next)
  const focused = focusedTestId(current)
  current.replaceWith(next)
  if (focused !== null) next.querySelector<HTMLElement>(`[data-testid="${CSS.escape(focused)}"]`)?.focus()
  return response.status
}

function keepOpenDetails(current: HTMLElement, next: HTMLElement): void {
  const open = [...current.querySelectorAll('details')].map((details) => details.open)
  next.querySelectorAll('details').forEach((details, index) => {
    if (open[index] === true) details.open = true
  })
}

function focusedTestId(current: HTMLElement): string | null {
  const active = document.activeElement
  return active instanceof HTMLElement && current.contains(active) ? (active.dataset['testid'] ?? null) : null
}
