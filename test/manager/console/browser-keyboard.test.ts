import test from 'ava'
import type { Page } from 'playwright-core'
import { fleetBrowser, hostPath, hostsPath } from './signed-in-fleet.ts'

/** Regions of the page, first match wins: where the focus is, when not on a sort link, a row's checkbox or link. */
const REGIONS: ReadonlyArray<readonly [selector: string, name: string]> = [
  ['.skip-link', 'skip-link'],
  ['nav[aria-label="Console"]', 'navigation'],
  ['header .who', 'sign-out'],
  ['form.host-filters', 'filter-form'],
  ['#bulk-form', 'bulk-form'],
]

/**
 * What has the keyboard focus, in words: its region, the row's host for checkboxes and host links, else its test id.
 * (No named functions inside: tsx would wrap them in a helper the page does not have.)
 */
const focused = (page: Page): Promise<string> =>
  page.evaluate((regions) => {
    const element = document.activeElement
    if (element === null || element === document.body) return 'body'
    const region = regions.find(([selector]) => element.closest(selector) !== null)
    if (region !== undefined) return region[1]
    if (element.matches('input[data-bulk-host]')) return `checkbox ${(element as HTMLInputElement).value}`
    if (element.closest('th[scope="row"]') !== null) return `link ${element.textContent ?? ''}`
    return element.getAttribute('data-testid') ?? element.tagName.toLowerCase()
  }, REGIONS)

/** Presses Tab until the focus is on `target` (as `focused` names it); returns every stop on the way. */
async function tabTo(page: Page, target: string, maxStops = 80): Promise<string[]> {
  const stops: string[] = []
  while (stops.at(-1) !== target) {
    if (stops.length === maxStops) throw new Error(`no ${target} within ${maxStops} tabs: ${stops.join(', ')}`)
    await page.keyboard.press('Tab')
    stops.push(await focused(page))
  }
  return stops
}

/** The stops with runs of the same region (skip link, navigation, forms, sort links) said once. */
const regions = (stops: readonly string[]): string[] =>
  stops
    .map((stop) => (stop.startsWith('sort-') ? 'sort links' : stop))
    .filter((stop, index, all) => stop !== all[index - 1])

test('hosts page: Tab goes skip link, navigation, filters, sort links, then each row’s checkbox and host link', async (t) => {
  const { page, problems, open } = await fleetBrowser(t, 'operator')
  await open(hostsPath())
  const hosts = await page.getByTestId('host-row').evaluateAll((rows) => rows.map((row) => row.dataset['hostId']))
  t.deepEqual(hosts, ['a1', 'd1', 'f1', 'i1', 'n1', 'p1', 'u1'])
  const stops = await tabTo(page, 'link u1')
  t.deepEqual(regions(stops), [
    'skip-link',
    'navigation',
    'sign-out',
    'filter-form',
    'bulk-form',
    'select-page',
    'sort links',
    ...hosts.flatMap((host) => [`checkbox ${host}`, `link ${host}`]),
  ])
  t.deepEqual(
    stops.filter((stop) => stop.startsWith('sort-')),
    ['sort-hostId', 'sort-name', 'sort-capability', 'sort-condition', 'sort-online', 'sort-lastSeen'],
  )
  t.deepEqual(problems, [])
})

test('hosts page: Enter on the focused skip link moves on to the content; Enter on a sort link sorts', async (t) => {
  const { page, problems, open } = await fleetBrowser(t, 'operator')
  await open(hostsPath())
  await tabTo(page, 'skip-link')
  const box = await page.locator('.skip-link').boundingBox()
  t.true(box !== null && box.x >= 0 && box.y >= 0 && box.width > 0, 'the skip link shows in the window when focused')
  await page.keyboard.press('Enter')
  t.is(new URL(page.url()).hash, '#main')
  await page.keyboard.press('Tab')
  t.is(await focused(page), 'filter-form', 'the next Tab is in the content, past the navigation')
  t.is(await page.locator('th[aria-sort]').getAttribute('aria-sort'), 'ascending')
  await tabTo(page, 'sort-hostId')
  await Promise.all([
    page.waitForURL((url) => url.searchParams.get('sort') === '-hostId'),
    page.keyboard.press('Enter'),
  ])
  await page.locator('th[aria-sort="descending"]').waitFor()
  const hosts = await page.getByTestId('host-row').evaluateAll((rows) => rows.map((row) => row.dataset['hostId']))
  t.deepEqual(hosts, ['u1', 'p1', 'n1', 'i1', 'f1', 'd1', 'a1'])
  t.deepEqual(problems, [])
})

test('host page: the power action’s dialog opens from the keyboard with the focus in it; Escape gives it back', async (t) => {
  const { page, problems, open } = await fleetBrowser(t, 'admin')
  await open(hostPath('p1'))
  await page.getByTestId('live-state').filter({ hasText: /^on/ }).waitFor()
  await tabTo(page, 'action-power')
  await page.keyboard.press('Enter')
  const dialog = page.getByTestId('dialog-power')
  await dialog.waitFor()
  t.true(await dialog.evaluate((element) => (element as HTMLDialogElement).open))
  t.is(await focused(page), 'dialog-power-cancel', 'the focus moved into the dialog, on Cancel')
  t.regex((await dialog.textContent()) ?? '', /Send the power action on to p1/)
  await page.keyboard.press('Escape')
  await dialog.waitFor({ state: 'hidden' })
  t.is(await focused(page), 'action-power', 'the focus is back on the button that opened it')
  t.is(await page.getByTestId('action-message').textContent(), '', 'nothing was sent')
  t.deepEqual(problems, [])
})
