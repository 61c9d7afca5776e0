/**
 * A directory of JSON record files named `<key>.json`, read and written with the private-file primitives. A file
 * that cannot be read, parsed or validated is reported — as a typed {@link RecordRead} result and one warning — and
 * otherwise treated as absent; it never throws out of a read.
 */
import { join } from 'node:path';
import { BridgeError, ErrorCode } from '../../errors.js';
import { type Logger, silentLogger } from '../../log.js';
import { type Decoded, parseJsonText } from '../model/codec.js';
import { CREDENTIAL_KEY_PATTERN, assertCredentialKey } from '../model/keys.js';
import {
  ensurePrivateDir,
  errnoCode,
  isTempFileName,
  listDir,
  REFUSED_FILE_TEXT,
  RefusedFileError,
  readPrivateFile,
  removeFile,
  writeFileAtomic,
} from './private-fs.js';

/** The outcome of reading one record file. */
export type RecordRead<T> =
  | { status: 'found'; value: T }
  | { status: 'absent' }
  /** The file exists but is unusable; `reason` names what is wrong (never the content). */
  | { status: 'unreadable'; path: string; reason: string };

/** A record file found by {@link RecordDir.list}. */
export interface ListedRecord<T> {
  key: string;
  read: RecordRead<T>;
}

/** Options for {@link RecordDir}. */
export interface RecordDirOptions<T> {
  /** The directory; created 0700 on first write. */
  dir: string;
  /** What the records are, for messages: `login`, `registration`. */
  noun: string;
  /** Validates parsed JSON. */
  decode: (json: unknown) => Decoded<T>;
  /** Serializes a record. */
  encode: (value: T) => string;
  /** Receives a warning per unreadable file. Default {@link silentLogger}. */
  logger?: Logger;
}

const RECORD_FILE = new RegExp(`^(${CREDENTIAL_KEY_PATTERN.source.slice(1, -1)})\\.json$`);

/** A directory of `<key>.json` records of one type. */
export class RecordDir<T> {
  readonly dir: string;
  readonly #noun: string;
  readonly #decode: (json: unknown) => Decoded<T>;
  readonly #encode: (value: T) => string;
  readonly #logger: Logger;

  /** A directory of records; nothing is touched until the first read or write. */
  constructor(options: RecordDirOptions<T>) {
    this.dir = options.dir;
    this.#noun = options.noun;
    this.#decode = options.decode;
    this.#encode = options.encode;
    this.#logger = options.logger ?? silentLogger;
  }

  /** The path of the record file for `key`. */
  pathOf(key: string): string {
    assertCredentialKey(key);
    return join(this.dir, `${key}.json`);
  }

  /** Reads the record for `key`. Never throws for a bad file; see {@link RecordRead}. */
  async read(key: string): Promise<RecordRead<T>> {
    const path = this.pathOf(key);
    let text: string | undefined;
    try {
      text = await readPrivateFile(path, { logger: this.#logger });
    } catch (error) {
      if (error instanceof RefusedFileError) return this.#unreadable(path, `it ${REFUSED_FILE_TEXT[error.reason]}`);
      return this.#unreadable(path, `it could not be read (${errnoCode(error) ?? 'error'})`);
    }
    if (text === undefined) return { status: 'absent' };
    const parsed = parseJsonText(text);
    if (!parsed.ok) return this.#unreadable(path, parsed.reason);
    const decoded = this.#decode(parsed.value);
    if (!decoded.ok) return this.#unreadable(path, decoded.reason);
    return { status: 'found', value: decoded.value };
  }

  /** Reports an unusable file once (a warning) and returns its {@link RecordRead}. */
  #unreadable(path: string, reason: string): RecordRead<T> {
    this.#logger.warn(
      `Ignoring the unreadable ${this.#noun} file ${path}: ${reason}. It is treated as absent and replaced at the next save.`,
    );
    return { status: 'unreadable', path, reason };
  }

  /** Writes the record for `key` atomically, 0600 in a 0700 directory. Throws {@link ErrorCode.Store} on failure. */
  async write(key: string, value: T): Promise<void> {
    const path = this.pathOf(key);
    await ensurePrivateDir(this.dir, { logger: this.#logger });
    try {
      await writeFileAtomic(path, this.#encode(value));
    } catch (error) {
      throw new BridgeError(ErrorCode.Store, `Could not write the ${this.#noun} file ${path}`, {
        cause: error,
        hint: 'Check the free space and permissions of the config directory, or choose another --config-dir.',
      });
    }
  }

  /** Removes the record for `key`; resolves whether it existed. Throws {@link ErrorCode.Store} on failure. */
  async remove(key: string): Promise<boolean> {
    const path = this.pathOf(key);
    try {
      return await removeFile(path);
    } catch (error) {
      throw new BridgeError(ErrorCode.Store, `Could not delete the ${this.#noun} file ${path}`, { cause: error });
    }
  }

  /** The keys of all record files (temp files and stray names are ignored). */
  async keys(): Promise<string[]> {
    try {
      const names = await listDir(this.dir);
      return names.flatMap((name) => RECORD_FILE.exec(name)?.[1] ?? []).sort();
    } catch (error) {
      throw new BridgeError(ErrorCode.Store, `Could not list the ${this.#noun} directory ${this.dir}`, { cause: error });
    }
  }

  /** Reads every record file. */
  async list(): Promise<ListedRecord<T>[]> {
    const out: ListedRecord<T>[] = [];
    for (const key of await this.keys()) out.push({ key, read: await this.read(key) });
    return out;
  }

  /** Removes every record file and every leftover temp file; resolves how many records were removed. */
  async clear(): Promise<number> {
    let removed = 0;
    try {
      for (const name of await listDir(this.dir)) {
        const isRecord = RECORD_FILE.test(name);
        if (!isRecord && !isTempFileName(name)) continue;
        if ((await removeFile(join(this.dir, name))) && isRecord) removed++;
      }
    } catch (error) {
      throw new BridgeError(ErrorCode.Store, `Could not clear the ${this.#noun} directory ${this.dir}`, { cause: error });
    }
    return removed;
  }
}
