import { inspect } from 'node:util'
import test from 'ava'
import {
  ENV_BROKER_PASSWORD,
  ENV_INSTANCE,
  loadManagerConfig,
  parseManagerConfig,
  type ManagerConfig,
} from '../../../manager/config/config.ts'

const files: Record<string, string> = {
  '/etc/amt/mqtt-password': 'from-file\n',
  '/etc/amt/ca.crt': 'CA',
  '/etc/amt/empty': '  \n',
  '/etc/amt/readers.yaml': 'principals: []',
}
const readFile = (file: string): string => {
  const content = files[file]
  if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' })
  return content
}
const parse = (document: unknown, env: NodeJS.ProcessEnv = {}) =>
  parseManagerConfig(document, { env, baseDir: '/etc/amt', readFile })

function ok(result: ReturnType<typeof parse>): ManagerConfig {
  if (!result.ok) throw new Error(result.problems.join('\n'))
  return result.config
}

test('an empty file means: ./data, API on 127.0.0.1:8080, embedded broker on 127.0.0.1:1883, 15 min deadline', (t) => {
  const config = ok(parse({}))
  t.like(config, {
    dataDir: '/etc/amt/data',
    api: { host: '127.0.0.1', port: 8080 },
    broker: { mode: 'embedded', tcp: { host: '127.0.0.1', port: 1883 } },
    rps: {},
    deadlines: { activationMs: 900_000, checkIntervalMs: 30_000, deletionRetry: { firstMs: 10_000, maxMs: 300_000 } },
    tokensFile: '/etc/amt/data/api-tokens.json',
    startup: { timeoutMs: 60_000 },
    log: { level: 'info' },
    credentials: { brokerPassword: null },
  })
  t.is(config.broker.mode === 'embedded' && config.broker.ws, undefined, 'no WebSocket listener unless asked')
})

test('relative paths are resolved against the config file directory; the result is deeply frozen', (t) => {
  const config = ok(
    parse(
      {
        dataDir: 'state',
        tokensFile: '../tokens.json',
        broker: { embedded: { integratorsFile: 'readers.yaml', ws: {} } },
      },
      {},
    ),
  )
  t.is(config.dataDir, '/etc/amt/state')
  t.is(config.tokensFile, '/etc/tokens.json')
  t.like(config.broker, {
    mode: 'embedded',
    integratorsFile: '/etc/amt/readers.yaml',
    ws: { port: 9001, path: '/mqtt' },
  })
  t.true(Object.isFrozen(config) && Object.isFrozen(config.broker) && Object.isFrozen(config.api))
  t.throws(() => Object.assign(config.api, { port: 1 }))
})

test('every problem is reported with its key path, unknown keys included', (t) => {
  const result = parse({
    dataDir: '',
    api: { port: -1, hots: 'x' },
    rps: { url: 'https://rps' },
    deadlines: { checkIntervalMs: 1, deletionRetry: { firstMs: 5000, maxMs: 1000 } },
    log: { level: 'loud' },
    extra: true,
  })
  t.false(result.ok)
  const problems = result.ok ? [] : result.problems
  for (const key of [
    'dataDir:',
    'api.port:',
    'api: unknown key(s) hots',
    'rps.url:',
    'deadlines.checkIntervalMs:',
    'deadlines.deletionRetry:',
    'log.level:',
    '(root): unknown key(s) extra',
  ]) {
    t.true(
      problems.some((problem) => problem.startsWith(key)),
      `${key} in ${problems.join(' | ')}`,
    )
  }
})

test('one broker: embedded or external, not both; listeners must not share a port with the API or each other', (t) => {
  t.deepEqual(parse({ broker: { embedded: {}, external: { url: 'mqtt://b' } } }), {
    ok: false,
    problems: ['broker: choose one: embedded or external'],
  })
  const clash = parse({
    api: { port: 9001 },
    broker: { embedded: { tcp: { port: 1884 }, ws: {}, tls: { port: 1884, certFile: 'ca.crt', keyFile: 'ca.crt' } } },
  })
  t.deepEqual(clash.ok ? [] : clash.problems, [
    'broker.embedded.ws.port: port 9001 is taken by api.port',
    'broker.embedded.tls.port: port 1884 is taken by broker.embedded.tcp.port',
  ])
  t.true(
    parse({ api: { port: 0 }, broker: { embedded: { tcp: { port: 0 } } } }).ok,
    'port 0 (any free port) never clashes',
  )
})

test('external broker: the client id defaults to the username (amt-broker accepts ids within it only)', (t) => {
  const external = (fields: object) =>
    ok(parse({ broker: { external: { url: 'mqtt://b', passwordFile: 'mqtt-password', ...fields } } })).broker
  t.like(external({}), { username: 'amt-manager', clientId: 'amt-manager' })
  t.like(external({ username: 'manager-eu' }), { clientId: 'manager-eu' })
  t.like(external({ username: 'manager-eu', clientId: 'manager-eu:replica-2' }), { clientId: 'manager-eu:replica-2' })
})

test('external broker: a named replica (AMT_MANAGER_INSTANCE, the pod name) appends itself to the client id', (t) => {
  const document = { broker: { external: { url: 'mqtt://b', passwordFile: 'mqtt-password' } } }
  const withEnv = (instance: string) => parse(document, { [ENV_INSTANCE]: instance })
  t.like(ok(withEnv('amt-manager-7d9c5-x2x4q')).broker, { clientId: 'amt-manager:amt-manager-7d9c5-x2x4q' })
  t.like(ok(withEnv('')).broker, { clientId: 'amt-manager' }, 'empty: not named')
  const embedded = parse({}, { [ENV_INSTANCE]: 'pod-0' })
  t.true(embedded.ok, 'the embedded broker has no client id to extend')
  t.deepEqual(withEnv('bad name/1'), {
    ok: false,
    problems: [`${ENV_INSTANCE}: must be 1 to 63 of letters, digits, '.', '_' and '-'`],
  })
})

test('external broker: replicas share the agent leaves through sharedGroup, on clean sessions', (t) => {
  const external = (fields: object) =>
    parse({ broker: { external: { url: 'mqtt://b', passwordFile: 'mqtt-password', ...fields } } })
  t.like(ok(external({})).broker, { persistentSession: true })
  t.like(ok(external({ sharedGroup: 'managers' })).broker, { sharedGroup: 'managers', persistentSession: false })
  t.deepEqual(external({ sharedGroup: 'managers', persistentSession: true }), {
    ok: false,
    problems: [
      'broker.external.persistentSession: a persistent session with sharedGroup: the broker would keep queueing the share of ' +
        'a replica that is gone',
    ],
  })
  t.false(external({ sharedGroup: 'a/b' }).ok, 'a share name has no topic separators or wildcards')
})

test('external broker: the password comes from the environment or passwordFile, never printed', (t) => {
  const fromFile = ok(
    parse({ broker: { external: { url: 'mqtts://b:8883', passwordFile: 'mqtt-password', caFile: 'ca.crt' } } }),
  )
  t.like(fromFile.broker, {
    mode: 'external',
    url: 'mqtts://b:8883',
    username: 'amt-manager',
    passwordFile: '/etc/amt/mqtt-password',
    caFile: '/etc/amt/ca.crt',
  })
  t.is(fromFile.credentials.brokerPassword?.reveal(), 'from-file')
  const fromEnv = ok(
    parse(
      { broker: { external: { url: 'mqtt://b', passwordFile: 'mqtt-password' } } },
      { [ENV_BROKER_PASSWORD]: 'from-env' },
    ),
  )
  t.is(fromEnv.credentials.brokerPassword?.reveal(), 'from-env')
  for (const shown of [
    JSON.stringify(fromEnv),
    inspect(fromEnv, { depth: 10 }),
    `${String(fromEnv.credentials.brokerPassword)}`,
  ])
    t.false(shown.includes('from-env'))

  const problems = (document: unknown) => {
    const result = parse(document)
    return result.ok ? [] : result.problems
  }
  t.deepEqual(problems({ broker: { external: { url: 'mqtt://b' } } }), [
    `broker.external.passwordFile: required (or set ${ENV_BROKER_PASSWORD}) unless certFile and keyFile are given`,
  ])
  t.deepEqual(problems({ broker: { external: { url: 'mqtt://b', passwordFile: 'empty' } } }), [
    'broker.external.passwordFile: /etc/amt/empty is empty',
  ])
  t.deepEqual(problems({ broker: { external: { url: 'mqtt://b', passwordFile: 'nope', caFile: 'nope.crt' } } }), [
    'broker.external.passwordFile: cannot read /etc/amt/nope (ENOENT)',
    'broker.external.caFile: cannot read /etc/amt/nope.crt (ENOENT)',
  ])
  t.deepEqual(problems({ broker: { external: { url: 'mqtt://b', certFile: 'ca.crt' } } }), [
    'broker.external.certFile: certFile and keyFile go together',
  ])
})

test('loading a file: unreadable and invalid YAML are problems, not exceptions', (t) => {
  t.deepEqual(loadManagerConfig('/nowhere.yaml', { readFile }), {
    ok: false,
    problems: ['/nowhere.yaml: cannot read (ENOENT)'],
  })
  const broken = loadManagerConfig('/etc/amt/m.yaml', { readFile: () => 'api: [1, 2' })
  t.false(broken.ok)
  t.true(!broken.ok && broken.problems[0]?.startsWith('/etc/amt/m.yaml: not valid YAML'))
})
