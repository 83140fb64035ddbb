import { ServiceControlError } from './errors.ts'
import type { LmsState, ServiceControl } from './port.ts'

/** One call the fake received, in order. */
type ServiceControlCall = 'lmsState' | 'ensureMei' | 'enableLms'

export interface FakeServiceControlState {
  lms: LmsState
  meiLoaded: boolean
  /** When set, the named operation rejects with this error (the state is left unchanged). */
  failOn?: Partial<Record<ServiceControlCall, Error>>
}

export interface FakeServiceControl extends ServiceControl {
  /** Every call, in order (lmsState included). */
  readonly calls: ServiceControlCall[]
  /** Current simulated node state; tests may mutate it (e.g. set `failOn`, or `lms = 'inactive'` after a reboot). */
  readonly state: FakeServiceControlState
  /** How many times the fake actually changed something (loaded mei_me, started LMS). */
  readonly effects: { meiLoads: number; lmsStarts: number }
}

/**
 * A recording ServiceControl with the same semantics as the systemd adapter: ensureMei loads only when absent,
 * enableLms is a no-op when LMS is active and fails when LMS is not installed.
 */
export function createFakeServiceControl(initial: Partial<FakeServiceControlState> = {}): FakeServiceControl {
  const state: FakeServiceControlState = { lms: 'inactive', meiLoaded: false, ...initial }
  const calls: ServiceControlCall[] = []
  const effects = { meiLoads: 0, lmsStarts: 0 }

  /** Records the call, then runs `effect` unless a failure is injected for it. Never throws synchronously. */
  const call = <T>(name: ServiceControlCall, effect: () => T): Promise<T> => {
    calls.push(name)
    const failure = state.failOn?.[name]
    if (failure) return Promise.reject(failure)
    try {
      return Promise.resolve(effect())
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)))
    }
  }

  return {
    calls,
    state,
    effects,
    lmsState: () => call('lmsState', () => state.lms),
    ensureMei: () =>
      call('ensureMei', () => {
        if (state.meiLoaded) return
        state.meiLoaded = true
        effects.meiLoads += 1
      }),
    enableLms: () =>
      call('enableLms', () => {
        if (state.lms === 'not-installed')
          throw new ServiceControlError('LMS_NOT_INSTALLED', 'lms.service is not installed on this node (fake)')
        if (state.lms === 'active') return
        state.lms = 'active'
        effects.lmsStarts += 1
      }),
  }
}
