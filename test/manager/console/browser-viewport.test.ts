import test from 'ava'
import type { Page } from 'playwright-core'
import { saveScreenshot } from '../../helpers/browser.ts'
import { fleetBrowser, hostPath, hostsPath, TENANT } from './signed-in-fleet.ts'

const SIZES = [
  { name: 'tablet', width: 768, height: 1024 },
  { name: 'laptop', width: 1280, height: 800 },
] as const

/** A field's value gets at least this much room: about 20 characters a line. */
const MIN_VALUE_REM = 10

/**
 * What does not fit: the page body wider than the window (only a scroll container of its own may be wider: a wide
 * table scrolls inside it), or an element that clips its text (overflow hidden or clip, an ellipsis) with more in
 * it than it shows, or a value of a field list squeezed narrower than MIN_VALUE_REM (it would wrap every few
 * letters). Screen-reader-only text and closed dialogs are left out. None: [].
 */
const layoutFaults = (page: Page): Promise<string[]> =>
  page.evaluate((minValueRem) => {
    const faults: string[] = []
    const root = document.documentElement
    if (root.scrollWidth > root.clientWidth)
      faults.push(`the page is ${root.scrollWidth} px wide in ${root.clientWidth}`)
    for (const element of Array.from(document.body.querySelectorAll<HTMLElement>('*'))) {
      if (element.closest('.visually-hidden, dialog:not([open]), [hidden]') !== null) continue
      const style = getComputedStyle(element)
      const clips = style.overflowX === 'hidden' || style.overflowX === 'clip' || style.textOverflow === 'ellipsis'
      const clipsDown = style.overflowY === 'hidden' || style.overflowY === 'clip'
      if (
        (clips && element.scrollWidth > element.clientWidth + 1) ||
        (clipsDown && element.scrollHeight > element.clientHeight + 1)
      )
        faults.push(
          `${element.tagName.toLowerCase()}.${element.className} cuts "${element.textContent?.slice(0, 40) ?? ''}"`,
        )
    }
    const rem = parseFloat(getComputedStyle(root).fontSize)
    for (const value of Array.from(document.querySelectorAll<HTMLElement>('dl dd'))) {
      const width = value.getBoundingClientRect().width
      if (width > 0 && width < minValueRem * rem)
        faults.push(`a value squeezed to ${Math.round(width)} px: ${value.dataset['testid'] ?? ''}`)
    }
    return faults
  }, MIN_VALUE_REM)

for (const size of SIZES) {
  test(`${size.name} (${size.width}x${size.height}): overview, hosts table, host pages fit; nothing cut`, async (t) => {
    const { page, problems, open } = await fleetBrowser(t, 'admin')
    await page.setViewportSize({ width: size.width, height: size.height })
    await open(`/console/tenants/${TENANT}`)
    t.deepEqual(await layoutFaults(page), [], 'overview')
    t.log(await saveScreenshot(page, `console-overview-${size.name}`))
    await open(hostsPath())
    t.deepEqual(await layoutFaults(page), [], 'hosts table')
    const scroller = await page
      .locator('.table-scroll')
      .evaluate((element) => element.scrollWidth > element.clientWidth)
    if (size.name === 'tablet') t.true(scroller, 'the table scrolls sideways inside its own container')
    t.log(await saveScreenshot(page, `console-hosts-${size.name}`))
    for (const hostId of ['f1', 'n1']) {
      await open(hostPath(hostId))
      t.deepEqual(await layoutFaults(page), [], `host ${hostId}`)
      t.log(await saveScreenshot(page, `console-host-${hostId}-${size.name}`))
    }
    t.deepEqual(problems, [])
  })
}
