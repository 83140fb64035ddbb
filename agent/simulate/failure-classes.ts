/** The failure classes a simulated fleet mixes in. Without zod: the simulate command's option parsers need them. */
export type FailureClass = 'transient' | 'activationFails' | 'lmsMissing' | 'stuckConnecting'
export const FAILURE_CLASSES: readonly FailureClass[] = [
  'transient',
  'activationFails',
  'lmsMissing',
  'stuckConnecting',
]
