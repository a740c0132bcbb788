/* RSA key pairs and certificates for tests, generated once per test file (never written to the repo). */
import * as crypto from 'node:crypto';
import { makeCertificate, TestCertificate } from './certificates';

let rsa: TestCertificate | undefined;
let other: TestCertificate | undefined;

/** A controller-like certificate (empty subject, KeyUsage, CA flag) with its private key. */
export function controllerCertificate(): TestCertificate {
  rsa ??= makeCertificate({ controllerExtensions: true });
  return rsa;
}

/** A second, unrelated controller certificate. */
export function otherCertificate(): TestCertificate {
  other ??= makeCertificate({ keyPair: crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }) });
  return other;
}

const DAY = 24 * 3600 * 1000;

export function expiredCertificate(): TestCertificate {
  return makeCertificate({ notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) });
}

export function futureCertificate(): TestCertificate {
  return makeCertificate({ notBefore: new Date(Date.now() + 10 * DAY), notAfter: new Date(Date.now() + 400 * DAY) });
}

export function ecCertificate(): TestCertificate {
  return makeCertificate({ keyPair: crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) });
}
