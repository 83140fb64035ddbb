import test from 'ava'
import {
  decide,
  decideAfterFailure,
  type Decision,
  type DecideInput,
  type Observed,
  type Target,
} from '../../../agent/reconcile/decide.ts'

const limits = { maxAttempts: 3, maxRecoveries: 2, stuckConnectingMs: 1000 }
const NOW = 100_000
const provision: Target = { generation: 4, state: 'PROVISIONED', rpsUrl: 'wss://rps.example/activate', profile: 'ccm' }
const unprovision: Target = { generation: 5, state: 'UNPROVISIONED' }
const pre: Observed = { capable: true, controlMode: 'PRE_PROVISIONING', remoteStatus: 'not connected' }
const ccm = (remoteStatus: Observed['remoteStatus']): Observed => ({ capable: true, controlMode: 'CCM', remoteStatus })

const input = (over: Partial<DecideInput>): DecideInput => ({
  target: provision,
  observed: pre,
  attempts: 0,
  recoveries: 0,
  connectingSince: null,
  now: NOW,
  failedGeneration: null,
  limits,
  ...over,
})

const table: Array<[title: string, over: Partial<DecideInput>, expected: Decision]> = [
  [
    'not capable → not-supported with the reason',
    { observed: { ...pre, capable: false, reason: 'SKU 0 has no AMT' } },
    { action: 'not-supported', reason: 'SKU 0 has no AMT' },
  ],
  [
    'not capable without a reason → a default reason',
    { observed: { ...pre, capable: false } },
    { action: 'not-supported', reason: 'the node has no AMT or ISM' },
  ],
  ['no desired, pre-provisioning → UNPROVISIONED', { target: null }, { action: 'none', phase: 'UNPROVISIONED' }],
  [
    'no desired, activated → PROVISIONED',
    { target: null, observed: ccm('connected') },
    { action: 'none', phase: 'PROVISIONED' },
  ],
  [
    'no desired, stuck connecting → nothing to recover with',
    { target: null, observed: ccm('connecting'), connectingSince: 0 },
    { action: 'none', phase: 'PROVISIONED' },
  ],
  [
    'no desired, unknown control mode → UNPROVISIONED with a reason',
    { target: null, observed: { ...pre, controlMode: 'UNKNOWN' } },
    { action: 'none', phase: 'UNPROVISIONED', reason: 'AMT reports an unknown control mode' },
  ],
  ['generation already FAILED → stays FAILED', { failedGeneration: 4 }, { action: 'none', phase: 'FAILED' }],
  ['an older generation FAILED → acts on the new one', { failedGeneration: 3 }, { action: 'activate' }],
  [
    'unknown control mode with a desired → fail',
    { observed: { ...pre, controlMode: 'UNKNOWN' } },
    { action: 'fail', reason: 'AMT reports an unknown control mode' },
  ],
  ['PROVISIONED wanted, pre-provisioning → activate', {}, { action: 'activate' }],
  ['PROVISIONED wanted, attempts left → activate', { attempts: 2 }, { action: 'activate' }],
  [
    'PROVISIONED wanted, attempts exhausted → fail',
    { attempts: 3 },
    { action: 'fail', reason: 'gave up after 3 failed attempts' },
  ],
  [
    'PROVISIONED wanted, no RPS URL → fail',
    { target: { generation: 4, state: 'PROVISIONED', profile: 'p' } },
    { action: 'fail', reason: 'no RPS URL: set rpsUrl in desired or rps.url in the agent config' },
  ],
  [
    'PROVISIONED wanted, no profile → fail',
    { target: { generation: 4, state: 'PROVISIONED', rpsUrl: 'wss://r/activate' } },
    { action: 'fail', reason: 'no profile: set profileName in desired or rps.profile in the agent config' },
  ],
  ['PROVISIONED wanted, connected → none', { observed: ccm('connected') }, { action: 'none', phase: 'PROVISIONED' }],
  [
    'PROVISIONED wanted, ACM not connected → none (activated)',
    { observed: { ...ccm('not connected'), controlMode: 'ACM' } },
    { action: 'none', phase: 'PROVISIONED' },
  ],
  [
    'connecting, first seen now → recheck at the bound',
    { observed: ccm('connecting') },
    { action: 'none', phase: 'PROVISIONED', recheckAt: NOW + 1000 },
  ],
  [
    'connecting within the bound → recheck at the bound',
    { observed: ccm('connecting'), connectingSince: NOW - 400 },
    { action: 'none', phase: 'PROVISIONED', recheckAt: NOW + 600 },
  ],
  [
    'connecting past the bound → recover',
    { observed: ccm('connecting'), connectingSince: NOW - 2000 },
    { action: 'recover', reason: 'AMT stuck connecting for 2 s' },
  ],
  [
    'connecting past the bound, one recovery done → recover again',
    { observed: ccm('connecting'), connectingSince: NOW - 2000, recoveries: 1 },
    { action: 'recover', reason: 'AMT stuck connecting for 2 s' },
  ],
  [
    'connecting past the bound, recoveries exhausted → fail',
    { observed: ccm('connecting'), connectingSince: NOW - 2000, recoveries: 2 },
    { action: 'fail', reason: 'AMT stuck connecting for 2 s after 2 recoveries' },
  ],
  [
    'connecting past the bound, attempts exhausted → fail',
    { observed: ccm('connecting'), connectingSince: NOW - 2000, attempts: 3 },
    { action: 'fail', reason: 'gave up after 3 failed attempts' },
  ],
  [
    'connecting past the bound, no profile → fail',
    {
      observed: ccm('connecting'),
      connectingSince: NOW - 2000,
      target: { generation: 4, state: 'PROVISIONED', rpsUrl: 'wss://r/activate' },
    },
    {
      action: 'fail',
      reason:
        'AMT stuck connecting for 2 s; cannot recover: no profile: set profileName in desired or rps.profile in the agent config',
    },
  ],
  [
    'UNPROVISIONED wanted, pre-provisioning → none',
    { target: unprovision },
    { action: 'none', phase: 'UNPROVISIONED' },
  ],
  [
    'UNPROVISIONED wanted, activated → deactivate',
    { target: unprovision, observed: ccm('connected') },
    { action: 'deactivate' },
  ],
  [
    'UNPROVISIONED wanted, stuck connecting → deactivate (no recovery)',
    { target: unprovision, observed: ccm('connecting'), connectingSince: 0 },
    { action: 'deactivate' },
  ],
  [
    'UNPROVISIONED wanted, attempts exhausted → fail',
    { target: unprovision, observed: ccm('connected'), attempts: 3 },
    { action: 'fail', reason: 'gave up after 3 failed attempts' },
  ],
  [
    'UNPROVISIONED wanted, not capable → not-supported',
    { target: unprovision, observed: { ...pre, capable: false, reason: 'r' } },
    { action: 'not-supported', reason: 'r' },
  ],
  [
    'desired ACM on a node in CCM → the upgrade: recover (deactivate, then activate in ACM)',
    { target: { ...provision, controlMode: 'ACM' }, observed: ccm('connected') },
    { action: 'recover', reason: 'AMT is in CCM, desired ACM: deactivating to activate in ACM' },
  ],
  [
    'the upgrade is bounded by maxRecoveries',
    { target: { ...provision, controlMode: 'ACM' }, observed: ccm('connected'), recoveries: 2 },
    { action: 'fail', reason: 'still in CCM after 2 upgrades to ACM' },
  ],
  [
    'the upgrade without an RPS URL fails before deactivating',
    { target: { generation: 4, state: 'PROVISIONED', profile: 'acm', controlMode: 'ACM' }, observed: ccm('connected') },
    {
      action: 'fail',
      reason:
        'AMT is in CCM, desired ACM: deactivating to activate in ACM; cannot: no RPS URL: set rpsUrl in desired or ' +
        'rps.url in the agent config',
    },
  ],
  [
    'desired CCM on a node in ACM → no downgrade',
    { target: { ...provision, controlMode: 'CCM' }, observed: { ...ccm('connected'), controlMode: 'ACM' } },
    { action: 'none', phase: 'PROVISIONED' },
  ],
  [
    'desired ACM on a node in ACM → nothing to do',
    { target: { ...provision, controlMode: 'ACM' }, observed: { ...ccm('connected'), controlMode: 'ACM' } },
    { action: 'none', phase: 'PROVISIONED' },
  ],
]

for (const [title, over, expected] of table) {
  test(`decide: ${title}`, (t) => {
    t.deepEqual(decide(input(over)), expected)
  })
}

const policy = { maxAttempts: 3, retryBaseMs: 100, retryMaxMs: 1000, random: () => 1 }

test('decideAfterFailure: permanent → fail at once', (t) => {
  t.deepEqual(decideAfterFailure('permanent', 1, policy), { action: 'fail' })
})

test('decideAfterFailure: transient with attempts left → retry with exponential backoff', (t) => {
  t.deepEqual(decideAfterFailure('transient', 1, policy), { action: 'retry', delayMs: 100 })
  t.deepEqual(decideAfterFailure('transient', 2, policy), { action: 'retry', delayMs: 200 })
})

test('decideAfterFailure: backoff is capped by retryMaxMs and jittered above half the base', (t) => {
  t.deepEqual(decideAfterFailure('transient', 2, { ...policy, maxAttempts: 20, retryMaxMs: 150 }), {
    action: 'retry',
    delayMs: 150,
  })
  t.deepEqual(decideAfterFailure('transient', 1, { ...policy, random: () => 0 }), { action: 'retry', delayMs: 50 })
})

test('decideAfterFailure: transient at the last attempt → fail', (t) => {
  t.deepEqual(decideAfterFailure('transient', 3, policy), { action: 'fail' })
})
