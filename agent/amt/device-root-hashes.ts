/**
 * AMT's trusted root certificate hashes as the device model keeps them and `rpc amtinfo -cert` prints them
 * (certificateHashes keyed by name, CAPITALISED keys: ../shared/reference/rpc-go.md).
 */
export interface DeviceCertificateHash {
  Name: string
  /** Lowercase hex, as rpc prints it. */
  Hash: string
  Algorithm: string
  IsActive: boolean
  IsDefault: boolean
}

/** Two of the roots AMT ships with (their real SHA-256 fingerprints), both active. */
export const DEFAULT_CERTIFICATE_HASHES: readonly DeviceCertificateHash[] = Object.freeze([
  {
    Name: 'VeriSign Class 3 Primary CA-G5',
    Hash: '9acfab7e43c8d880d06b262a94deeee4b4659989c3d0caf19baf6405e41ab7df',
    Algorithm: 'SHA256',
    IsActive: true,
    IsDefault: true,
  },
  {
    Name: 'DigiCert Global Root G2',
    Hash: 'cb3ccbb76031e5e0138f8dd39a23f9de47ffc35e43c1144cea27d46a5ab1cb5f',
    Algorithm: 'SHA256',
    IsActive: true,
    IsDefault: true,
  },
])

/** rpc's `certificateHashes` object: keyed by name. */
export function certificateHashesDocument(
  hashes: readonly DeviceCertificateHash[],
): Record<string, DeviceCertificateHash> {
  return Object.fromEntries(hashes.map((hash) => [hash.Name, { ...hash }]))
}
