/**
 * HTTPS for testing on the LAN (`--https`): a small local certificate authority and a server
 * certificate it signs for this machine's LAN addresses, made on first run and kept in a
 * folder (made again when the addresses change or it nears expiry). A phone that trusts the CA
 * certificate (served at /peerplace-ca.crt) gets a secure origin: WebCrypto, service workers.
 */
import { X509Certificate } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { generate } from 'selfsigned'

export interface LanTls {
  key: string
  cert: string
  /** The CA certificate (PEM) a phone installs to trust `cert`. */
  caCert: string
  /** SHA-256 fingerprint of the CA certificate, to compare on the phone. */
  caFingerprint: string
  /** The addresses `cert` is valid for. */
  names: string[]
}

/** This machine's non-internal IPv4 addresses (the ones a phone on the same Wi-Fi can use). */
export function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((i) => i.family === 'IPv4' && !i.internal)
    .map((i) => i.address)
}

/** Loads the certificates in `dir`, or makes them when missing, stale or not for `names`. */
export async function loadOrCreateLanTls(dir: string, names: string[]): Promise<LanTls> {
  const wanted = [...new Set(['localhost', '127.0.0.1', ...names])].sort()
  const files = { caKey: 'ca.key', caCert: 'ca.crt', key: 'server.key', cert: 'server.crt' }
  const path = (name: string) => join(dir, name)
  if (Object.values(files).every((f) => existsSync(path(f)))) {
    const read = (f: string) => readFileSync(path(f), 'utf8')
    const tls = { key: read(files.key), cert: read(files.cert), caCert: read(files.caCert) }
    const server = new X509Certificate(tls.cert)
    const fresh = Date.parse(server.validTo) - Date.now() > 7 * 24 * 3600 * 1000
    const covers = wanted.every((n) => server.checkHost(n) !== undefined || server.checkIP(n))
    if (fresh && covers) return describe(tls, wanted)
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const ca = existsSync(path(files.caKey))
    ? {
        key: readFileSync(path(files.caKey), 'utf8'),
        cert: readFileSync(path(files.caCert), 'utf8'),
      }
    : await makeCa()
  // Phones refuse server certificates valid for more than 825 days; a year is plenty.
  const notAfter = new Date(Date.now() + 365 * 24 * 3600 * 1000)
  const server = await generate([{ name: 'commonName', value: 'Peerplace on this LAN' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: wanted.map((n) =>
          /^[\d.]+$/.test(n) ? { type: 7, ip: n } : { type: 2, value: n },
        ),
      },
    ],
  })
  writeFileSync(path(files.caKey), ca.key, { mode: 0o600 })
  writeFileSync(path(files.caCert), ca.cert)
  writeFileSync(path(files.key), server.private, { mode: 0o600 })
  writeFileSync(path(files.cert), server.cert)
  return describe({ key: server.private, cert: server.cert, caCert: ca.cert }, wanted)
}

async function makeCa(): Promise<{ key: string; cert: string }> {
  const notAfter = new Date(Date.now() + 5 * 365 * 24 * 3600 * 1000)
  const ca = await generate([{ name: 'commonName', value: 'Peerplace local CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  })
  return { key: ca.private, cert: ca.cert }
}

function describe(tls: { key: string; cert: string; caCert: string }, names: string[]): LanTls {
  return { ...tls, caFingerprint: new X509Certificate(tls.caCert).fingerprint256, names }
}
