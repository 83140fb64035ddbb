import test from 'ava'
import type { DriftedHost } from '../../../../manager/core/policy-drift.ts'
import { batchesOf } from '../../../../manager/core/rollouts/policy-apply.ts'

const drifted = (hostId: string, target: DriftedHost['target'], dnsSuffix?: string): DriftedHost => ({
  tenantId: 'acme',
  hostId,
  source: 'group:g',
  target,
  ...(dnsSuffix === undefined ? {} : { dnsSuffix }),
  desired: { state: 'UNSPECIFIED', controlMode: 'CCM' },
})

test('a drift splits into one batch per action: deactivate, CCM, ACM per DNS suffix; hosts keep their order', (t) => {
  const acm = { state: 'PROVISIONED', controlMode: 'ACM' } as const
  const ccm = { state: 'PROVISIONED', controlMode: 'CCM' } as const
  const batches = batchesOf([
    drifted('a', acm, 'b.example'),
    drifted('b', ccm),
    drifted('c', { state: 'UNPROVISIONED' }),
    drifted('d', acm, 'a.example'),
    drifted('e', acm, 'b.example'),
    drifted('f', ccm),
  ])
  t.deepEqual(batches, [
    { action: { state: 'UNPROVISIONED' }, hostIds: ['c'] },
    { action: ccm, hostIds: ['b', 'f'] },
    { action: { ...acm, dnsSuffix: 'b.example' }, hostIds: ['a', 'e'] },
    { action: { ...acm, dnsSuffix: 'a.example' }, hostIds: ['d'] },
  ])
  t.deepEqual(batchesOf([]), [])
})
