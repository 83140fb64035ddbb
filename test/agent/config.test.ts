import test from 'ava'
import { inspect } from 'node:util'
import { ENV_BROKER_PASSWORD, ENV_RPS_TOKEN, loadAgentConfig, parseAgentConfig } from '../../agent/config.ts'

const minimal = { tenantId: 'acme', broker: { url: 'mqtt://broker.example:1883' } }
const noFiles = (path: string): string => {
  throw Object.assign(new Error(`no ${path}`), { code: 'ENOENT' })
}

test('a minimal config gets every default', (t) => {
  const result = parseAgentConfig(minimal, { env: {}, readFile: noFiles })
  if (!result.ok) return t.fail(result.problems.join('\n'))
  const { config } = result
  t.is(config.hostId, undefined)
  t.is(config.identity.productUuidPath, '/sys/class/dmi/id/product_uuid')
  t.like(config.broker, { keepaliveSeconds: 30, reconnectMinMs: 500, reconnectMaxMs: 60_000, offlineQueueLimit: 100 })
  t.deepEqual(config.rpc, {
    path: '/usr/bin/rpc',
    amtinfoTimeoutMs: 60_000,
    operationTimeoutMs: 300_000,
    killGraceMs: 5_000,
    skipCertCheck: false,
    devDir: '/dev',
  })
  t.deepEqual(config.reconcile, {
    intervalMs: 300_000,
    maxAttempts: 3,
    retryBaseMs: 5_000,
    retryMaxMs: 300_000,
    stuckConnectingMs: 180_000,
    maxRecoveries: 2,
    secretTimeoutMs: 30_000,
    secretResendMs: 2_000,
  })
  t.deepEqual(config.lms, { manage: true, modprobe: ['modprobe', 'mei_me'], systemctl: 'systemctl' })
  t.is(config.log.level, 'info')
  t.deepEqual(config.secrets, { brokerPassword: null, rpsToken: null })
})

test('the config is frozen, deeply', (t) => {
  const result = parseAgentConfig(minimal, { env: {}, readFile: noFiles })
  if (!result.ok) return t.fail()
  t.true(Object.isFrozen(result.config))
  t.true(Object.isFrozen(result.config.broker))
  t.true(Object.isFrozen(result.config.lms.modprobe))
})

test('every problem is reported with its path', (t) => {
  const result = parseAgentConfig(
    {
      tenantId: 'a/b',
      hostId: '#',
      broker: { url: 'http://x', keepaliveSeconds: 1, clientCertFile: '/c.pem', typo: 1 },
      rpc: { operationTimeoutMs: 'soon' },
      reconcile: { maxAttempts: 0, retryBaseMs: 10, retryMaxMs: 5 },
      lms: { modprobe: [] },
      log: { level: 'loud' },
      extra: true,
    },
    { env: {}, readFile: noFiles },
  )
  if (result.ok) return t.fail('accepted a bad config')
  const text = result.problems.join('\n')
  for (const path of [
    'tenantId:',
    'hostId:',
    'broker.url:',
    'broker.keepaliveSeconds:',
    'broker: unknown key(s) typo',
    'rpc.operationTimeoutMs:',
    'reconcile.maxAttempts:',
    'lms.modprobe:',
    'log.level:',
    '(root): unknown key(s) extra',
  ]) {
    t.true(text.includes(path), `missing problem for ${path} in:\n${text}`)
  }
})

test('cross-field rules: certificate pairs and ordered bounds', (t) => {
  const result = parseAgentConfig(
    { ...minimal, broker: { ...minimal.broker, clientCertFile: '/c.pem', reconnectMinMs: 5000, reconnectMaxMs: 100 } },
    { env: {}, readFile: () => '' },
  )
  if (result.ok) return t.fail()
  t.true(
    result.problems.some((p) => p.startsWith('broker.clientCertFile: clientCertFile and clientKeyFile go together')),
  )
  t.true(result.problems.some((p) => p.startsWith('broker.reconnectMinMs:')))
})

test('the broker password comes from passwordFile, trimmed, and never prints', (t) => {
  const result = parseAgentConfig(
    { ...minimal, broker: { ...minimal.broker, passwordFile: '/etc/amt-agent/password' } },
    { env: {}, readFile: (path) => (path === '/etc/amt-agent/password' ? 's3cret-pass\n' : noFiles(path)) },
  )
  if (!result.ok) return t.fail(result.problems.join('\n'))
  t.is(result.config.secrets.brokerPassword?.reveal(), 's3cret-pass')
  const printed = [
    JSON.stringify(result.config),
    inspect(result.config, { depth: 10 }),
    String(result.config.secrets.brokerPassword),
  ].join('\n')
  t.false(printed.includes('s3cret-pass'))
  t.true(printed.includes('[redacted]'))
})

test('environment variables override the secrets', (t) => {
  const result = parseAgentConfig(
    { ...minimal, broker: { ...minimal.broker, passwordFile: '/missing' } },
    { env: { [ENV_BROKER_PASSWORD]: 'from-env', [ENV_RPS_TOKEN]: 'jwt-token' }, readFile: noFiles },
  )
  if (!result.ok) return t.fail(result.problems.join('\n'))
  t.is(result.config.secrets.brokerPassword?.reveal(), 'from-env')
  t.is(result.config.secrets.rpsToken?.reveal(), 'jwt-token')
})

test('unreadable referenced files are problems, not crashes', (t) => {
  const result = parseAgentConfig(
    { ...minimal, broker: { ...minimal.broker, passwordFile: '/nope', caFile: '/ca.pem' } },
    { env: {}, readFile: noFiles },
  )
  t.deepEqual(result, {
    ok: false,
    problems: ['broker.passwordFile: cannot read /nope (ENOENT)', 'broker.caFile: cannot read /ca.pem (ENOENT)'],
  })
})

test('loadAgentConfig reads YAML and reports unreadable or malformed files', (t) => {
  const files: Record<string, string> = {
    '/good.yaml': 'tenantId: acme\nhostId: node-1\nbroker:\n  url: mqtts://b.example:8883\n',
    '/bad.yaml': 'tenantId: [\n',
  }
  const readFile = (path: string) => files[path] ?? noFiles(path)
  const good = loadAgentConfig('/good.yaml', { env: {}, readFile })
  t.true(good.ok)
  if (good.ok) t.is(good.config.hostId, 'node-1')
  const bad = loadAgentConfig('/bad.yaml', { env: {}, readFile })
  t.false(bad.ok)
  if (!bad.ok) t.regex(bad.problems[0] ?? '', /^\/bad\.yaml: not valid YAML/)
  t.deepEqual(loadAgentConfig('/none.yaml', { env: {}, readFile }), {
    ok: false,
    problems: ['/none.yaml: cannot read (ENOENT)'],
  })
})
