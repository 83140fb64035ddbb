import { inspect } from 'node:util'
import test from 'ava'
import {
  configSummary,
  ENV_MPS_TOKEN,
  ENV_RPS_TOKEN,
  ENV_VAULT_SECRET_ID,
  ENV_VAULT_TOKEN,
  parseManagerConfig,
  type ManagerConfig,
} from '../../../manager/config/config.ts'
import { dmtConfigOf } from '../../../manager/wiring/integrations.ts'
import { MPS_ADDRESS_RULE } from '../../../schemas/dns-names.ts'

const STATIC_PASSWORD = 'Static-Pa55word!'
const files: Record<string, string> = {
  '/etc/amt/vault-token': 'hvs.file-token\n',
  '/etc/amt/secret-id': 'approle-secret-id\n',
  '/etc/amt/acme-amt': `${STATIC_PASSWORD}\n`,
  '/etc/amt/weak': 'password\n',
  '/etc/amt/no-rps-special': 'Static-Pa55word.\n',
  '/etc/amt/rps-token': 'rps-jwt',
  '/etc/amt/cira': 'Cira-Pa55word',
  '/etc/amt/jwks.json': '{"keys":[]}',
  '/etc/amt/grpc.crt': 'CERT',
  '/etc/amt/grpc.key': 'KEY',
  '/var/run/secrets/kubernetes.io/serviceaccount/token': 'jwt',
}
const readFile = (file: string): string => {
  const content = files[file]
  if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' })
  return content
}
const parse = (document: unknown, env: NodeJS.ProcessEnv = {}) =>
  parseManagerConfig(document, { env, baseDir: '/etc/amt', readFile })
const ok = (result: ReturnType<typeof parse>): ManagerConfig => {
  if (!result.ok) throw new Error(result.problems.join('\n'))
  return result.config
}
const problems = (document: unknown, env: NodeJS.ProcessEnv = {}): string[] => {
  const result = parse(document, env)
  return result.ok ? [] : result.problems
}
const printed = (config: ManagerConfig): string =>
  [JSON.stringify(config), inspect(config, { depth: 20 }), JSON.stringify(configSummary(config))].join('\n')

const DMT = {
  rps: { url: 'http://rps:8081', activationUrl: 'wss://rps.example.com/activate', tokenFile: 'rps-token' },
  mps: { url: 'http://mps:3000', publicAddress: 'mps.example.com', ciraPasswordFile: 'cira' },
}

test('defaults: the local secret store in <dataDir>/secrets.db, generated passwords of 16, no RPS/MPS, no gRPC bridge', (t) => {
  const config = ok(parse({ dataDir: 'state' }))
  t.deepEqual(config.secrets, { kind: 'local', file: '/etc/amt/state/secrets.db' })
  t.deepEqual(config.passwords, { length: 16, static: {} })
  t.is(config.dmt, null)
  t.is(config.grpc, null)
  t.like(configSummary(config), {
    secrets: { kind: 'local', file: '/etc/amt/state/secrets.db' },
    dmt: null,
    grpc: null,
    rpsActivationUrl: null,
  })
})

test('local secret store: `file` relative to the config file; the old `dir` is refused', (t) => {
  t.deepEqual(ok(parse({ secrets: { kind: 'local', file: 'keep/secrets.db' } })).secrets, {
    kind: 'local',
    file: '/etc/amt/keep/secrets.db',
  })
  t.true(problems({ secrets: { kind: 'local', dir: 'secrets' } }).some((problem) => problem.includes('dir')))
})

test('local secret store: `maxVersions` (1-100) of each host password; absent: the store default', (t) => {
  t.like(ok(parse({ secrets: { kind: 'local', maxVersions: 25 } })).secrets, { kind: 'local', maxVersions: 25 })
  for (const maxVersions of [0, 101, 2.5]) {
    t.true(
      problems({ secrets: { kind: 'local', maxVersions } }).some((problem) => problem.includes('secrets.maxVersions')),
      String(maxVersions),
    )
  }
})

test('Vault: the token from the environment or a file, AppRole secret id, Kubernetes JWT file; never printed', (t) => {
  const vault = (auth: object) => ({ secrets: { kind: 'vault', address: 'https://vault:8200', auth } })
  const fromFile = ok(parse(vault({ method: 'token', tokenFile: 'vault-token' })))
  t.like(fromFile.secrets, {
    kind: 'vault',
    address: 'https://vault:8200',
    mount: 'secret',
    pathPrefix: 'amt',
    timeoutMs: 5000,
    retries: 3,
    backoff: { baseMs: 200, maxMs: 5000 },
  })
  t.is(
    fromFile.secrets.kind === 'vault' && fromFile.secrets.auth.method === 'token'
      ? fromFile.secrets.auth.token.reveal()
      : '',
    'hvs.file-token',
  )
  const fromEnv = ok(
    parse(vault({ method: 'token', tokenFile: 'vault-token' }), { [ENV_VAULT_TOKEN]: 'hvs.env-token' }),
  )
  t.is(
    fromEnv.secrets.kind === 'vault' && fromEnv.secrets.auth.method === 'token'
      ? fromEnv.secrets.auth.token.reveal()
      : '',
    'hvs.env-token',
  )
  t.false(printed(fromEnv).includes('hvs.'), 'the token is never printed')

  const approle = ok(
    parse(vault({ method: 'approle', roleId: 'manager', secretIdFile: 'secret-id' }), {
      [ENV_VAULT_SECRET_ID]: 'from-env',
    }),
  )
  t.like(approle.secrets, { auth: { method: 'approle', roleId: 'manager' } })
  t.is(
    approle.secrets.kind === 'vault' && approle.secrets.auth.method === 'approle'
      ? approle.secrets.auth.secretId?.reveal()
      : '',
    'from-env',
  )
  t.like(ok(parse(vault({ method: 'kubernetes', role: 'orch-svc' }))).secrets, {
    auth: { method: 'kubernetes', role: 'orch-svc', jwtFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
  })

  t.deepEqual(problems(vault({ method: 'token' })), [`secrets.auth.tokenFile: required (or set ${ENV_VAULT_TOKEN})`])
  t.deepEqual(problems(vault({ method: 'kubernetes', role: 'r', jwtFile: 'nope' })), [
    'secrets.auth.jwtFile: cannot read /etc/amt/nope (ENOENT)',
  ])
  const bad = problems({ secrets: { kind: 'vault', address: 'ftp://vault', mount: '../x', auth: { method: 'magic' } } })
  for (const key of ['secrets.address:', 'secrets.mount:', 'secrets.auth.method:'])
    t.true(
      bad.some((p) => p.startsWith(key)),
      `${key} in ${bad.join(' | ')}`,
    )
})

test('static passwords per tenant from a file or a named environment variable, checked against the AMT rules without echoing them', (t) => {
  const config = ok(
    parse(
      {
        passwords: {
          length: 20,
          static: {
            acme: { amtPasswordFile: 'acme-amt' },
            '*': { amtPasswordEnv: 'DEFAULT_AMT', mebxPasswordEnv: 'DEFAULT_MEBX' },
          },
        },
      },
      { DEFAULT_AMT: 'Env-Pa55word!', DEFAULT_MEBX: 'Mebx-Pa55word!' },
    ),
  )
  t.is(config.passwords.length, 20)
  t.is(config.passwords.static.acme?.amtPassword.reveal(), STATIC_PASSWORD)
  t.is(config.passwords.static['*']?.mebxPassword?.reveal(), 'Mebx-Pa55word!')
  t.false(printed(config).includes('Pa55word'))

  const found = problems({
    passwords: {
      length: 40,
      static: {
        acme: { amtPasswordFile: 'weak' },
        globex: { amtPasswordEnv: 'UNSET' },
        'bad/id': { amtPasswordFile: 'x' },
        both: { amtPasswordFile: 'a', amtPasswordEnv: 'B' },
      },
    },
  })
  for (const key of [
    'passwords.length:',
    'passwords.static.bad/id',
    'passwords.static.both.amtPasswordFile: give exactly one',
  ])
    t.true(
      found.some((p) => p.startsWith(key)),
      `${key} in ${found.join(' | ')}`,
    )
  const contents = problems({
    passwords: { static: { acme: { amtPasswordFile: 'weak' }, globex: { amtPasswordEnv: 'UNSET' } } },
  })
  t.true(
    contents.includes('passwords.static.acme.amtPasswordFile: the password needs an upper-case letter'),
    contents.join(' | '),
  )
  t.true(contents.includes('passwords.static.globex.amtPasswordEnv: UNSET is not set'))
  t.false(
    contents.join('\n').includes('password\n') || contents.join('\n').includes(': password'),
    'the weak password itself is not echoed',
  )
})

test('dmt: RPS/MPS with tokens and the CIRA password from files or the environment; createDmt gets them revealed', (t) => {
  const config = ok(parse({ dmt: DMT }, { [ENV_MPS_TOKEN]: 'mps-jwt' }))
  t.like(config.dmt, {
    rps: { url: 'http://rps:8081', timeoutMs: 5000, retry: { attempts: 3 } },
    mps: { publicAddress: 'mps.example.com', port: 4433, username: 'admin' },
    concurrency: 8,
    powerSweep: { intervalSeconds: 300, concurrency: 4 },
    registrationSweep: { intervalSeconds: 600, concurrency: 4 },
  })
  t.false(printed(config).includes('jwt') || printed(config).includes('Cira-Pa55word'))
  t.like(configSummary(config), {
    dmt: { rps: 'http://rps:8081/', mps: 'http://mps:3000/', mpsPublicAddress: 'mps.example.com' },
    rpsActivationUrl: 'wss://rps.example.com/activate',
  })
  if (config.dmt === null) return t.fail('dmt is configured')
  t.like(dmtConfigOf(config.dmt), {
    rps: { token: 'rps-jwt' },
    mps: { token: 'mps-jwt', ciraPassword: 'Cira-Pa55word' },
  })
  t.is(ok(parse({ dmt: DMT }, { [ENV_RPS_TOKEN]: 'env-rps' })).dmt?.rps.token?.reveal(), 'env-rps')

  const rpsStrict = { static: { acme: { amtPasswordFile: 'no-rps-special' } } }
  t.true(parse({ passwords: rpsStrict }).ok, 'AMT accepts it')
  t.deepEqual(problems({ dmt: DMT, passwords: rpsStrict }), [
    'passwords.static.acme.amtPasswordFile: the password needs one of ! @ # $ % ^ & * (RPS refuses profiles without)',
  ])
  t.deepEqual(problems({ dmt: DMT, rps: { url: 'wss://rps.example.com/activate' } }), [
    'rps.url: remove it: with dmt, the activation URL is dmt.rps.activationUrl',
  ])
  t.deepEqual(problems({ dmt: { ...DMT, mps: { ...DMT.mps, ciraPasswordFile: 'rps-token' } } }), [
    'dmt.mps.ciraPasswordFile: the CIRA password must have 8-63 characters',
  ])
  const bad = problems({
    dmt: { rps: { url: 'ws://rps', token: 'inline' }, mps: { url: 'http://mps', publicAddress: 'mps example' } },
  })
  for (const key of [
    'dmt.rps.url:',
    'dmt.rps.activationUrl:',
    'dmt.rps: unknown key(s) token',
    'dmt.mps.publicAddress:',
  ])
    t.true(
      bad.some((p) => p.startsWith(key)),
      `${key} in ${bad.join(' | ')}`,
    )
})

test('dmt.mps.publicAddress: refused at start when RPS would refuse it in a CIRA config, with the rule', (t) => {
  const withAddress = (publicAddress: string) => problems({ dmt: { ...DMT, mps: { ...DMT.mps, publicAddress } } })
  for (const accepted of ['mps.example.com', '10.0.0.5']) t.deepEqual(withAddress(accepted), [], accepted)
  for (const refused of ['MPS.example.com', 'mps', 'mps_1.example.com', '300.1.1.1', 'mps.example.com.']) {
    t.deepEqual(withAddress(refused), [`dmt.mps.publicAddress: publicAddress must be ${MPS_ADDRESS_RULE}`], refused)
  }
})

test('grpc: port 50058 by default, one key source, TLS files checked, its port must not clash', (t) => {
  const config = ok(
    parse({
      grpc: {
        auth: { jwksFile: 'jwks.json', issuer: 'https://keycloak/realms/master' },
        tls: { certFile: 'grpc.crt', keyFile: 'grpc.key' },
      },
    }),
  )
  t.like(config.grpc, {
    host: '0.0.0.0',
    port: 50058,
    tls: { certFile: '/etc/amt/grpc.crt', keyFile: '/etc/amt/grpc.key' },
    auth: { jwksFile: '/etc/amt/jwks.json', clockToleranceSec: 30 },
  })
  t.deepEqual(problems({ grpc: { auth: {} } }), [
    'grpc.auth.publicKeyFile: give exactly one of publicKeyFile and jwksFile',
  ])
  t.deepEqual(problems({ grpc: { auth: { publicKeyFile: 'nope.pem' } } }), [
    'grpc.auth.publicKeyFile: cannot read /etc/amt/nope.pem (ENOENT)',
  ])
  t.deepEqual(problems({ api: { port: 50058 }, grpc: { auth: { jwksFile: 'jwks.json' } } }), [
    'grpc.port: port 50058 is taken by api.port',
  ])
})
