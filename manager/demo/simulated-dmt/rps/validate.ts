/**
 * The checks RPS's express-validator chains make on create (device-management-toolkit/rps: ciraValidator,
 * amtProfileValidator, domainInsertValidator), reduced to the rules our client can trip. Each failure echoes the
 * rejected value, as express-validator does — which is why the client must never pass these bodies on verbatim.
 */

export interface FieldError {
  path: string
  msg: string
  value: unknown
}

const PROFILE_NAME = /^[a-zA-Z0-9$@$!%*#?&-_~^]+$/
const CONFIG_NAME = /^[a-zA-Z0-9_-]+$/
const AMT_PASSWORD = /^(?=.*[0-9])(?=.*[!@#$%^&*])(?=.*[a-z])(?=.*[A-Z])[a-zA-Z0-9$@$!%*#?&-_~^]{8,32}$/
const IPV4 = /^([01]?[0-9]?[0-9]|2[0-4][0-9]|25[0-5])(\.([01]?[0-9]?[0-9]|2[0-4][0-9]|25[0-5])){3}$/
const FQDN = /^(?=.{1,254}$)((?=[a-z0-9-]{1,63}\.)(xn--+)?[a-z0-9]+(-[a-z0-9]+)*\.)+[a-z]{2,63}$/

const empty = (value: unknown): boolean => value === undefined || value === null || value === ''

export function validateCiraConfig(body: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = []
  const check = (path: string, ok: boolean, msg: string) => {
    if (!ok) errors.push({ path, msg, value: body[path] })
  }
  check(
    'configName',
    typeof body.configName === 'string' && CONFIG_NAME.test(body.configName),
    'CIRA profile name accepts letters, numbers, underscore and hyphen only',
  )
  check(
    'serverAddressFormat',
    [3, 4, 201].includes(body.serverAddressFormat as number),
    'MPS server address format should be either 3(IPV4) , 4(IPV6) or 201(FQDN)',
  )
  const address = typeof body.mpsServerAddress === 'string' ? body.mpsServerAddress : ''
  check(
    'mpsServerAddress',
    address !== '' && (body.serverAddressFormat === 3 ? IPV4.test(address) : FQDN.test(address) || IPV4.test(address)),
    'MPS server address does not match serverAddressFormat',
  )
  check(
    'mpsPort',
    Number.isInteger(body.mpsPort) && (body.mpsPort as number) >= 1024 && (body.mpsPort as number) <= 49151,
    'MPS Port value should range between 1024 and 49151',
  )
  check(
    'username',
    typeof body.username === 'string' && /^[a-zA-Z0-9]{5,16}$/.test(body.username),
    'MPS user name should be alphanumeric, 5 to 16 characters',
  )
  check(
    'authMethod',
    [1, 2].includes(body.authMethod as number),
    'Authentication method should be either 1 (Mutual Auth) or 2 (username and password)',
  )
  check('mpsRootCertificate', !empty(body.mpsRootCertificate), 'MPS public root certificate is required')
  return errors
}

export function validateProfile(body: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = []
  const check = (path: string, ok: boolean, msg: string) => {
    if (!ok) errors.push({ path, msg, value: body[path] })
  }
  const acm = body.activation === 'acmactivate'
  check(
    'profileName',
    typeof body.profileName === 'string' && PROFILE_NAME.test(body.profileName),
    'AMT profile name accepts letters, numbers, special characters and no spaces',
  )
  check(
    'activation',
    body.activation === 'ccmactivate' || acm,
    'Activation accepts either acmactivate (admin control activation) or ccmactivate (client control mode activation)',
  )
  if (body.generateRandomPassword === true)
    check(
      'generateRandomPassword',
      empty(body.amtPassword),
      'Either generate Random AMT Password should be enabled or should provide AMT Password but not both',
    )
  else
    check(
      'amtPassword',
      typeof body.amtPassword === 'string' && AMT_PASSWORD.test(body.amtPassword),
      'AMT password: 8-32 characters with a lowercase and an uppercase letter, a digit and a special character',
    )
  if (acm && body.generateRandomMEBxPassword !== true)
    check(
      'mebxPassword',
      !empty(body.mebxPassword),
      'If generate random MEBx password is disabled, mebxPassword is mandatory',
    )
  if (!empty(body.mebxPassword))
    check(
      'mebxPassword',
      typeof body.mebxPassword === 'string' && AMT_PASSWORD.test(body.mebxPassword),
      'MEBx password: 8-32 characters with a lowercase and an uppercase letter, a digit and a special character',
    )
  if (!empty(body.userConsent)) {
    check(
      'userConsent',
      ['None', 'KVM', 'All'].includes(body.userConsent as string),
      'User consent must be one of None,KVM,All',
    )
    if (!acm)
      check(
        'userConsent',
        body.userConsent === 'All',
        'User consent is required for all the actions in client control mode',
      )
  }
  check('dhcpEnabled', typeof body.dhcpEnabled === 'boolean', 'DHCP enabled must be a boolean')
  return errors
}

export function validateDomain(body: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = []
  const check = (path: string, ok: boolean, msg: string) => {
    if (!ok) errors.push({ path, msg, value: body[path] })
  }
  check(
    'profileName',
    typeof body.profileName === 'string' && CONFIG_NAME.test(body.profileName),
    'AMT Domain profile name accepts letters, numbers, hyphens (-), and underscores (_)',
  )
  check('domainSuffix', !empty(body.domainSuffix), 'Domain suffix name is required')
  check('provisioningCert', !empty(body.provisioningCert), 'Provisioning certificate is required')
  check(
    'provisioningCertStorageFormat',
    ['raw', 'string'].includes(body.provisioningCertStorageFormat as string),
    "Provisioning Cert Storage Format should be either 'raw' or 'string'",
  )
  check(
    'provisioningCertPassword',
    typeof body.provisioningCertPassword === 'string' &&
      body.provisioningCertPassword.length > 0 &&
      body.provisioningCertPassword.length <= 64,
    'Provisioning Cert Password is required (at most 64 characters)',
  )
  return errors
}
