// ${VAR} and ${VAR:-default}, one expander for -H, header files, MCP_HEADERS and --config files: an unset variable
// is an error naming it (never silently empty) unless a default is given; the default also covers an empty value, as
// in a shell; expansion is one pass.
import { describe, expect, it } from 'vitest';
import { expandVariables, parseHeader } from '../../src/config/headers.js';
import { BridgeError, ErrorCode } from '../../src/errors.js';

const source = { origin: '--header' };

describe('expandVariables', () => {
  it('expands set variables and defaults', () => {
    expect(expandVariables('${A}-${B:-two}-${C:-}', { A: 'one' }, source)).toBe('one-two-');
    expect(expandVariables('${A:-fallback}', { A: '' }, source)).toBe('fallback');
    expect(expandVariables('${A:-fallback}', { A: 'set' }, source)).toBe('set');
  });

  it('expands once', () => {
    expect(expandVariables('${A}', { A: '${B}', B: 'no' }, source)).toBe('${B}');
  });

  it('refuses an unset variable without default, naming it', () => {
    try {
      expandVariables('Bearer ${TOKEN}', {}, source);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(BridgeError);
      expect((error as BridgeError).code).toBe(ErrorCode.Usage);
      expect((error as BridgeError).message).toBe('--header: environment variable TOKEN is not set');
    }
  });

  it('a -H header takes a default too', () => {
    expect(parseHeader('X-Team: ${TEAM:-blue}', {}, source)).toEqual(['x-team', 'blue']);
  });
});
