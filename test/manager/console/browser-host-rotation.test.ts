import test from 'ava'
import { axeViolations } from '../../helpers/axe.ts'
import { fleetBrowser, hostPath, TENANT } from './signed-in-fleet.ts'

/**
 * The host page's password rotation and control modes in Chromium: the last rotation (never a password), the asked
 * control mode beside the one AMT reports, and the "rotate password" action of an operator (a viewer has none, and
 * the API refuses its forged call).
 */

const ROTATION = {
  id: '0b7f3c2e-5d41-4a8e-9c1b-2f3e4d5c6b7a',
  state: 'failed',
  generation: 2,
  previous: { origin: 'host', version: 1 },
  newVersion: 2,
  actor: 'api:otto',
  requestedAt: '2026-01-02T10:00:00.000Z',
  settledAt: '2026-01-02T10:01:00.000Z',
  reason: 'AMT refused the new password',
  mpsCopy: null,
} as const

test('an operator sees the last rotation and AMT’s reported mode, and asks a rotation of a PROVISIONED host', async (t) => {
  const { page, problems, open, api } = await fleetBrowser(t, 'operator')
  await api.inventory.updateHost(
    { tenantId: TENANT, hostId: 'p1' },
    { controlMode: 'ACM', reportedControlMode: 'CCM', rotation: ROTATION },
  )
  await open(hostPath('p1'))
  t.is(await page.getByTestId('rotation-state').textContent(), 'failed')
  t.is(await page.getByTestId('rotation-reason').textContent(), 'AMT refused the new password')
  const rotation = (await page.getByTestId('field-rotation').textContent()) ?? ''
  t.regex(rotation, /version 2 of the host's secret/)
  t.regex(rotation, /by api:otto/)
  t.is(await page.getByTestId('control-mode-comparison').textContent(), '(differs: asked ACM, AMT reports CCM)')
  t.deepEqual(await axeViolations(page), [], 'host page with the rotation panel')

  await page.getByTestId('action-rotate').click()
  await page.getByTestId('dialog-rotate').waitFor()
  t.deepEqual(await axeViolations(page), [], 'rotate dialog open')
  const posted = page.waitForResponse(
    (response) => response.request().method() === 'POST' && response.url().endsWith('/amt/rotate-password'),
  )
  await page.getByTestId('dialog-rotate-confirm').click()
  // the fixture's agents run rpc v2: the API answers the catalogue's refusal, shown as it is (not a 403)
  t.is((await posted).status(), 409)
  await page.locator('[data-testid="action-message"][data-outcome="error"]').waitFor()
  t.regex((await page.getByTestId('action-message').textContent()) ?? '', /^Password rotation refused: .*rpc v2/)
  // a host not PROVISIONED has no rotate action
  await open(hostPath('a1'))
  await page.getByTestId('host-actions').waitFor()
  t.is(await page.getByTestId('action-rotate').count(), 0)
  const refused = /^console error: Failed to load resource: .* 409 /
  t.deepEqual(
    problems.filter((problem) => !refused.test(problem)),
    [],
  )
})

test('a viewer sees a restored rotation (MPS copy written) but no rotate action; its forged call is refused 403', async (t) => {
  const { page, problems, open, api } = await fleetBrowser(t, 'viewer')
  // A timed-out rotation whose new password AMT had taken: restored, MPS's copy written (docs/credentials.md).
  const restored = { ...ROTATION, restoredAt: '2026-01-02T11:00:00.000Z', mpsCopy: 'written' } as const
  await api.inventory.updateHost({ tenantId: TENANT, hostId: 'p1' }, { rotation: restored })
  await open(hostPath('p1'))
  await page.getByTestId('host-fields').waitFor()
  t.is(await page.getByTestId('action-rotate').count(), 0)
  t.regex(
    (await page.getByTestId('rotation-restored').textContent()) ?? '',
    /^2026-01-02T11:00:00\.000Z .*current again/,
  )
  t.is(await page.getByTestId('rotation-mps-copy').textContent(), 'written')
  t.deepEqual(await axeViolations(page), [], 'host page with a restored rotation')
  const status = await page.evaluate(async (path) => {
    const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? ''
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'x-csrf-token': csrf },
      credentials: 'same-origin',
    })
    return response.status
  }, `/api/v1/tenants/${TENANT}/hosts/p1/amt/rotate-password`)
  t.is(status, 403)
  const refused = /^console error: Failed to load resource: .* 403 /
  t.deepEqual(
    problems.filter((problem) => !refused.test(problem)),
    [],
  )
})
