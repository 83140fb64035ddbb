import type { ErrorClass } from '../../schemas/index.ts'

/**
 * rpc's exit codes (same numbers in rpc-go v2 and v3; ../shared/reference/rpc-go.md "Exit codes").
 * `name` is the Go identifier of the code (for 121-135 the chart shares the message "ActivationFailed" and adds a
 * detail, so the identifier is used to keep names distinct); `message`/`details` are what rpc prints as
 * `Error <code>: <message> - Details: <details>`.
 *
 * Transient codes are retried with backoff by the agent; permanent ones end in FAILED:
 * - 4 AmtNotReady, 71 AMTConnectionFailed: the firmware or its local connection was not ready yet.
 * - 10 GenericFailure: transient only when rpc's text names a transient reason (interrupted system call, device
 *   or resource busy, RPS unreachable); any other 10 is permanent. 2 with "device or resource busy" is transient.
 * Everything else is permanent: a retry with the same input gives the same answer.
 */
export interface ExitCodeEntry {
  name: string
  class: ErrorClass
  /** rpc's message when it differs from `name`. */
  message?: string
  details?: string
}

const permanent = (name: string, extra: Omit<ExitCodeEntry, 'name' | 'class'> = {}): ExitCodeEntry => ({
  name,
  class: 'permanent',
  ...extra,
})
const transient = (name: string): ExitCodeEntry => ({ name, class: 'transient' })
const activationFailed = (name: string, details: string): ExitCodeEntry =>
  permanent(name, { message: 'ActivationFailed', details })

export const EXIT_CODES: Readonly<Record<number, ExitCodeEntry>> = Object.freeze({
  0: permanent('Success'),
  1: permanent('IncorrectPermissions'),
  2: permanent('HECIDriverNotDetected'),
  3: permanent('AmtNotDetected'),
  4: transient('AmtNotReady'),
  5: permanent('HelpRequested', { message: 'flag: help requested' }),
  // 10: permanent unless the text names a transient reason (classifyFailure).
  10: permanent('GenericFailure'),
  20: permanent('MissingOrIncorrectURL'),
  21: permanent('MissingOrIncorrectProfile'),
  22: permanent('ServerCerificateVerificationFailed'),
  23: permanent('MissingOrIncorrectPassword'),
  24: permanent('MissingDNSSuffix'),
  25: permanent('MissingHostname'),
  26: permanent('MissingProxyAddressAndPort'),
  27: permanent('MissingOrIncorrectStaticIP'),
  28: permanent('IncorrectCommandLineParameters'),
  29: permanent('MissingOrIncorrectNetworkMask'),
  30: permanent('MissingOrIncorrectGateway'),
  31: permanent('MissingOrIncorrectPrimaryDNS'),
  32: permanent('MissingOrIncorrectSecondaryDNS'),
  33: permanent('InvalidParameterCombination'),
  34: permanent('FailedReadingConfiguration'),
  35: permanent('MissingOrInvalidConfiguration'),
  36: permanent('InvalidUserInput'),
  37: permanent('InvalidUUID'),
  38: permanent('PasswordsDoNotMatch'),
  70: permanent('RPSAuthenticationFailed'),
  71: transient('AMTConnectionFailed'),
  72: permanent('OSNetworkInterfacesLookupFailed'),
  100: permanent('AMTAuthenticationFailed'),
  101: permanent('WSMANMessageError'),
  102: permanent('ActivationFailed'),
  103: permanent('NetworkConfigurationFailed'),
  104: permanent('CIRAConfigurationFailed'),
  105: permanent('TLSConfigurationFailed'),
  106: permanent('WiFiConfigurationFailed'),
  107: permanent('AMTFeaturesConfigurationFailed'),
  108: permanent('Ieee8021xConfigurationFailed'),
  109: permanent('UnableToDeactivate'),
  110: permanent('DeactivationFailed'),
  111: permanent('UnableToActivate'),
  112: permanent('WifiConfigurationWithWarnings'),
  113: permanent('UnmarshalMessageFailed'),
  114: permanent('DeleteConfigsFailed'),
  115: permanent('DeviceNotActivated'),
  116: permanent('MissingOrIncorrectWifiProfileName'),
  117: permanent('MissingIeee8021xConfiguration'),
  118: permanent('SetMEBXPasswordFailed'),
  119: permanent('ChangeAMTPasswordFailed'),
  120: permanent('UnableToConfigure'),
  121: activationFailed('ActivationFailedDecode64', 'failed to decode the certificate from Base64 format'),
  122: activationFailed('ActivationFailedWrongCertPass', 'provisioning cert password incorrect'),
  123: activationFailed('ActivationFailedInvalidProvCert', 'invalid provisioning certificate'),
  124: activationFailed('ActivationFailedNoCertFound', 'no certificates found'),
  125: activationFailed('ActivationFailedNoPrivKeys', 'no private keys found'),
  126: activationFailed('ActivationFailedNoRootCertFound', 'root certificate not found in the pfx'),
  127: activationFailed('ActivationFailedGetCertHash', 'failed to get certificate hashes'),
  128: activationFailed(
    'ActivationFailedProvCertNoMatch',
    'the root of the provisioning certificate does not match any of the trusted roots in AMT',
  ),
  129: activationFailed('ActivationFailedGeneralSettings', 'wsman message error, failed to get general settings'),
  130: activationFailed(
    'ActivationFailedSetupService',
    'wsman message error, failed to get host based setup service response',
  ),
  131: activationFailed('ActivationFailedAddCert', 'wsman message error, failed to add certificate to AMT'),
  132: activationFailed('ActivationFailedGenerateNonce', 'failed to generate nonce'),
  133: activationFailed('ActivationFailedSignString', 'failed to create signed string'),
  134: activationFailed('ActivationFailedGetControlMode', 'failed to get control mode'),
  135: activationFailed('ActivationFailedControlMode', 'received invalid control mode'),
  136: permanent('DuplicateKey', { details: 'Key pair already exists' }),
  137: permanent('WiredConfigurationFailed'),
  // One number, two meanings in rpc-go: a too-long leaf certificate hash, or an AMT version rpc does not support.
  138: permanent('ActivationFailedCertHashOrUnsupportedAMTVersion', { message: 'UnsupportedAMTVersion' }),
  139: permanent('LMSConnectionFailed', { details: 'Failed to connect to LMS. Please install LMS for activation.' }),
  150: permanent('SyncClockFailed'),
  151: permanent('SyncHostnameFailed'),
  152: permanent('SyncIpFailed'),
  153: permanent('ChangePasswordFailed'),
  154: permanent('SyncDeviceInfoFailed'),
})

/**
 * OS errno texts of the ME interface that a retry fixes: EINTR, and EBUSY (another HECI client holds the device).
 * They make 10 GenericFailure and 2 HECIDriverNotDetected ("open /dev/mei0: device or resource busy") transient;
 * a node whose ME device is merely busy must not be reported as not capable.
 */
const TRANSIENT_ME_PATTERNS: readonly RegExp[] = [/interrupted system call/i, /device or resource busy/i]

/**
 * RPS unreachable: transient for 10 GenericFailure (RPS may be restarting; the agent's bounded retries turn a long
 * outage into FAILED anyway). Not applied to other codes: rpc logs "connection refused" before a 139 too.
 */
const TRANSIENT_RPS_PATTERNS: readonly RegExp[] = [/unable to connect to rps/i, /connection refused/i]

const TEXT_SENSITIVE: Readonly<Record<number, readonly RegExp[]>> = {
  2: TRANSIENT_ME_PATTERNS,
  10: [...TRANSIENT_ME_PATTERNS, ...TRANSIENT_RPS_PATTERNS],
}

export interface FailureClassification {
  name: string
  class: ErrorClass
}

/** The chart entry of an exit code; unknown codes are `Unknown(<n>)`, permanent. */
export function exitCodeEntry(code: number): ExitCodeEntry {
  return EXIT_CODES[code] ?? permanent(`Unknown(${code})`)
}

/** The text rpc prints for a code: `Error <code>: <message>[ - Details: <details>]`. */
export function rpcErrorText(code: number, details?: string): string {
  const entry = exitCodeEntry(code)
  const detail = details ?? entry.details
  return `Error ${code}: ${entry.message ?? entry.name}${detail ? ` - Details: ${detail}` : ''}`
}

/** Name and class of a failed rpc run from its exit code and the text it printed (stderr / error log lines). */
export function classifyFailure(code: number, stderrText: string): FailureClassification {
  const entry = exitCodeEntry(code)
  const transientText = (TEXT_SENSITIVE[code] ?? []).some((pattern) => pattern.test(stderrText))
  return { name: entry.name, class: transientText ? 'transient' : entry.class }
}
