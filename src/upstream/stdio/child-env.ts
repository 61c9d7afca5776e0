/**
 * The environment a local (stdio) server is started with: a short list of variables inherited from the bridge, with
 * the entry's own `env` over them. Like the MCP SDK's `getDefaultEnvironment` (the list `sudo` keeps), widened by the
 * locale and temporary-directory variables that programs need to print text and write files; everything else of the
 * bridge's environment — tokens, API keys, proxy settings — stays out unless the entry names it.
 */

/** Variables passed through on POSIX systems, when the bridge has them. */
const POSIX_INHERITED = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TMPDIR', 'TZ'];

/** Variables passed through on Windows, when the bridge has them (programs fail to start without `SYSTEMROOT`). */
const WINDOWS_INHERITED = [
  'APPDATA',
  'COMSPEC',
  'HOMEDRIVE',
  'HOMEPATH',
  'LOCALAPPDATA',
  'PATH',
  'PATHEXT',
  'PROCESSOR_ARCHITECTURE',
  'PROGRAMFILES',
  'SYSTEMDRIVE',
  'SYSTEMROOT',
  'TEMP',
  'TMP',
  'USERNAME',
  'USERPROFILE',
];

/** Options for {@link childEnvironment}. */
export interface ChildEnvironmentOptions {
  /** The entry's `env`: set over the inherited variables (an entry may override `PATH`, say). */
  env: Record<string, string>;
  /** The bridge's environment. Default `process.env`. */
  parent?: NodeJS.ProcessEnv;
  /** Default `process.platform`. */
  platform?: NodeJS.Platform;
}

/**
 * The child's environment: `HOME`, `LOGNAME`, `PATH`, `SHELL`, `TERM`, `USER`, `LANG`, `LC_ALL`, `LC_CTYPE`,
 * `TMPDIR` and `TZ` from the bridge on POSIX (on Windows `APPDATA`, `COMSPEC`, `HOMEDRIVE`, `HOMEPATH`,
 * `LOCALAPPDATA`, `PATH`, `PATHEXT`, `PROCESSOR_ARCHITECTURE`, `PROGRAMFILES`, `SYSTEMDRIVE`, `SYSTEMROOT`, `TEMP`,
 * `TMP`, `USERNAME`, `USERPROFILE`, matched without regard to case as Windows does), then the entry's `env` over
 * them. A value starting with `()` (an exported shell function) is not inherited. Pure.
 */
export function childEnvironment(options: ChildEnvironmentOptions): Record<string, string> {
  const parent = options.parent ?? process.env;
  const windows = (options.platform ?? process.platform) === 'win32';
  const out: Record<string, string> = {};
  const names = windows ? WINDOWS_INHERITED : POSIX_INHERITED;
  for (const [key, value] of Object.entries(parent)) {
    if (value === undefined || value.startsWith('()')) continue;
    const wanted = windows ? names.includes(key.toUpperCase()) : names.includes(key);
    if (wanted) out[key] = value;
  }
  return { ...out, ...options.env };
}

/** The `PATH` the child's command is looked up on, for error hints (the variable is `Path` on some Windows systems). */
export function pathOf(env: Record<string, string>): string | undefined {
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATH');
  return key === undefined ? undefined : env[key];
}
