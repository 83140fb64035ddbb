import test from 'ava'
import { ServiceControlError } from '../../../agent/services/errors.ts'
import type { ServiceControl } from '../../../agent/services/port.ts'

/** The node state a subject starts from. */
export interface InitialNodeState {
  lms: 'active' | 'inactive' | 'not-installed'
  meiLoaded: boolean
}

interface ConformanceSubject {
  control: ServiceControl
  /** Whether mei_me is loaded now, as the node would show it. */
  meiLoaded: () => Promise<boolean>
  /** How many times the implementation loaded mei_me / started LMS so far. */
  effects: () => Promise<{ meiLoads: number; lmsStarts: number }>
  teardown?: () => Promise<void>
}

export type SubjectFactory = (initial: InitialNodeState) => Promise<ConformanceSubject>

/** The ServiceControl contract, run against every implementation (real adapter with fake CLIs, and the fake). */
export function serviceControlConformance(label: string, create: SubjectFactory): void {
  const subject = async (t: { teardown(fn: () => Promise<void> | void): void }, initial: InitialNodeState) => {
    const made = await create(initial)
    t.teardown(async () => made.teardown?.())
    return made
  }

  for (const lms of ['active', 'inactive', 'not-installed'] as const) {
    test(`${label}: lmsState reports ${lms}`, async (t) => {
      const { control } = await subject(t, { lms, meiLoaded: true })
      t.is(await control.lmsState(), lms)
    })
  }

  test(`${label}: enableLms starts an inactive LMS once and is idempotent`, async (t) => {
    const { control, effects } = await subject(t, { lms: 'inactive', meiLoaded: true })
    await control.enableLms()
    await control.enableLms()
    t.is(await control.lmsState(), 'active')
    t.is((await effects()).lmsStarts, 1)
  })

  test(`${label}: enableLms leaves an active LMS alone`, async (t) => {
    const { control, effects } = await subject(t, { lms: 'active', meiLoaded: true })
    await control.enableLms()
    t.is((await effects()).lmsStarts, 0)
  })

  test(`${label}: enableLms rejects with LMS_NOT_INSTALLED when there is no unit`, async (t) => {
    const { control, effects } = await subject(t, { lms: 'not-installed', meiLoaded: true })
    const err = await t.throwsAsync(control.enableLms(), { instanceOf: ServiceControlError })
    t.is(err?.code, 'LMS_NOT_INSTALLED')
    t.is(await control.lmsState(), 'not-installed')
    t.is((await effects()).lmsStarts, 0)
  })

  test(`${label}: ensureMei loads mei_me only when absent`, async (t) => {
    const { control, meiLoaded, effects } = await subject(t, { lms: 'inactive', meiLoaded: false })
    await control.ensureMei()
    await control.ensureMei()
    t.true(await meiLoaded())
    t.is((await effects()).meiLoads, 1)
  })

  test(`${label}: ensureMei does nothing when mei_me is loaded`, async (t) => {
    const { control, effects } = await subject(t, { lms: 'inactive', meiLoaded: true })
    await control.ensureMei()
    t.is((await effects()).meiLoads, 0)
  })
}
