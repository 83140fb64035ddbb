import test from 'ava'
import { createFakeServiceControl } from '../../../agent/services/fake.ts'
import { serviceControlConformance } from './service-control-conformance.ts'

serviceControlConformance('fake', (initial) => {
  const control = createFakeServiceControl(initial)
  return Promise.resolve({
    control,
    meiLoaded: () => Promise.resolve(control.state.meiLoaded),
    effects: () => Promise.resolve({ ...control.effects }),
  })
})

test('fake: records every call in order', async (t) => {
  const control = createFakeServiceControl({ lms: 'inactive' })
  await control.ensureMei()
  await control.lmsState()
  await control.enableLms()
  t.deepEqual(control.calls, ['ensureMei', 'lmsState', 'enableLms'])
})

test('fake: an injected failure rejects and changes nothing', async (t) => {
  const control = createFakeServiceControl({ lms: 'inactive', failOn: { enableLms: new Error('bus down') } })
  await t.throwsAsync(control.enableLms(), { message: 'bus down' })
  t.is(control.state.lms, 'inactive')
  t.deepEqual(control.calls, ['enableLms'])
})
