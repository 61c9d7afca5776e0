/**
 * The step-up rule (MCP authorization, "Scope challenge handling"): a 403 `insufficient_scope` asks for a login for
 * more scopes. It is worth one only when the server wants scopes the login lacks, and only a bounded number of times
 * per process, so a server that keeps asking cannot loop the user through the browser forever.
 */
import { BridgeError, ErrorCode } from '../errors.js';

/** Logins for more scopes per process. */
export const MAX_STEP_UPS = 2;

/** Options for {@link stepUpScopes}. */
export interface StepUpInput {
  /** The scopes the server's challenge asked for. */
  wanted: readonly string[];
  /** The scopes the current login has. */
  have: readonly string[];
  /** Step-up logins already made in this process. */
  done: number;
}

/** The scopes to log in for (the union), or throws the reason not to log in again. */
export function stepUpScopes(o: StepUpInput): string[] {
  const asked = o.wanted.join(' ') || 'unspecified';
  if (o.wanted.length > 0 && o.wanted.every((s) => o.have.includes(s))) {
    throw new BridgeError(ErrorCode.Auth, `the server refused access although the login has the scopes it asked for (${asked})`, {
      hint: 'your account may lack the permission; ask the server operator',
    });
  }
  if (o.done >= MAX_STEP_UPS) {
    throw new BridgeError(ErrorCode.Auth, `the server keeps asking for more scopes (${asked}); not logging in again`, {
      hint: 'restart the bridge to try again, or pass the scopes you need with --scopes',
    });
  }
  return [...new Set([...o.have, ...o.wanted])];
}
