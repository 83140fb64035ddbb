/** The kernel module of the ME interface. */
export const MEI_MODULE = 'mei_me'

/**
 * What the systemd adapter (systemd.ts) uses when not told otherwise, written once: the agent's config section `lms`
 * defaults to the same modprobe and systemctl (agent/config-schema.ts). Apart from systemd.ts so that the config
 * schema does not load execa.
 */
export const SYSTEMD_DEFAULTS = {
  /** Full argv that loads the MEI driver. */
  modprobe: ['modprobe', MEI_MODULE],
  /** The systemctl executable (name on PATH or absolute path). */
  systemctl: 'systemctl',
  /** The LMS unit. */
  lmsUnit: 'lms.service',
  /** Where loaded kernel modules appear. */
  sysModuleDir: '/sys/module',
  /** Where registered PCI drivers appear (also for a mei_me built into the kernel). */
  sysPciDriversDir: '/sys/bus/pci/drivers',
  /** Timeout of each command; the child is killed (SIGTERM, then SIGKILL) on expiry. */
  commandTimeoutMs: 30_000,
} as const
