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

/**
 * Runs `task` at most once per `intervalMs`: a call during the wait schedules one more run at its end (calls in
 * between merge into it), and a run never overlaps the previous one.
 */
export function throttled(task: () => Promise<void>, intervalMs: number): () => void {
  let running = false
  let again = false
  let last = 0
  const run = async (): Promise<void> => {
    running = true
    again = false
    last = Date.now()
    try {
      await task()
    } finally {
      running = false
      if (again) schedule()
    }
  }
  const schedule = (): void => {
    if (running) {
      again = true
      return
    }
    const wait = last + intervalMs - Date.now()
    if (wait <= 0) void run()
    else if (!again) {
      again = true
      setTimeout(() => {
        if (!running) void run()
      }, wait)
    }
  }
  return schedule
}
