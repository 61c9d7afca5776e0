// Sample records for store tests. The secret values are distinctive so a test can grep for them anywhere.
import type { LoginInput, RegistrationInput } from '../../../src/store/index.js';

export const SECRETS = {
  accessToken: 'at-SECRET-0f3c1e9a7b',
  refreshToken: 'rt-SECRET-5d2b8c4e1f',
  idToken: 'id-SECRET-9a7e3b1c5d',
  clientSecret: 'cs-SECRET-2e4f6a8b0c',
  registrationAccessToken: 'rat-SECRET-7c9e1a3b5d',
} as const;

export const ALL_SECRET_VALUES: readonly string[] = Object.values(SECRETS);

export function sampleLogin(overrides: Partial<LoginInput['metadata']> = {}): LoginInput {
  return {
    metadata: {
      serverUrl: 'https://mcp.example.com/mcp',
      issuer: 'https://auth.example.com',
      resource: 'https://mcp.example.com/mcp',
      clientId: 'client-123',
      clientIdSource: 'dynamic',
      scopes: ['mcp:read', 'mcp:write'],
      expiresAt: 1_900_000_000_000,
      obtainedAt: 1_899_999_000_000,
      ...overrides,
    },
    secrets: { accessToken: SECRETS.accessToken, refreshToken: SECRETS.refreshToken, idToken: SECRETS.idToken },
  };
}

export function sampleRegistration(): RegistrationInput {
  return {
    metadata: {
      issuer: 'https://auth.example.com',
      redirectUri: 'http://127.0.0.1:33418/callback',
      clientId: 'client-123',
      registeredAt: 1_899_000_000_000,
      clientIdIssuedAt: 1_899_000_000_000,
      clientSecretExpiresAt: 1_999_000_000_000,
      clientMetadata: {
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        // A careless caller passing the raw registration response: the store must drop these.
        client_secret: SECRETS.clientSecret,
        registration_access_token: SECRETS.registrationAccessToken,
      },
    },
    secrets: { clientSecret: SECRETS.clientSecret, registrationAccessToken: SECRETS.registrationAccessToken },
  };
}

/** Whether `text` contains any of the sample secrets. */
export function containsSecret(text: string): boolean {
  return ALL_SECRET_VALUES.some((s) => text.includes(s));
}
