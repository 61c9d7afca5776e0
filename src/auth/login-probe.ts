/**
 * What the `login` command learns from its unauthenticated probe of the server: the 401's Bearer challenge and what
 * the refusal said, which the login starts from; or that the server asks for no authorization at all (then there is
 * nothing to log in to, unless issuer mode names the provider anyway).
 */
import { BridgeError, ErrorCode } from '../errors.js';
import { bearerChallenge, type BearerChallenge } from './challenge.js';
import { readRefusal, type RefusalEvidence } from './unadvertised-auth.js';

/** Where a login starts from. */
export interface LoginStart {
  challenge: BearerChallenge | undefined;
  refusal: RefusalEvidence;
}

/**
 * Reads the probe's answer.
 * @throws BridgeError `AUTH` when the server did not answer 401 and issuer mode is off
 */
export async function loginStartOf(response: Response, o: { serverUrl: URL; issuerMode: boolean }): Promise<LoginStart> {
  const refusal = await readRefusal(response);
  if (response.status !== 401 && !o.issuerMode) {
    throw new BridgeError(ErrorCode.Auth, `${o.serverUrl.host} did not ask for authorization (HTTP ${response.status}): there is nothing to log in to`, {
      hint: 'the bridge can use this server as it is; if it validates tokens from a provider without saying so, pass --issuer and --client-id',
    });
  }
  return { challenge: response.status === 401 ? bearerChallenge(response) : undefined, refusal };
}
