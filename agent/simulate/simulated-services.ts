import { ServiceControlError } from '../services/errors.ts'
import type { LmsState, ServiceControl } from '../services/port.ts'

/**
 * The node's MEI module and LMS for a simulated host: the fake's semantics (agent/services/fake.ts) without its
 * call log, so thousands of hosts reconciling for hours hold a few bytes each.
 */
export function createSimulatedServices(initial: LmsState): ServiceControl {
  let lms = initial
  return {
    lmsState: () => Promise.resolve(lms),
    ensureMei: () => Promise.resolve(),
    enableLms() {
      if (lms === 'not-installed')
        return Promise.reject(
          new ServiceControlError('LMS_NOT_INSTALLED', 'lms.service is not installed on this node (simulated)'),
        )
      lms = 'active'
      return Promise.resolve()
    },
  }
}
