/**
 * The JSON record files both stores keep under the config directory: `tokens/<key>.json` and
 * `registrations/<key>.json`. In file mode they hold metadata and secrets; in keychain mode metadata only.
 */
import type { Logger } from '../../log.js';
import {
  type LoginFile,
  type RegistrationFile,
  decodeLoginFile,
  decodeRegistrationFile,
  encodeLoginFile,
  encodeRegistrationFile,
} from '../model/codec.js';
import type { ListedLogin, LoginListing, UnreadableRecord } from '../credential-store.js';
import { type StorePaths, storePaths } from '../paths.js';
import { ensurePrivateDir } from './private-fs.js';
import { RecordDir } from './record-dir.js';

/** The two record directories of one config directory. */
export interface CredentialFiles {
  paths: StorePaths;
  logins: RecordDir<LoginFile>;
  registrations: RecordDir<RegistrationFile>;
  /** Lists login metadata and every unreadable login or registration file. */
  list(): Promise<LoginListing>;
}

/** Options for {@link openCredentialFiles}. */
export interface CredentialFilesOptions {
  /** Absolute config directory. */
  configDir: string;
  logger: Logger;
}

/** Creates (0700) or secures the config directory and its record directories, and returns accessors for them. */
export async function openCredentialFiles(options: CredentialFilesOptions): Promise<CredentialFiles> {
  const { logger } = options;
  const paths = storePaths(options.configDir);
  // The config directory may be a link the user made; the directories inside it may not (see private-fs.ts).
  await ensurePrivateDir(paths.configDir, { logger, root: true });
  for (const dir of [paths.tokensDir, paths.registrationsDir, paths.locksDir]) {
    await ensurePrivateDir(dir, { logger });
  }
  const logins = new RecordDir<LoginFile>({
    dir: paths.tokensDir,
    noun: 'login',
    decode: decodeLoginFile,
    encode: encodeLoginFile,
    logger,
  });
  const registrations = new RecordDir<RegistrationFile>({
    dir: paths.registrationsDir,
    noun: 'registration',
    decode: decodeRegistrationFile,
    encode: encodeRegistrationFile,
    logger,
  });
  return {
    paths,
    logins,
    registrations,
    async list() {
      const found: ListedLogin[] = [];
      const unreadable: UnreadableRecord[] = [];
      for (const { key, read } of await logins.list()) {
        if (read.status === 'found') found.push({ key, metadata: read.value.metadata });
        else if (read.status === 'unreadable') unreadable.push({ key, type: 'login', path: read.path, reason: read.reason });
      }
      for (const { key, read } of await registrations.list()) {
        if (read.status === 'unreadable') {
          unreadable.push({ key, type: 'registration', path: read.path, reason: read.reason });
        }
      }
      return { logins: found, unreadable };
    },
  };
}
