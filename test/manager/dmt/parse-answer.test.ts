import test from 'ava'
import { z } from 'zod'
import { DmtError, parseAnswer } from '../../../manager/dmt/errors.ts'

const Device = z.object({ guid: z.string(), connectionStatus: z.boolean() })

test('an answer of the expected shape is returned parsed', (t) => {
  t.deepEqual(parseAnswer('MPS', Device, { guid: 'g', connectionStatus: true, extra: 1 }, 'GET /devices/g'), {
    guid: 'g',
    connectionStatus: true,
  })
})

test('an answer of another shape is <service>_UNAVAILABLE naming the request and the path of its first problem', (t) => {
  const error = t.throws(() => parseAnswer('MPS', Device, { guid: 7 }, 'GET /devices/g'), { instanceOf: DmtError })
  t.is(error?.code, 'MPS_UNAVAILABLE')
  t.is(
    error?.message,
    'MPS unavailable: GET /devices/g: unexpected answer (guid: Invalid input: expected string, received number)',
  )
  const rps = t.throws(() => parseAnswer('RPS', z.array(Device), 'not a list', 'GET /profiles'), {
    instanceOf: DmtError,
  })
  t.is(rps?.code, 'RPS_UNAVAILABLE')
  t.regex(rps?.message ?? '', /^RPS unavailable: GET \/profiles: unexpected answer \(\(root\): /)
})
