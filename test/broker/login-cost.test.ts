import test from 'ava'
import { MemoryCredentialStore } from '../../broker/auth/credentials.ts'
import { KdfLanes } from '../../broker/auth/kdf-lanes.ts'
import {
  hashPassword,
  verifyPasswordHash,
  type DecodedHash,
  type PasswordVerifier,
  type ScryptParams,
} from '../../broker/auth/password-hash.ts'
import { agentClientId } from '../../schemas/principals.ts'
import { startTestBroker } from '../helpers/broker.ts'
import { within } from './support/mqtt-clients.ts'
import { connectPacket, rawConnect } from './support/raw-connect.ts'

const params = (logN: number): ScryptParams => ({ logN, r: 8, p: 1 })
/** What the checks record for a keyed digest (no scrypt parameters). */
const DIGEST: ScryptParams = { logN: 0, r: 0, p: 0 }
const DEVICE = { username: 'h1@t1', password: 'device secret', role: 'device', tenantId: 't1', hostId: 'h1' } as const
const READER = { username: 'reader', password: 'reader secret', role: 'integrator', tenantId: 't1' } as const

/** Records the cost parameters of every password check the broker asks for (each one is a KDF run). */
function recordingVerifier(next: PasswordVerifier = verifyPasswordHash) {
  const checks: ScryptParams[] = []
  const verify = (hash: DecodedHash, password: string | Buffer): Promise<boolean> => {
    checks.push(hash.scheme === 'scrypt' ? hash.params : DIGEST)
    return next(hash, password)
  }
  return { checks, verify }
}

const clientIdFor = (username: string): string =>
  username.includes('@')
    ? agentClientId({ tenantId: 't1', hostId: username.split('@')[0] ?? '' }, 'x')
    : `${username}:x`
const connectAs = (port: number, username: string, password: string, timeoutMs?: number) =>
  rawConnect(port, connectPacket(clientIdFor(username), username, password), timeoutMs)

test('an unknown username costs the check of an existing principal of its kind, and gets the same CONNACK as a wrong password', async (t) => {
  // Three distinct costs, so the test sees which one each check paid: devices 2^10, integrators 2^12, the store's default 2^11.
  const recorder = recordingVerifier()
  const credentials = new MemoryCredentialStore({ scryptParams: params(11), verify: recorder.verify })
  await credentials.add({
    ...DEVICE,
    password: undefined,
    passwordHash: await hashPassword(DEVICE.password, params(10)),
  })
  await credentials.add({
    ...READER,
    password: undefined,
    passwordHash: await hashPassword(READER.password, params(12)),
  })
  const { port, broker } = await startTestBroker(t, { credentials })

  const attempts = [
    ['reader', 'wrong'],
    ['nobody', 'wrong'],
    ['h1@t1', 'wrong'],
    ['h9@t1', 'wrong'],
  ] as const
  const answers: (number | string)[] = []
  for (const [username, password] of attempts) answers.push(await connectAs(port, username, password))
  t.deepEqual(answers, [4, 4, 4, 4], 'CONNACK 4 "bad username or password" for all')
  t.deepEqual(
    recorder.checks.map((check) => check.logN),
    [12, 12, 10, 10],
    'wrong password and unknown user: the same work per kind',
  )
  t.deepEqual(broker.stats().connectionsRefused, { 'bad-credentials': 4 })
})

test('repeated failures lock an integrator name without checks; a device name is never locked', async (t) => {
  const recorder = recordingVerifier()
  const credentials = new MemoryCredentialStore({ scryptParams: params(10), verify: recorder.verify })
  await credentials.add(DEVICE)
  await credentials.add(READER)
  const { port, broker } = await startTestBroker(t, { credentials })

  for (let i = 0; i < 5; i++) t.is(await connectAs(port, READER.username, `wrong ${i}`), 4)
  t.is(await connectAs(port, READER.username, READER.password), 3, 'CONNACK 3 "server unavailable": retry later')
  t.is(recorder.checks.length, 5, 'the locked attempt cost no check')
  for (let i = 0; i < 8; i++) t.is(await connectAs(port, DEVICE.username, `wrong ${i}`), 4)
  t.is(await connectAs(port, DEVICE.username, DEVICE.password), 0, 'the device connects')
  t.like(broker.stats().connectionsRefused, { 'bad-credentials': 13, 'login-locked': 1 })
})

test('a burst of wrong integrator logins does not hold up a device login: the expensive lane is bounded, the rest refused as busy', async (t) => {
  const EXPENSIVE = params(15) // the production integrator cost
  // While the gate is closed, an expensive check that started holds its place in the lane: the test sees the lane
  // full (2 running, 16 waiting) whatever the machine's speed, and the device logs in meanwhile.
  let gate = Promise.resolve()
  let expensiveStarted = 0
  const lanes = new KdfLanes({
    expensiveConcurrency: 2,
    expensiveQueue: 16,
    verify: async (hash, password) => {
      if (hash.scheme === 'scrypt' && hash.params.logN === EXPENSIVE.logN) {
        expensiveStarted += 1
        await gate
      }
      return verifyPasswordHash(hash, password)
    },
  })
  let entered = 0
  let onEnter = (): void => undefined
  const credentials = new MemoryCredentialStore({
    scryptParams: params(10),
    verify: (hash, password) => {
      entered += 1
      onEnter()
      return lanes.verify(hash, password)
    },
  })
  await credentials.add(DEVICE)
  await credentials.add({
    ...READER,
    password: undefined,
    passwordHash: await hashPassword(READER.password, EXPENSIVE),
  })
  const { port, broker } = await startTestBroker(t, { credentials })
  t.is(await connectAs(port, 'warm-up', 'wrong'), 4, 'the decoy hash exists before the burst')

  let release = (): void => undefined
  gate = new Promise<void>((resolve) => (release = resolve))
  expensiveStarted = 0
  const BURST = 40
  const allEntered = new Promise<void>((resolve) => {
    onEnter = () => entered >= BURST + 1 && resolve()
  })
  // Their answers wait for the gate: bounded by the waits below (30 s + the device login + 60 s), not 10 s each.
  const burst = Array.from({ length: BURST }, (_, i) => connectAs(port, `guess-${i}`, 'wrong', 120_000))
  await within(allEntered, 'every burst login to reach the password check', 30_000)
  t.is(
    await connectAs(port, DEVICE.username, DEVICE.password),
    0,
    'the device got in while the expensive lane was full',
  )
  t.is(expensiveStarted, 2, 'two expensive checks at a time')
  release()
  const answers = await within(Promise.all(burst), 'the answers to the burst', 60_000)

  const checked = answers.filter((answer) => answer === 4).length
  const busy = answers.filter((answer) => answer === 3).length
  t.is(checked + busy, BURST, 'every burst login was refused: checked (4) or busy (3)')
  t.is(checked, 2 + 16, 'two checks ran, sixteen waited')
  t.is(broker.stats().connectionsRefused['login-busy'], busy)
})
