import test from 'ava'
import { classifyFailure, EXIT_CODES, exitCodeEntry, rpcErrorText } from '../../../agent/amt/exit-codes.ts'

/** Every code of the reference chart (../shared/reference/rpc-go.md "Exit codes"). */
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index)
const CHART = [0, 1, 2, 3, 4, 5, 10, ...range(20, 38), 70, 71, 72, ...range(100, 139), ...range(150, 154)]

test('every code of the chart has a name and a class, and the table has nothing else', (t) => {
  for (const code of CHART) {
    const entry = EXIT_CODES[code]
    t.truthy(entry?.name, `code ${code} has a name`)
    t.true(entry?.class === 'transient' || entry?.class === 'permanent', `code ${code} has a class`)
  }
  t.deepEqual(Object.keys(EXIT_CODES).map(Number), CHART)
})

test('only 4 AmtNotReady and 71 AMTConnectionFailed are transient by code', (t) => {
  const transient = CHART.filter((code) => EXIT_CODES[code]?.class === 'transient')
  t.deepEqual(
    transient.map((code) => `${code} ${EXIT_CODES[code]?.name}`),
    ['4 AmtNotReady', '71 AMTConnectionFailed'],
  )
})

const CASES: [number, string, string, 'transient' | 'permanent'][] = [
  [10, 'ioctl on /dev/mei0: interrupted system call', 'GenericFailure', 'transient'],
  [10, 'open /dev/mei0: device or resource busy', 'GenericFailure', 'transient'],
  [10, 'Error 10: GenericFailure - Details: unable to connect to RPS', 'GenericFailure', 'transient'],
  [10, 'dial tcp 10.0.0.5:443: connect: connection refused', 'GenericFailure', 'transient'],
  [10, 'rps returned error: profile not found', 'GenericFailure', 'permanent'],
  [10, '', 'GenericFailure', 'permanent'],
  [2, 'open /dev/mei0: device or resource busy', 'HECIDriverNotDetected', 'transient'],
  [2, 'open /dev/mei0: no such file or directory', 'HECIDriverNotDetected', 'permanent'],
  [4, '', 'AmtNotReady', 'transient'],
  [71, '', 'AMTConnectionFailed', 'transient'],
  [21, '', 'MissingOrIncorrectProfile', 'permanent'],
  [23, '', 'MissingOrIncorrectPassword', 'permanent'],
  [102, 'unable to connect to RPS', 'ActivationFailed', 'permanent'],
  [128, '', 'ActivationFailedProvCertNoMatch', 'permanent'],
  [138, '', 'ActivationFailedCertHashOrUnsupportedAMTVersion', 'permanent'],
  [139, 'dial tcp 127.0.0.1:16992: connect: connection refused', 'LMSConnectionFailed', 'permanent'],
  [232, '', 'Unknown(232)', 'permanent'],
]

for (const [code, text, name, errorClass] of CASES) {
  test(`classifyFailure(${code}, ${JSON.stringify(text)}) → ${name} ${errorClass}`, (t) => {
    t.deepEqual(classifyFailure(code, text), { name, class: errorClass })
  })
}

test("rpcErrorText prints rpc's `Error <code>: <message> - Details: <details>`", (t) => {
  t.is(
    rpcErrorText(139),
    'Error 139: LMSConnectionFailed - Details: Failed to connect to LMS. Please install LMS for activation.',
  )
  t.is(rpcErrorText(121), 'Error 121: ActivationFailed - Details: failed to decode the certificate from Base64 format')
  t.is(
    rpcErrorText(23, 'AMT password is incorrect'),
    'Error 23: MissingOrIncorrectPassword - Details: AMT password is incorrect',
  )
  t.is(exitCodeEntry(999).name, 'Unknown(999)')
})
