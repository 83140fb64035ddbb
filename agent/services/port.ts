/** State of the Intel Local Manageability Service on the node. */
export type LmsState = 'active' | 'inactive' | 'not-installed' | 'unknown'

/**
 * The OS services AMT needs: the MEI kernel module and LMS. Implementations: systemctl/modprobe via execa with
 * fixed, configurable commands, and a recording fake for tests.
 */
export interface ServiceControl {
  lmsState(): Promise<LmsState>
  /** Loads mei_me when it is absent. Idempotent. */
  ensureMei(): Promise<void>
  /** Unmasks, enables and starts lms.service. Skips when already active. Idempotent. */
  enableLms(): Promise<void>
}
