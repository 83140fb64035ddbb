import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ExecutionContext } from 'ava'
import { stringify } from 'yaml'
import { hashPassword } from '../../../broker/auth/password-hash.ts'
import type { ManagerConfigInput } from '../../../manager/config/config.ts'
import { BIN, freePort, spawnNode, tempDir, until, type Child } from './processes.ts'

/** Cheap scrypt for the principals tests write into credential files. */
const TEST_SCRYPT = { logN: 10, r: 8, p: 1 }

export interface Credential {
  username: string
  password: string
}

export const newCredential = (username: string): Credential => ({
  username,
  password: randomBytes(16).toString('base64url'),
})

/** Writes a broker credentials file (broker/README.md format) with hashed passwords. */
export async function writeCredentialsFile(
  file: string,
  principals: ReadonlyArray<Credential & Record<string, string>>,
): Promise<void> {
  const entries = await Promise.all(
    principals.map(async ({ password, ...rest }) => ({
      ...rest,
      passwordHash: await hashPassword(password, TEST_SCRYPT),
    })),
  )
  await writeFile(file, stringify({ principals: entries }))
}

export async function writeManagerConfig(
  dir: string,
  config: ManagerConfigInput,
  name = 'manager.yaml',
): Promise<string> {
  const file = path.join(dir, name)
  await writeFile(file, stringify(config))
  return file
}

export interface Answer {
  status: number
  json: Record<string, unknown>
}

export interface ManagerProcess extends Child {
  apiUrl: string
  /** The admin token the manager wrote into its data dir on the first start. */
  token: string
  api(method: string, urlPath: string, body?: unknown): Promise<Answer>
}

/** `amt-manager serve --config <file>` as a child process; resolves once /readyz answers 200. */
export async function startManagerProcess(
  t: ExecutionContext,
  options: { configFile: string; dataDir: string; apiPort: number; env?: Record<string, string>; fdLimit?: number },
): Promise<ManagerProcess> {
  const child = spawnNode(
    t,
    BIN.manager,
    ['serve', '--config', options.configFile],
    options.env,
    options.fdLimit === undefined ? {} : { fdLimit: options.fdLimit },
  )
  const apiUrl = `http://127.0.0.1:${options.apiPort}`
  await until(async () => (await fetch(`${apiUrl}/readyz`)).status === 200, 'the manager to be ready', { dead: child })
  const token = (await readFile(path.join(options.dataDir, 'admin-token'), 'utf8')).trim()
  return { ...child, apiUrl, token, api: (method, urlPath, body) => callApi(apiUrl, token, method, urlPath, body) }
}

export async function callApi(
  apiUrl: string,
  token: string,
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(`${apiUrl}${urlPath}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }
}

/** GET one host through the API (the user's view). */
export async function getHost(
  manager: Pick<ManagerProcess, 'api'>,
  tenantId: string,
  hostId: string,
): Promise<Record<string, unknown>> {
  const answer = await manager.api('GET', `/api/v1/tenants/${tenantId}/hosts/${hostId}`)
  if (answer.status !== 200) throw new Error(`GET host: ${answer.status} ${JSON.stringify(answer.json)}`)
  return answer.json
}

/** Creates the tenant and registers the host; returns the device credential the API answered with. */
export async function registerHost(
  manager: Pick<ManagerProcess, 'api'>,
  tenantId: string,
  hostId: string,
): Promise<Credential & { url?: string }> {
  const tenants = await manager.api('GET', `/api/v1/tenants/${tenantId}`)
  if (tenants.status === 404) await expectStatus(manager.api('POST', '/api/v1/tenants', { tenantId }), 201)
  const registered = await expectStatus(manager.api('POST', `/api/v1/tenants/${tenantId}/hosts`, { hostId }), 201)
  return registered.json.mqtt as Credential & { url?: string }
}

export async function activate(
  manager: Pick<ManagerProcess, 'api'>,
  tenantId: string,
  hostId: string,
): Promise<Answer> {
  return expectStatus(
    manager.api('PATCH', `/api/v1/tenants/${tenantId}/hosts/${hostId}/amt`, { desiredAmtState: 'PROVISIONED' }),
    200,
  )
}

async function expectStatus(pending: Promise<Answer>, status: number): Promise<Answer> {
  const answer = await pending
  if (answer.status !== status)
    throw new Error(`expected HTTP ${status}, got ${answer.status}: ${JSON.stringify(answer.json)}`)
  return answer
}

export interface ManagerWithIntegrator {
  manager: ManagerProcess
  dataDir: string
  mqttUrl: string
  /** An integrator principal (read-only) of `tenantId`, from the manager's integrators file. */
  integrator: Credential
}

/** A manager child (embedded broker on TCP, log level info) with one integrator of `tenantId`, in a temp dir. */
export async function startManagerWithIntegrator(
  t: ExecutionContext,
  tenantId: string,
  prefix: string,
): Promise<ManagerWithIntegrator> {
  const dir = await tempDir(t, prefix)
  const dataDir = path.join(dir, 'data')
  const [apiPort, mqttPort] = [await freePort(), await freePort()]
  const integrator = newCredential('reader')
  await writeCredentialsFile(path.join(dir, 'integrators.yaml'), [{ ...integrator, role: 'integrator', tenantId }])
  const configFile = await writeManagerConfig(dir, {
    dataDir: 'data',
    api: { port: apiPort },
    broker: { embedded: { tcp: { port: mqttPort }, integratorsFile: 'integrators.yaml' } },
    log: { level: 'info' },
  })
  const manager = await startManagerProcess(t, { configFile, dataDir, apiPort })
  return { manager, dataDir, mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, integrator }
}
