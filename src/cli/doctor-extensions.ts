/**
 * `doctor`'s steps for the extension grants: DPoP (whether the server asks for it and its authorization server can
 * bind tokens, `--dpop`) and workload identity (whether the platform's JWT can be read, has not expired and is for
 * this authorization server: a JWT for another audience is the usual reason a server refuses it).
 */
import type { AuthorizationServer } from 'oauth4webapi';
import type { BearerChallenge } from '../auth/challenge.js';
import { isBridgeError } from '../errors.js';
import type { OAuthConfig } from '../config/types.js';
import type { DoctorStep } from './run-doctor.js';

/** Options for {@link extensionSteps}. */
export interface ExtensionStepOptions {
  auth: OAuthConfig;
  as: AuthorizationServer;
  /** The server's 401 challenge, if it sent one. */
  challenge: BearerChallenge | undefined;
  now: number;
}

/** The audiences of a JWT's unverified payload. */
function audiences(jwt: string): string[] {
  try {
    const aud = (JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: unknown }).aud;
    return (Array.isArray(aud) ? aud : [aud]).filter((a): a is string => typeof a === 'string');
  } catch {
    return [];
  }
}

/** The steps; none when neither extension applies. */
export async function extensionSteps(o: ExtensionStepOptions): Promise<DoctorStep[]> {
  const steps: DoctorStep[] = [];
  const { auth, as } = o;
  const algs = as.dpop_signing_alg_values_supported;
  const offered = Array.isArray(algs) && algs.includes('ES256');
  if (auth.dpop === 'required' || (auth.dpop === 'auto' && o.challenge?.dpop)) {
    steps.push(
      offered
        ? { name: 'DPoP', ok: true, detail: `tokens will be bound to a key of the login (ES256${auth.dpop === 'required' ? ', --dpop required' : ': the server asks for DPoP'})` }
        : auth.dpop === 'required'
          ? { name: 'DPoP', ok: false, detail: `the authorization server ${as.issuer} does not offer DPoP with ES256`, fix: 'drop --dpop required, or ask the server operator to enable DPoP' }
          : { name: 'DPoP', ok: true, detail: 'the server asks for DPoP, but its authorization server does not offer it with ES256: Bearer tokens will be used', note: 'the server may refuse them; ask its operator' },
    );
  }
  if (auth.workloadToken) {
    const { readJwt, describeJwtSource } = await import('../auth/grants/jwt-source.js');
    const source = auth.workloadToken;
    try {
      const jwt = await readJwt(source, o.now, { what: 'workload identity token', renew: 'the platform renews it; check the pod, job or agent that writes it' });
      const aud = audiences(jwt);
      const forThis = aud.some((a) => a.replace(/\/+$/, '') === as.issuer.replace(/\/+$/, ''));
      steps.push(
        forThis
          ? { name: 'Workload token', ok: true, detail: `from ${describeJwtSource(source)}, not expired, for ${as.issuer}` }
          : {
              name: 'Workload token',
              ok: false,
              detail: `the JWT in ${describeJwtSource(source)} is for ${aud.join(', ') || 'no audience'}, not for the authorization server ${as.issuer}`,
              fix: `have the platform issue the token with the audience ${as.issuer} (e.g. a projected service-account token's audience)`,
            },
      );
    } catch (error) {
      steps.push({ name: 'Workload token', ok: false, detail: (error as Error).message, ...(isBridgeError(error) && error.hint ? { fix: error.hint } : {}) });
    }
  }
  return steps;
}
