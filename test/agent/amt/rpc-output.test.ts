import { readFile } from 'node:fs/promises'
import test from 'ava'
import { AmtError, type AmtInfo } from '../../../agent/amt/port.ts'
import { HECI_UNAVAILABLE, lineOfVersion, parseAmtinfo, parseVersion } from '../../../agent/amt/rpc-output.ts'
import { scanRpcLog } from '../../../agent/amt/rpc-log.ts'

const fixture = (name: string) => readFile(new URL(`../../fixtures/amtinfo/${name}`, import.meta.url), 'utf8')

test('v2 real-world amtinfo (AMT 18.0.5, rpc 2.52.6) normalises to AmtInfo', async (t) => {
  t.deepEqual(parseAmtinfo('v2', await fixture('v2-amt18-pre-provisioning.json')), {
    amtVersion: '18.0.5',
    buildNumber: '1913',
    sku: 16392,
    features: 'AMT Pro Corporate',
    uuid: '4c4c4544-005a-3510-8047-b4c04f564433',
    controlMode: 'PRE_PROVISIONING',
    provisioningState: 'pre-provisioning',
    operationalState: 'enabled',
    dnsSuffix: '',
    dnsSuffixOS: 'lab.example.com',
    ras: {
      networkStatus: 'outside enterprise',
      remoteStatus: 'not connected',
      remoteTrigger: 'user initiated',
      mpsHostname: '',
    },
  } satisfies AmtInfo)
})

test('v3 amtinfo of the same node: omitted fields become empty, v3 strings map to the same values', async (t) => {
  const v3 = parseAmtinfo('v3', await fixture('v3-amt18-pre-provisioning.json'))
  const v2 = parseAmtinfo('v2', await fixture('v2-amt18-pre-provisioning.json'))
  t.deepEqual(v3, v2)
})

const SAMPLES: [string, 'v2' | 'v3', Partial<AmtInfo>][] = [
  [
    'v2-amt16-ccm-connected.json',
    'v2',
    {
      controlMode: 'CCM',
      provisioningState: 'post-provisioning',
      dnsSuffix: 'vpro.example.com',
      ras: {
        networkStatus: 'outside enterprise',
        remoteStatus: 'connected',
        remoteTrigger: 'periodic',
        mpsHostname: 'mps.example.com',
      },
    },
  ],
  [
    'v2-ism-pre-provisioning.json',
    'v2',
    { sku: 16400, features: 'Intel Standard Manageability Corporate', controlMode: 'PRE_PROVISIONING' },
  ],
  ['v2-not-capable.json', 'v2', { sku: 16384, features: 'Corporate', operationalState: 'disabled' }],
  [
    'v2-empty-fields.json',
    'v2',
    {
      amtVersion: '',
      sku: null,
      features: 'Invalid AMT version format',
      controlMode: 'UNKNOWN',
      provisioningState: 'unknown',
      ras: { networkStatus: '', remoteStatus: 'unknown', remoteTrigger: '', mpsHostname: '' },
      missingFields: ['amt', 'buildNumber', 'sku', 'uuid', 'controlMode'],
    },
  ],
  // Observed in the field: keys left out altogether, or a SKU that is not a number.
  [
    'v2-no-build-uuid.json',
    'v2',
    { sku: 16392, controlMode: 'PRE_PROVISIONING', buildNumber: '', uuid: '', missingFields: ['buildNumber', 'uuid'] },
  ],
  ['v3-acm-no-sku.json', 'v3', { sku: null, features: '', controlMode: 'ACM', missingFields: ['sku'] }],
  ['v2-sku-unparseable.json', 'v2', { sku: null, controlMode: 'PRE_PROVISIONING', missingFields: ['sku'] }],
  [
    'v3-provisioned-no-control-mode.json',
    'v3',
    { controlMode: 'UNKNOWN', provisioningState: 'post-provisioning', missingFields: ['sku', 'controlMode'] },
  ],
  [
    'v3-acm-connecting.json',
    'v3',
    {
      amtVersion: '19.0.2',
      controlMode: 'ACM',
      provisioningState: 'post-provisioning',
      ras: {
        networkStatus: 'outside enterprise',
        remoteStatus: 'connecting',
        remoteTrigger: 'provisioning',
        mpsHostname: 'mps.example.com',
      },
    },
  ],
  ['v3-ism-ccm.json', 'v3', { sku: 16400, controlMode: 'CCM', dnsSuffix: '' }],
]

for (const [file, line, expected] of SAMPLES) {
  test(`${file} parses as ${line}`, async (t) => {
    t.like(parseAmtinfo(line, await fixture(file)), expected)
  })
}

test('v3 heciAvailable=false is reported as such, not as an empty node', async (t) => {
  t.is(parseAmtinfo('v3', await fixture('v3-no-heci.json')), HECI_UNAVAILABLE)
})

const BAD: [string, 'v2' | 'v3', string][] = [
  ['garbage', 'v2', 'panic: runtime error\n\u0000{{{'],
  ['empty stdout', 'v2', '  \n'],
  ['v2 `amtinfo -json -n`: nothing selected', 'v2', '{}\n'],
  ['a JSON array', 'v3', '[1, 2]'],
  ['v3 document without AMT fields', 'v3', '{"hostnameOS": "x", "heciAvailable": true}'],
  ['v2 document without any decisive field', 'v2', '{"amt": "18.0.5", "buildNumber": "1913", "uuid": "u"}'],
  [
    'every decisive field of the wrong type',
    'v2',
    '{"amt": "18", "sku": true, "controlMode": 2, "provisioningState": []}',
  ],
]

for (const [title, line, stdout] of BAD) {
  test(`bad output → RpcBadOutput, permanent, short message: ${title}`, (t) => {
    const error = t.throws(() => parseAmtinfo(line, stdout), { instanceOf: AmtError })
    t.like(error, { code: null, codeName: 'RpcBadOutput', errorClass: 'permanent' })
    t.true((error?.message.length ?? 0) < 300)
    t.false(error?.message.includes('panic') ?? true, 'stdout content is not copied into the message')
  })
}

test('a field of the wrong type is unread and listed, the rest of the document is used', (t) => {
  const info = parseAmtinfo(
    'v2',
    '{"amt": 18, "buildNumber": "1", "sku": "16392", "uuid": "u", "controlMode": "", "ras": "up"}',
  )
  t.like(info, { amtVersion: '', buildNumber: '1', sku: 16392, controlMode: 'UNKNOWN', ras: null })
  t.deepEqual(info !== HECI_UNAVAILABLE ? info.missingFields : undefined, ['amt', 'controlMode', 'ras'])
})

test('a complete document lists no missing fields', async (t) => {
  for (const [file, line] of [
    ['v2-amt18-pre-provisioning.json', 'v2'],
    ['v3-acm-connecting.json', 'v3'],
  ] as const) {
    t.false('missingFields' in (parseAmtinfo(line, await fixture(file)) as AmtInfo), file)
  }
})

test('text around the JSON document is tolerated', (t) => {
  const info = parseAmtinfo(
    'v3',
    'Warning: something\n{"amt": "16.1.25", "sku": "16392", "controlMode": "client control mode", "heciAvailable": true}\n',
  )
  t.like(info, { amtVersion: '16.1.25', sku: 16392, controlMode: 'CCM' })
})

test('version: {app, version, protocol}; the line from the major version', (t) => {
  t.deepEqual(parseVersion('{\n  "app": "RPC",\n  "protocol": "4.0.0",\n  "version": "v2.48.2"\n}\n'), {
    line: 'v2',
    version: '2.48.2',
  })
  t.deepEqual(parseVersion('{"app": "rpc", "version": "3.0.0-beta.1", "protocol": "4.0.0"}'), {
    line: 'v3',
    version: '3.0.0-beta.1',
  })
  t.is(lineOfVersion('Development Build'), 'v2')
  t.throws(() => parseVersion('RPC\nVersion 2.48.2\n'), { instanceOf: AmtError, message: /unexpected output/ })
})

test('stderr scan: JSON lines, logrus text lines, plain text; first and all errors', (t) => {
  const stderr = [
    '{"level":"info","msg":"connecting to RPS","time":"2026-01-01T00:00:00Z"}',
    '{"level":"error","msg":"Device activation failed: profile mismatch","time":"2026-01-01T00:00:01Z"}',
    'time="2026-01-01T00:00:02Z" level=fatal msg="Error 10: GenericFailure - Details: \\"quoted\\""',
    'flag provided but not defined: -x',
    '',
  ].join('\n')
  const scan = scanRpcLog(stderr)
  t.is(scan.lines.length, 4)
  t.is(scan.firstError, 'Device activation failed: profile mismatch')
  t.deepEqual(scan.errors, [
    'Device activation failed: profile mismatch',
    'Error 10: GenericFailure - Details: "quoted"',
  ])
  t.is(scan.lastText, 'flag provided but not defined: -x')
  t.is(scanRpcLog('{"level":"info","msg":"Status: Deactivated","time":"x"}\n').firstError, undefined)
})
