import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

/**
 * A real browser for the console's tests: Debian's chromium (/usr/bin/chromium; scripts/test.sh installs it) driven
 * by playwright-core, headless. One browser per test file, started by the first test that asks and closed when the
 * last one is done; each test gets a fresh context (no cookies shared between tests) and page, closed in teardown.
 * Timeouts are generous: on a loaded 2-core machine the browser's start alone can take 10 s and more.
 */
const EXECUTABLE = '/usr/bin/chromium'
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const LAUNCH_TIMEOUT_MS = 90_000
/** Each wait of a test (a selector, a navigation, a response). */
const ACTION_TIMEOUT_MS = 30_000
const NAVIGATION_TIMEOUT_MS = 60_000

/** Where tests save screenshots (.gitignored; CI may keep the folder as an artifact). */
const ARTIFACTS_DIR = path.resolve('.tmp/artifacts')

export interface TestPage {
  page: Page
  context: BrowserContext
  /**
   * What went wrong in the page so far: console errors and warnings (a CSP violation is one: "Refused to ..."),
   * uncaught exceptions, failed requests (not those aborted by leaving the page). A page that works leaves it empty.
   */
  problems: string[]
}

let shared: { browser: Promise<Browser>; users: number } | undefined

async function useBrowser(): Promise<Browser> {
  shared ??= {
    browser: chromium.launch({ executablePath: EXECUTABLE, headless: true, args: ARGS, timeout: LAUNCH_TIMEOUT_MS }),
    users: 0,
  }
  shared.users++
  return shared.browser
}

async function releaseBrowser(): Promise<void> {
  if (shared === undefined || --shared.users > 0) return
  const { browser } = shared
  shared = undefined
  await (await browser).close()
}

/** A fresh browser context and page for this test; both (and the browser, when last) are closed in teardown. */
export async function openBrowser(t: ExecutionContext): Promise<TestPage> {
  t.timeout(LAUNCH_TIMEOUT_MS + 4 * NAVIGATION_TIMEOUT_MS, 'a browser test')
  let browser: Browser
  try {
    browser = await useBrowser()
  } catch (err) {
    await releaseBrowser().catch(() => undefined)
    throw err
  }
  const context = await browser.newContext()
  t.teardown(async () => {
    await context.close()
    await releaseBrowser()
  })
  context.setDefaultTimeout(ACTION_TIMEOUT_MS)
  context.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS)
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console ${message.type()}: ${message.text()} (${message.location().url})`)
  })
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`))
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? 'unknown'
    // a request cut short by leaving the page (an open event stream, a navigation) is not a fault of the page
    if (reason !== 'net::ERR_ABORTED') problems.push(`request failed: ${request.url()} (${reason})`)
  })
  return { page, context, problems }
}

/**
 * Saves a PNG of the page under .tmp/artifacts/<name>.png; returns its path. The whole page, or with
 * `fullPage: false` only what the viewport shows (the size of the screenshots in docs/).
 */
export async function saveScreenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true })
  const file = path.join(ARTIFACTS_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`)
  await page.screenshot({ path: file, fullPage: options.fullPage ?? true })
  return file
}

/** Signs in through the console's form, as a person does; resolves once the signed-in page has loaded. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/console/sign-in`)
  await page.getByLabel('API token').fill(token)
  await Promise.all([
    page.waitForURL((url) => url.pathname !== '/console/sign-in'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ])
}
