import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A throwaway certificate authority made with openssl, for TLS tests. */
export interface TestCa {
  /** CA certificate, PEM file. */
  caFile: string;
  /** Makes a server certificate for localhost, 127.0.0.1 and ::1; `days` < 0 gives an expired one. */
  issue(name: string, days?: number): { cert: string; key: string; fingerprint: string };
}

function ssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Creates a CA (EC P-256, fast to make) in `dir`. */
export function makeTestCa(dir: string): TestCa {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '3',
      '-subj',
      '/CN=MiniRTC test CA',
    ],
    dir,
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n');
  return {
    caFile: join(dir, 'ca.pem'),
    issue(name, days = 30) {
      ssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=localhost'], dir);
      ssl(
        [
          'x509',
          '-req',
          '-in',
          `${name}.csr`,
          '-CA',
          'ca.pem',
          '-CAkey',
          'ca.key',
          '-CAcreateserial',
          '-out',
          `${name}.pem`,
          '-days',
          String(days),
          '-extfile',
          'san.ext',
        ],
        dir,
      );
      const fp = ssl(['x509', '-in', `${name}.pem`, '-noout', '-fingerprint', '-sha256'], dir);
      return {
        cert: join(dir, `${name}.pem`),
        key: join(dir, `${name}.key`),
        fingerprint: (fp.split('=')[1] ?? '').trim(),
      };
    },
  };
}
