import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { ENV_BROKER_PASSWORD, parseManagerConfig } from '../../../manager/config/config.ts'
import { startManager } from '../../../manager/wiring/start-manager.ts'
import { eventually } from '../../helpers/manager-mqtt.ts'
import { startMosquitto } from '../../helpers/mosquitto.ts'
import { capturedLogger } from '../secrets/support.ts'

// Issue #11: a manager whose broker account could not read answered /readyz ready and logged nothing. Against a real
// Mosquitto 2 the whole manager (config → external broker → bus → /readyz) must say not ready, why, and log it.

const WAIT_MS = 30_000
const manager = { username: 'amt-manager', password: randomBytes(9).toString('hex') }

interface Check {
  name: string
  ok: boolean
  detail?: string
}

async function startExternalManager(t: ExecutionContext, acl: string) {
  const broker = await startMosquitto(t, { users: [manager], acl })
  const dataDir = await mkdtemp(path.join(tmpdir(), 'amt-manager-readiness-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const document = { dataDir, api: { port: 0 }, broker: { external: { url: broker.url, username: manager.username } } }
  const parsed = parseManagerConfig(document, { env: { [ENV_BROKER_PASSWORD]: manager.password } })
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'))
  const { log, lines } = capturedLogger()
  const running = await startManager(parsed.config, { log })
  t.teardown(() => running.close())
  const readyz = async (): Promise<{ status: number; checks: Check[] }> => {
    const response = await fetch(`${running.apiUrl}/readyz`)
    const body = (await response.json()) as { details?: { checks?: Check[] } }
    return { status: response.status, checks: body.details?.checks ?? [] }
  }
  return { readyz, lines }
}

test('/readyz: an external Mosquitto that grants the subscriptions but denies read → 503 with the bus reason, logged once', async (t) => {
  const { readyz, lines } = await startExternalManager(t, `user ${manager.username}\ntopic write amt/v1/#\n`)
  const answer = await eventually(
    async () => {
      const current = await readyz()
      return (
        current.checks.some(
          (check) => check.name === 'bus' && check.detail?.startsWith('subscriptions deliver nothing'),
        ) && current
      )
    },
    '/readyz to report the bus',
    WAIT_MS,
  )
  t.is(answer.status, 503)
  const bus = answer.checks.find((check) => check.name === 'bus')
  t.false(bus?.ok)
  t.regex(
    bus?.detail ?? '',
    /probe on amt\/v1\/_probe\/amt-manager\/presence, .* not delivered within 10 s; the broker accepted/,
  )
  t.regex(bus?.detail ?? '', /its ACL may deny this account read access to amt\/v1\/\+\/\+\/presence, /)
  const errors = lines
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((line) => line.level >= 50)
  t.is(errors.length, 1)
  t.regex(errors[0]?.msg ?? '', /^subscriptions deliver nothing: .*Fix: in the broker's ACL allow this account to read/)
})

test('/readyz: an external Mosquitto whose ACL lets the manager read → 200', async (t) => {
  const { readyz, lines } = await startExternalManager(t, `user ${manager.username}\ntopic readwrite amt/v1/#\n`)
  const answer = await eventually(
    async () => {
      const current = await readyz()
      return current.status === 200 && current
    },
    '/readyz to answer 200',
    WAIT_MS,
  )
  t.is(answer.status, 200)
  t.false(lines.some((line) => line.includes('deliver nothing')))
})
