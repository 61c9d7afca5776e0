// Child process for the atomic-write test: saves the same login over and over through the file store, alternating
// between two large versions, while the test process reads the file concurrently.
import { openFileStore } from '../../../src/store/index.js';
import { sampleLogin } from './fixtures.js';

export interface WriterChildSpec {
  configDir: string;
  key: string;
  iterations: number;
  scopes: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as WriterChildSpec;
const store = await openFileStore({ configDir: spec.configDir });
for (let i = 0; i < spec.iterations; i++) {
  const version = i % 2 === 0 ? 'A' : 'B';
  const scopes = Array.from({ length: spec.scopes }, (_, n) => `${version}-scope-${n}`);
  await store.setTokens(spec.key, sampleLogin({ clientId: `client-${version}`, scopes }));
}
process.stdout.write(`${JSON.stringify({ done: spec.iterations })}\n`);
