/**
 * A throwaway certificate authority for TLS tests, made with `openssl` in a temporary directory removed after the
 * test: server certificates for `127.0.0.1` (or any subjectAltName) and client certificates, each signed by it. When
 * `openssl` is missing the test fails, saying how to install it: nothing is skipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTeardown } from './cleanup.js';

/** A certificate and its key, as files. */
export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
}

/** What {@link TestCa.issue} makes. */
export interface IssueOptions {
  /** The subjectAltName of a server certificate. Default `IP:127.0.0.1`. */
  subjectAltName?: string;
  /** A client certificate (extendedKeyUsage clientAuth) instead of a server one. */
  client?: boolean;
  /** A server certificate that may also be a client's: a Redis Cluster node's, which its peers' bus connections use. */
  clusterNode?: boolean;
}

/** A CA: its certificate's file, and certificates it signs. */
export interface TestCa {
  /** The CA certificate (PEM), what `--store-tls-ca` or `NODE_EXTRA_CA_CERTS` names. */
  caFile: string;
  /** Signs a new EC P-256 certificate named `name` (valid two days). */
  issue(name: string, options?: IssueOptions): IssuedCertificate;
}

let checked = false;

function requireOpenssl(): void {
  if (checked) return;
  const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('openssl is not installed: the TLS tests make their certificates with it. Install it with `apt-get install -y openssl` (Debian/Ubuntu) or `brew install openssl`.');
  }
  checked = true;
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Makes a CA named `name`; see the module comment. */
export function testCa(name = 'mab test CA'): TestCa {
  requireOpenssl();
  const dir = mkdtempSync(join(tmpdir(), 'mab-ca-'));
  onTeardown(() => rmSync(dir, { recursive: true, force: true }));
  const caFile = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  openssl(['req', '-x509', ...EC, '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  let serial = 0;
  return {
    caFile,
    issue(cn, options = {}) {
      const base = join(dir, `${++serial}`);
      const keyFile = `${base}.key`;
      const certFile = `${base}.pem`;
      const ext = `${base}.ext`;
      writeFileSync(
        ext,
        options.client
          ? 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n'
          : `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth${options.clusterNode ? ',clientAuth' : ''}\nsubjectAltName=${options.subjectAltName ?? 'IP:127.0.0.1'}\n`,
      );
      openssl(['req', ...EC, '-keyout', keyFile, '-out', `${base}.csr`, '-subj', `/CN=${cn}`]);
      openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', caFile, '-CAkey', caKey, '-set_serial', String(1000 + serial), '-out', certFile, '-days', '2', '-extfile', ext]);
      return { certFile, keyFile };
    },
  };
}
