import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { PROBE_PROTOCOL_VERSION, probeInitialize } from '../../src/cli/probe.js';

describe('the login and doctor probe', () => {
  it("asks for the SDK's latest protocol version", () => {
    expect(PROBE_PROTOCOL_VERSION).toBe(LATEST_PROTOCOL_VERSION);
    expect(JSON.parse(probeInitialize())).toHaveProperty('params.protocolVersion', LATEST_PROTOCOL_VERSION);
  });
});
