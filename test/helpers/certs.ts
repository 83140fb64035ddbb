import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { execa } from 'execa'

/**
 * A throw-away PKI made with the openssl CLI in a temp dir: P-256 keys, one-day certificates. Missing
 * openssl fails the test with a clear message.
 */
export interface KeyPair {
  certFile: string
  keyFile: string
  cert: Buffer
  key: Buffer
}

export interface TestCa extends KeyPair {
  name: string
  /** A server certificate for 127.0.0.1 / localhost. */
  issueServer(): Promise<KeyPair>
  /** A client certificate; `uri` becomes its subjectAltName URI (e.g. urn:amt:{tenant}:{host}). */
  issueClient(commonName: string, uri?: string): Promise<KeyPair>
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const result = await execa('openssl', args, { cwd, reject: false })
  if ((result as { code?: string }).code === 'ENOENT')
    throw new Error('openssl is not installed: the TLS tests need the openssl CLI (apt-get install -y openssl)')
  if (result.exitCode !== 0) throw new Error(`openssl ${args[0] ?? ''} failed: ${result.stderr}`)
}

async function keyPair(dir: string, name: string): Promise<KeyPair> {
  const certFile = path.join(dir, `${name}.crt`)
  const keyFile = path.join(dir, `${name}.key`)
  const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)])
  return { certFile, keyFile, cert, key }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

export interface TestPki {
  dir: string
  createCa(name: string): Promise<TestCa>
  /** Removes the directory (run it in t.teardown or test.after.always). */
  remove(): Promise<void>
}

/** A temp directory in which CAs are created; each CA issues server and client certificates. */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-broker-pki-'))
  return { dir, createCa: (name) => createCa(dir, name), remove: () => rm(dir, { recursive: true, force: true }) }
}

async function createCa(dir: string, name: string): Promise<TestCa> {
  await openssl(
    [
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  )
  const ca = await keyPair(dir, name)

  const issue = async (leafName: string, commonName: string, extensions: string[]): Promise<KeyPair> => {
    const extFile = `${leafName}.ext`
    await writeFile(path.join(dir, extFile), `${extensions.join('\n')}\n`)
    await openssl(
      ['req', ...EC_KEY, '-keyout', `${leafName}.key`, '-out', `${leafName}.csr`, '-subj', `/CN=${commonName}`],
      dir,
    )
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        `${leafName}.csr`,
        '-CA',
        `${name}.crt`,
        '-CAkey',
        `${name}.key`,
        '-set_serial',
        `0x${randomBytes(8).toString('hex')}`,
        '-days',
        '1',
        '-out',
        `${leafName}.crt`,
        '-extfile',
        extFile,
      ],
      dir,
    )
    return keyPair(dir, leafName)
  }
  let serial = 0
  return {
    ...ca,
    name,
    issueServer: () =>
      issue(`${name}-server-${++serial}`, 'localhost', [
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        'extendedKeyUsage=serverAuth',
      ]),
    issueClient: (commonName, uri) =>
      issue(`${name}-client-${++serial}`, commonName, [
        ...(uri === undefined ? [] : [`subjectAltName=URI:${uri}`]),
        'extendedKeyUsage=clientAuth',
      ]),
  }
}
