import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { execa } from 'execa'
import type { DeviceModelInit } from '../../../agent/amt/device-model.ts'
import { RPC_EMULATOR } from './emulator-harness.ts'

/** The emulator itself, run directly: the rpc quirks the adapter relies on (or must avoid). */
async function emulator(t: ExecutionContext, device: DeviceModelInit | Record<string, unknown>) {
  const dir = await mkdtemp(join(tmpdir(), 'rpc-emulator-direct-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const devicePath = join(dir, 'device.json')
  const logPath = join(dir, 'calls.jsonl')
  await writeFile(devicePath, JSON.stringify(device)) // a partial device file: the emulator fills in the defaults
  const run = (argv: string[], env: Record<string, string> = {}, input = '') =>
    execa(RPC_EMULATOR, argv, {
      reject: false,
      input,
      env: { RPC_EMULATOR_DEVICE: devicePath, RPC_EMULATOR_LOG: logPath, ...env },
    })
  return { run, devicePath, calls: () => readFile(logPath, 'utf8') }
}

test('v2 `amtinfo -json -n` selects nothing, exactly like real v2 (sections are chosen by counting args)', async (t) => {
  const { run } = await emulator(t, {})
  const result = await run(['amtinfo', '-json', '-n'])
  t.is(result.exitCode, 0)
  t.is(result.stdout, '{}')
})

test('v2 accepts double-dash flags; JSON on stdout is 2-space indented', async (t) => {
  const { run } = await emulator(t, {})
  const result = await run(['amtinfo', '--json'])
  t.regex(result.stdout, /^\{\n {2}"amt": "18\.0\.5",\n/)
})

test('v3 (Kong) rejects the single-dash `-json` with exit 10', async (t) => {
  const { run } = await emulator(t, { rpcLine: 'v3' })
  const result = await run(['amtinfo', '-json'])
  t.is(result.exitCode, 10)
  t.regex(result.stderr, /unknown flag -o/)
})

test('without -json, logs are logrus text; errors print `Error <code>: <message>`', async (t) => {
  const { run } = await emulator(t, { faults: { lmsMissing: true } })
  const result = await run(['activate', '-u', 'wss://rps.example.com/activate'], { PROFILE: 'p' })
  t.is(result.exitCode, 139)
  t.regex(
    result.stderr,
    /^time="[^"]+" level=error msg="Error 139: LMSConnectionFailed - Details: Failed to connect to LMS\. Please install LMS for activation\."$/m,
  )
})

test('the calls log records argv and the names, never the values, of secret env vars', async (t) => {
  const { run, calls } = await emulator(t, {})
  const result = await run(['activate', '-u', 'wss://rps.example.com/activate', '-json'], {
    PROFILE: 'ccm',
    AMT_PASSWORD: 'Very-Secret-1',
  })
  t.is(result.exitCode, 0)
  t.regex(result.stderr, /"msg":"Status: Client control mode\."/)
  const text = await calls()
  t.regex(text, /"env":\["AMT_PASSWORD","PROFILE"\]/)
  t.false(text.includes('Very-Secret-1'))
})

test('faults.amtinfoOmits leaves keys out of amtinfo in both lines', async (t) => {
  for (const rpcLine of ['v2', 'v3'] as const) {
    const { run } = await emulator(t, { rpcLine, faults: { amtinfoOmits: ['buildNumber', 'uuid', 'sku'] } })
    const document = JSON.parse((await run(['amtinfo', rpcLine === 'v2' ? '-json' : '--json'])).stdout) as Record<
      string,
      unknown
    >
    t.like(document, { amt: '18.0.5', features: 'AMT Pro Corporate' }, rpcLine)
    for (const key of ['buildNumber', 'uuid', 'sku']) t.false(key in document, `${rpcLine}: ${key} left out`)
  }
})

test('an invalid device file is refused with the problem, exit 1', async (t) => {
  const { run } = await emulator(t, { faults: { hangs: ['amtinfo'] } })
  const result = await run(['amtinfo', '-json'])
  t.is(result.exitCode, 1)
  t.regex(result.stderr, /faults: Unrecognized key.*hangs/)
})

/** The device file after a call: what the emulated AMT now holds. */
async function storedPassword(t: ExecutionContext, device: { devicePath: string }): Promise<unknown> {
  const saved = JSON.parse(await readFile(device.devicePath, 'utf8')) as { password?: unknown }
  t.truthy(saved)
  return saved.password
}

test('v3 `configure amtpassword` takes the new password from RPC_NEWAMTPASSWORD (Kong DefaultEnvars), never argv', async (t) => {
  const device = await emulator(t, { rpcLine: 'v3', controlMode: 'ccm', password: 'Old-Pass-1' })
  const result = await device.run(['configure', 'amtpassword', '--json'], {
    AMT_PASSWORD: 'Old-Pass-1',
    RPC_NEWAMTPASSWORD: 'New-Pass-2',
  })
  t.is(result.exitCode, 0, result.stderr)
  t.regex(result.stderr, /"msg":"Successfully updated AMT Password\."/)
  t.is(await storedPassword(t, device), 'New-Pass-2')
  const text = await device.calls()
  t.regex(text, /"argv":\["configure","amtpassword","--json"\],"env":\["AMT_PASSWORD","RPC_NEWAMTPASSWORD"\]/)
  t.false(text.includes('New-Pass-2') || text.includes('Old-Pass-1'))
})

test('v3 `configure amtpassword`: a refused current password is exit 10 with the WS-MAN 401, the password stays', async (t) => {
  const device = await emulator(t, { rpcLine: 'v3', controlMode: 'acm', password: 'Old-Pass-1' })
  const env = { AMT_PASSWORD: 'Older-Pass-0', RPC_NEWAMTPASSWORD: 'New-Pass-2' }
  const refused = await device.run(['configure', 'amtpassword', '--json'], env)
  t.is(refused.exitCode, 10)
  t.regex(refused.stderr, /failed to get AMT general settings: Received 401 unauthorized/)
  t.is(await storedPassword(t, device), 'Old-Pass-1')
})

test('v3 `configure amtpassword`: faults.changePasswordFails exits 10; not activated exits 115', async (t) => {
  const failing = await emulator(t, {
    rpcLine: 'v3',
    controlMode: 'ccm',
    password: 'Old-Pass-1',
    faults: { changePasswordFails: true },
  })
  const env = { AMT_PASSWORD: 'Old-Pass-1', RPC_NEWAMTPASSWORD: 'New-Pass-2' }
  t.is((await failing.run(['configure', 'amtpassword', '--json'], env)).exitCode, 10)
  t.is(await storedPassword(t, failing), 'Old-Pass-1')
  const fresh = await emulator(t, { rpcLine: 'v3' })
  t.is((await fresh.run(['configure', 'amtpassword', '--json'], env)).exitCode, 115)
})

test('v3 `configure amtpassword` without the variable prompts and, like rpc on a pipe, keeps the newline', async (t) => {
  const device = await emulator(t, { rpcLine: 'v3', controlMode: 'ccm', password: 'Old-Pass-1' })
  const piped = await device.run(['configure', 'amtpassword', '--json'], { AMT_PASSWORD: 'Old-Pass-1' }, 'New-Pass-2\n')
  t.is(piped.exitCode, 0, piped.stderr)
  t.is(piped.stdout, 'New AMT Password: ')
  t.is(await storedPassword(t, device), 'New-Pass-2\n')
  const unterminated = await device.run(['configure', 'amtpassword'], { AMT_PASSWORD: 'New-Pass-2\n' }, 'Next-3')
  t.is(unterminated.exitCode, 10)
  t.regex(unterminated.stderr, /failed to read new AMT password: EOF/)
  t.is(await storedPassword(t, device), 'New-Pass-2\n')
})
