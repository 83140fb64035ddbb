import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { execa } from 'execa'
import { AmtError } from '../../../agent/amt/port.ts'
import { DEFAULT_CERTIFICATE_HASHES } from '../../../agent/amt/device-root-hashes.ts'
import { parseCertificateHashes } from '../../../agent/amt/rpc-certificate-hashes.ts'
import { Capability } from '../../../schemas/messages/capability.ts'
import { EXAMPLES } from '../../../schemas/contract/examples.ts'
import { RPC_EMULATOR } from './emulator-harness.ts'

// `rpc amtinfo -cert` parsing: the emulator's real output (v2 `-json -cert`, v3 `--json --cert`), and hostile or
// broken documents, which either lose single entries or fail as RpcBadOutput, never crash.

for (const [rpcLine, argv] of [
  ['v2', ['amtinfo', '-json', '-cert']],
  ['v3', ['amtinfo', '--json', '--cert']],
] as const) {
  test(`${rpcLine} emulator output of ${argv.join(' ')} parses into the default trusted roots`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'rpc-cert-hashes-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    await writeFile(join(dir, 'device.json'), JSON.stringify({ rpcLine }))
    const result = await execa(RPC_EMULATOR, [...argv], { env: { RPC_EMULATOR_DEVICE: join(dir, 'device.json') } })
    const { hashes, skipped } = parseCertificateHashes(result.stdout)
    t.is(skipped, 0)
    t.deepEqual(
      hashes.map((hash) => hash.name),
      DEFAULT_CERTIFICATE_HASHES.map((hash) => hash.Name),
    )
    t.true(Capability.safeParse({ ...EXAMPLES.capability, trustedRootHashes: hashes }).success, 'fits the contract')
  })
}

const GARBAGE: [string, string][] = [
  ['garbage text', 'panic: runtime error: invalid memory address\n\u0000{{{'],
  ['empty stdout', ''],
  ['a document without certificateHashes', '{"amt": "18.0.5"}'],
  ['certificateHashes as an array', '{"certificateHashes": [{"Hash": "ab"}]}'],
]
for (const [title, stdout] of GARBAGE) {
  test(`${title} → RpcBadOutput`, (t) => {
    const error = t.throws(() => parseCertificateHashes(stdout))
    t.true(error instanceof AmtError)
    t.like(error, { codeName: 'RpcBadOutput', errorClass: 'permanent' })
  })
}

test('malformed entries are skipped, algorithms and hex are normalised, at most 64 kept', (t) => {
  const entry = (hash: string, algorithm = 'SHA256') => ({ Hash: hash, Name: 'x', Algorithm: algorithm })
  const document = {
    certificateHashes: {
      Good: { ...entry(`AB:${'cd'.repeat(31)}`, 'sha-256'), Name: 'Good', IsActive: true, IsDefault: true },
      'No name': { Hash: 'ef'.repeat(48), Algorithm: 'SHA384', IsActive: 'yes' },
      'Wrong length': entry('ab'.repeat(20)),
      'Not hex': entry('zz'.repeat(32)),
      'Unknown algorithm': entry('ab'.repeat(16), 'MD5'),
      'Not an object': 42,
      'No hash': { Name: 'x', Algorithm: 'SHA256' },
    },
  }
  const { hashes, skipped } = parseCertificateHashes(JSON.stringify(document))
  t.deepEqual(hashes, [
    { name: 'Good', algorithm: 'SHA256', hash: `ab${'cd'.repeat(31)}`, active: true, default: true },
    { name: 'No name', algorithm: 'SHA384', hash: 'ef'.repeat(48), active: false, default: false },
  ])
  t.is(skipped, 5)
  const many = Object.fromEntries(
    Array.from({ length: 100 }, (_, i) => [`r${i}`, entry(i.toString(16).padStart(64, '0'))]),
  )
  const capped = parseCertificateHashes(JSON.stringify({ certificateHashes: many }))
  t.is(capped.hashes.length, 64)
  t.is(capped.skipped, 36)
})
