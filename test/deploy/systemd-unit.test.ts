import test from 'ava'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { directives, unitExposure, verifiableCopy, verifyUnit } from '../helpers/systemd-analyze.ts'

const UNIT_NAME = 'amt-agent.service'
const UNIT_PATH = fileURLToPath(new URL(`../../deploy/agent/${UNIT_NAME}`, import.meta.url))
/** Exposure × 10 above which `systemd-analyze security` fails the test (1.9 when this was written). */
const MAX_EXPOSURE_TENTHS = 20

const unitText = await readFile(UNIT_PATH, 'utf8')

test('amt-agent.service passes systemd-analyze verify without any warning', async (t) => {
  const { complaints, exitCode, output } = await verifyUnit(await verifiableCopy(t, unitText, UNIT_NAME))
  t.deepEqual(complaints, [], `systemd-analyze verify complained:\n${output}`)
  t.is(exitCode, 0, output)
})

test(`amt-agent.service exposure (systemd-analyze security --offline) stays at or below ${MAX_EXPOSURE_TENTHS / 10}`, async (t) => {
  const { score, exitCode, findings, output } = await unitExposure(
    await verifiableCopy(t, unitText, UNIT_NAME),
    MAX_EXPOSURE_TENTHS,
  )
  t.truthy(score, `no exposure score in:\n${output}`)
  t.log(`exposure ${score ?? '?'}`)
  t.is(exitCode, 0, findings)
})

test('amt-agent.service keeps its documented privilege decisions', (t) => {
  const lines = directives(unitText)
  for (const expected of [
    'User=root',
    'ExecStart=/usr/bin/amt-agent run --config /etc/amt-agent/config.yaml',
    'ConditionPathExists=/etc/amt-agent/config.yaml',
    'ExecStartPre=-+/usr/sbin/modprobe mei_me',
    'Restart=on-failure',
    'CapabilityBoundingSet=',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'DevicePolicy=closed',
    'DeviceAllow=char-mei rw',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK',
    'SystemCallFilter=@system-service',
  ]) {
    t.true(lines.includes(expected), `missing ${expected}`)
  }
  // V8's JIT needs writable+executable pages: this would make Node abort at start.
  t.false(
    lines.some((line) => line.startsWith('MemoryDenyWriteExecute=')),
    'MemoryDenyWriteExecute breaks Node',
  )
  // PrivateDevices would hide /dev/mei*, which rpc needs.
  t.false(
    lines.some((line) => line.startsWith('PrivateDevices=')),
    'PrivateDevices hides /dev/mei*',
  )
})
