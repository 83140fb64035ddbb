import test from 'ava'
import { KdfBusyError, KdfLanes } from '../../../broker/auth/kdf-lanes.ts'
import { decodeHash, hashPassword, type DecodedHash, type ScryptParams } from '../../../broker/auth/password-hash.ts'

const DEVICE: ScryptParams = { logN: 10, r: 8, p: 1 }
const INTEGRATOR: ScryptParams = { logN: 15, r: 8, p: 1 }

/** A hash with these parameters (only its parameters matter to the lanes; the check below is held by the test). */
async function hashWith(params: ScryptParams): Promise<DecodedHash> {
  const hash = decodeHash(await hashPassword('pw', { ...params, logN: 10 }))
  if (hash?.scheme !== 'scrypt') throw new Error('own hash does not decode')
  return { ...hash, params }
}

const scryptParamsOf = (hash: DecodedHash): ScryptParams => {
  if (hash.scheme !== 'scrypt') throw new Error('the lanes got a digest here')
  return hash.params
}

/** A check that completes only when the test says so: the lanes are observed without any clock. */
function heldChecks() {
  const pending: { params: ScryptParams; finish: () => void }[] = []
  const waiters: (() => void)[] = []
  const verify = (hash: DecodedHash): Promise<boolean> =>
    new Promise((resolve) => {
      pending.push({ params: scryptParamsOf(hash), finish: () => resolve(false) })
      for (const wake of waiters.splice(0)) wake()
    })
  /** Resolves once `count` checks have started (they start a few microtasks after the call). */
  const started = async (count: number): Promise<void> => {
    while (pending.length < count) await new Promise<void>((resolve) => waiters.push(resolve))
  }
  return { pending, verify, started }
}

test('expensive checks run at most `expensiveConcurrency` at a time; the queue is bounded; beyond it: busy at once', async (t) => {
  const held = heldChecks()
  const lanes = new KdfLanes({ expensiveConcurrency: 2, expensiveQueue: 3, verify: held.verify })
  const integrator = await hashWith(INTEGRATOR)
  const outcomes = Array.from({ length: 8 }, () =>
    lanes.verify(integrator, 'guess').then(
      (ok) => ok,
      (err: unknown) => err,
    ),
  )
  const busy = await Promise.all(outcomes.slice(5))
  t.true(
    busy.every((outcome) => outcome instanceof KdfBusyError),
    'the 6th to 8th are refused without waiting',
  )
  await held.started(2)
  t.is(held.pending.length, 2, 'two checks started, three wait')
  t.deepEqual(lanes.stats(), { cheap: 0, expensive: 2, busy: 3 })

  held.pending[0]?.finish()
  await outcomes[0]
  await held.started(3)
  t.is(held.pending.length, 3, 'a finished check hands its slot to the longest waiting one')
  for (let i = 1; i < 5; i++) {
    await held.started(i + 1)
    held.pending[i]?.finish()
    await outcomes[i]
  }
  t.deepEqual(lanes.stats(), { cheap: 0, expensive: 5, busy: 3 })
  const later = lanes.verify(integrator, 'later')
  await held.started(6)
  held.pending[5]?.finish()
  t.false(await later, 'the lane is free again')
})

test('cheap (device) checks never wait behind expensive ones, even when the expensive lane is full', async (t) => {
  const held = heldChecks()
  const lanes = new KdfLanes({ expensiveConcurrency: 1, expensiveQueue: 1, verify: held.verify })
  const [integrator, device] = await Promise.all([hashWith(INTEGRATOR), hashWith(DEVICE)])
  const burst = Array.from({ length: 30 }, () => lanes.verify(integrator, 'guess').catch((err: unknown) => err))
  const deviceCheck = lanes.verify(device, 'device password')
  await held.started(2)
  t.deepEqual(
    held.pending.map((check) => check.params.logN).sort(),
    [10, 15],
    'the device check started while 1 expensive runs and 1 waits',
  )
  held.pending.find((check) => check.params.logN === 10)?.finish()
  t.false(await deviceCheck)
  t.deepEqual(lanes.stats(), { cheap: 1, expensive: 1, busy: 28 })
  for (const check of held.pending) check.finish()
  await held.started(3)
  held.pending[2]?.finish()
  await Promise.all(burst)
})
