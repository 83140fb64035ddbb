import type { AmtControlMode, ObservedControlMode } from '../../schemas/enums.ts'

export interface ControlModeText {
  text: string
  /** AMT is activated in the other mode than asked (asked ACM, AMT reports CCM, or the reverse). */
  differs: boolean
}

const REPORTED_WORDS: Record<ObservedControlMode, string> = {
  PRE_PROVISIONING: 'not activated (pre-provisioning)',
  CCM: 'CCM',
  ACM: 'ACM',
  UNKNOWN: 'an unknown mode',
}

/**
 * The asked control mode (desired `controlMode`) beside the one AMT reports (`reportedControlMode`), in words:
 * "ACM (AMT reports ACM)", "asked ACM, AMT reports CCM", "asked CCM; AMT has not reported yet". One text for the
 * CLI and the console.
 */
export function controlModeText(asked: AmtControlMode, reported: ObservedControlMode | null): ControlModeText {
  const askedWord = asked === 'UNSPECIFIED' ? 'none' : asked
  if (reported === null) return { text: `asked ${askedWord}; AMT has not reported yet`, differs: false }
  if (reported === asked) return { text: `${asked} (AMT reports ${reported})`, differs: false }
  const activated = reported === 'CCM' || reported === 'ACM'
  const differs = activated && (asked === 'CCM' || asked === 'ACM')
  return { text: `asked ${askedWord}, AMT reports ${REPORTED_WORDS[reported]}`, differs }
}
