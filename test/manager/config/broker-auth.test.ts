import { inspect } from 'node:util'
import test from 'ava'
import { parseManagerConfig, type ManagerConfig } from '../../../manager/config/config.ts'
import { ENV_BROKER_AUTH_SECRET } from '../../../manager/config/broker-auth.ts'

const SECRET = 'f'.repeat(64)
const files: Record<string, string> = {
  '/etc/amt/broker-auth-secret': `${SECRET}\n`,
  '/etc/amt/short-secret': 'hunter2\n',
  '/etc/amt/mqtt-password': 'manager-password\n',
  '/etc/amt/readers.yaml': 'principals: []',
}
const readFile = (file: string): string => {
  const content = files[file]
  if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' })
  return content
}
const EXTERNAL = { external: { url: 'mqtt://emqx:1883', passwordFile: 'mqtt-password' } }
const parse = (brokerAuth: unknown, env: NodeJS.ProcessEnv = {}, broker: unknown = EXTERNAL) =>
  parseManagerConfig({ api: { brokerAuth }, broker }, { env, baseDir: '/etc/amt', readFile })
const problems = (result: ReturnType<typeof parse>): string[] => (result.ok ? [] : result.problems)

function ok(result: ReturnType<typeof parse>): ManagerConfig {
  if (!result.ok) throw new Error(result.problems.join('\n'))
  return result.config
}

test('off by default: no endpoint, nothing to resolve', (t) => {
  t.is(ok(parse(undefined)).brokerAuth, null)
  t.is(ok(parse({ enabled: false, secretFile: 'nowhere' })).brokerAuth, null)
})

test('on: the secret from its file or the environment (which wins), held redacted; sources and integrators', (t) => {
  const config = ok(
    parse({
      enabled: true,
      secretFile: 'broker-auth-secret',
      allowedSources: ['10.1.0.0/16', '192.0.2.7', 'fd00::/8'],
      integratorsFile: 'readers.yaml',
    }),
  )
  t.is(config.brokerAuth?.secret.reveal(), SECRET)
  t.deepEqual(config.brokerAuth?.allowedSources, ['10.1.0.0/16', '192.0.2.7', 'fd00::/8'])
  t.is(config.brokerAuth?.integratorsFile, '/etc/amt/readers.yaml')
  t.false(inspect(config, { depth: 10 }).includes(SECRET))
  t.false(JSON.stringify(config).includes(SECRET))
  const fromEnv = ok(parse({ enabled: true }, { [ENV_BROKER_AUTH_SECRET]: 'e'.repeat(40) }))
  t.is(fromEnv.brokerAuth?.secret.reveal(), 'e'.repeat(40))
})

test('every problem is named by its key, and the secret is never echoed', (t) => {
  t.deepEqual(problems(parse({ enabled: true })), [
    `api.brokerAuth.secretFile: required when enabled (or set ${ENV_BROKER_AUTH_SECRET})`,
  ])
  const short = problems(parse({ enabled: true, secretFile: 'short-secret' }))
  t.deepEqual(short, [
    'api.brokerAuth.secretFile: the secret must be 32-256 characters of A-Z a-z 0-9 . _ ~ - (never echoed)',
  ])
  t.false(short.join('').includes('hunter2'))
  t.deepEqual(problems(parse({ enabled: true, secretFile: 'missing' })), [
    'api.brokerAuth.secretFile: cannot read /etc/amt/missing (ENOENT)',
  ])
  const badSources = problems(parse({ enabled: true, secretFile: 'broker-auth-secret', allowedSources: ['10.0.0/8'] }))
  t.true(
    badSources.some((problem) => problem.includes('api.brokerAuth.allowedSources.0')),
    badSources.join('\n'),
  )
  for (const range of ['10.0.0.0/33', 'fd00::/129', 'example.org', '10.0.0.0/8/1']) {
    t.false(parse({ enabled: true, secretFile: 'broker-auth-secret', allowedSources: [range] }).ok, range)
  }
  const embedded = problems(
    parse({ enabled: true, secretFile: 'broker-auth-secret', integratorsFile: 'readers.yaml' }, {}, { embedded: {} }),
  )
  t.deepEqual(embedded, [
    'api.brokerAuth.integratorsFile: only with broker.external (use broker.embedded.integratorsFile)',
  ])
  t.true(problems(parse({ enabled: true, secret: SECRET })).some((problem) => problem.includes('secret')))
})
