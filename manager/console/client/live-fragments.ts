/**
 * Server-rendered fragments for live pages: the page asks the manager for the HTML of what changed (a row, the
 * counts) and swaps it in, so there is one renderer (the server's) and no template in the browser.
 */

/** The fragment's HTML, or null when the manager did not answer it (signed out, gone, unreachable). */
export async function fetchFragment(url: string): Promise<string | null> {
  try {
    const response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' } })
    return response.ok ? await response.text() : null
  } catch {
    return null
  }
}

/** The first element of an HTML fragment; a <template> parses table rows too. */
export function elementOf(html: string): Element | null {
  const template = document.createElement('template')
  template.innerHTML = html.trim()
  return template.content.firstElementChild
}
