/**
 * Client authentication details where interoperability needs more care than oauth4webapi's defaults.
 */
import type { ClientAuth } from 'oauth4webapi';

/**
 * The form-urlencoding of RFC 6749 §2.3.1 / Appendix B, as the WHATWG URL standard serializes it: everything but
 * ASCII letters, digits and `*-._` is percent-encoded, a space becomes `+`. oauth4webapi also escapes `-`, `.`,
 * `_`, `~` and more, which servers must decode but several in use do not (so `my-client` fails as `my%2Dclient`).
 */
export function formUrlEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/**
 * `client_secret_basic` (RFC 6749 §2.3.1) with {@link formUrlEncode}d credentials, and `client_id` in the body too:
 * RFC 6749 §3.2.1 allows it, and some servers (the MCP Python SDK's and fastmcp's authorization servers) answer
 * `invalid_client` to a token request whose body lacks it, whatever the authentication method.
 */
export function clientSecretBasic(secret: string): ClientAuth {
  return (_as, client, body, headers) => {
    const credentials = Buffer.from(`${formUrlEncode(client.client_id)}:${formUrlEncode(secret)}`, 'utf8').toString('base64');
    headers.set('authorization', `Basic ${credentials}`);
    body.set('client_id', client.client_id);
  };
}

/**
 * A dynamic registration response as oauth4webapi can take it: RFC 7591 §3.2.1 requires `client_secret_expires_at`
 * with every `client_secret`, some servers leave it out; it is read as 0 ("does not expire"), which is what they
 * mean. Anything else passes through untouched.
 */
export async function tolerantRegistrationResponse(response: Response): Promise<Response> {
  if (response.status !== 201 && response.status !== 200) return response;
  const text = await response.text();
  let body = text;
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    if (typeof json === 'object' && json !== null && typeof json.client_secret === 'string' && json.client_secret_expires_at === undefined) {
      body = JSON.stringify({ ...json, client_secret_expires_at: 0 });
    }
  } catch {
    // Not JSON: oauth4webapi reports it.
  }
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
