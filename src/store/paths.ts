/**
 * Where the store keeps its files. Everything lives under one configuration directory (default: the platform's
 * config dir from `env-paths`, e.g. `~/.config/mcp-auth-bridge` on Linux), overridable with `--config-dir`.
 */
import { join, resolve } from 'node:path';
import envPaths from 'env-paths';
import { BridgeError, ErrorCode } from '../errors.js';
import { assertCredentialKey } from './model/keys.js';

/** The application name used for directories and the keychain service. */
export const APP_NAME = 'mcp-auth-bridge';

/** Options naming the configuration directory. */
export interface ConfigDirOptions {
  /** The configuration directory (a relative path is resolved against the working directory). Default: {@link defaultConfigDir}. */
  configDir?: string;
}

/**
 * The platform's configuration directory for the tool, without env-paths' default `-nodejs` suffix:
 * `$XDG_CONFIG_HOME/mcp-auth-bridge` (Linux), `~/Library/Preferences/mcp-auth-bridge` (macOS),
 * `%APPDATA%\mcp-auth-bridge\Config` (Windows).
 */
export function defaultConfigDir(): string {
  return envPaths(APP_NAME, { suffix: '' }).config;
}

/** The absolute configuration directory: `options.configDir` when given, else {@link defaultConfigDir}. */
export function resolveConfigDir(options: ConfigDirOptions = {}): string {
  if (options.configDir !== undefined && (typeof options.configDir !== 'string' || options.configDir.length === 0)) {
    throw new BridgeError(ErrorCode.Usage, 'The config directory must be a non-empty path');
  }
  return resolve(options.configDir ?? defaultConfigDir());
}

/** The directories inside the configuration directory. All are created 0700. */
export interface StorePaths {
  /** The configuration directory itself. */
  configDir: string;
  /** One `<key>.json` per stored login. */
  tokensDir: string;
  /** One `<key>.json` per dynamic client registration. */
  registrationsDir: string;
  /** One `<key>.lock` per credential key currently being logged in or refreshed. */
  locksDir: string;
}

/** The store's directories under `configDir` (which must already be absolute; see {@link resolveConfigDir}). */
export function storePaths(configDir: string): StorePaths {
  return {
    configDir,
    tokensDir: join(configDir, 'tokens'),
    registrationsDir: join(configDir, 'registrations'),
    locksDir: join(configDir, 'locks'),
  };
}

/** The path of the lock file for `key`: `<configDir>/locks/<key>.lock`. */
export function lockFilePath(configDir: string, key: string): string {
  assertCredentialKey(key);
  return join(storePaths(configDir).locksDir, `${key}.lock`);
}
