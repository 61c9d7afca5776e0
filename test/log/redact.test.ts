// The logger's redaction keeps secrets out of stderr without mangling what a user needs to read: a server's
// challenge parameters and the `${VAR}` placeholders that hints tell the user to write.
import { describe, expect, it } from 'vitest';
import { redact } from '../../src/log.js';

describe('redact', () => {
  it('hides credentials in Authorization values and Bearer tokens', () => {
    expect(redact('Authorization: Bearer abc.def.ghi')).not.toContain('abc.def.ghi');
    expect(redact('sent Bearer eyJhbGciOiJIUzI1NiJ9xyz')).not.toContain('eyJhbGciOiJIUzI1NiJ9xyz');
    expect(redact('x-api-key=sk-live-123')).not.toContain('sk-live-123');
  });

  it("keeps a challenge's parameters readable (they are the server's words, not a credential)", () => {
    const challenge = 'WWW-Authenticate: Bearer error="invalid_token", error_description="Missing Authorization header"';
    expect(redact(challenge)).toContain('Bearer error="invalid_token"');
  });

  it('keeps a ${VAR} placeholder in a hint (it names a variable, not a secret)', () => {
    expect(redact('pass --header "Authorization:${API_KEY}"')).toContain('Authorization:${API_KEY}');
    expect(redact('pass --header "Authorization:Bearer sk-1"')).not.toContain('sk-1');
  });
});
