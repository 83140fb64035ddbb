import test from 'ava'
import { statusReasonOf } from '../../../../manager/console/data/status-reason.ts'

const of = (status: string) => statusReasonOf({ status, capability: null })

test('a failure’s status text gives its summary, its reason and the rpc error name', (t) => {
  t.deepEqual(of('AMT Activation Failed: LMSConnectionFailed: LMS is not running'), {
    summary: 'AMT Activation Failed',
    reason: 'LMSConnectionFailed: LMS is not running',
    errorName: 'LMSConnectionFailed',
  })
  t.deepEqual(of('AMT Activation Failed: no result from the agent within 15 min'), {
    summary: 'AMT Activation Failed',
    reason: 'no result from the agent within 15 min',
    errorName: null,
  })
  t.deepEqual(of('AMT Activation Done'), { summary: 'AMT Activation Done', reason: '', errorName: null })
})

test('a not-capable host whose status says no more gets the capability report’s reason', (t) => {
  const capability = { capable: false, reason: 'no Intel ME device' }
  t.is(statusReasonOf({ status: 'AMT not supported', capability }).reason, 'no Intel ME device')
  t.is(statusReasonOf({ status: 'AMT not supported: the SKU lacks AMT', capability }).reason, 'the SKU lacks AMT')
})
