/** The product version, stamped into the bundle at build time (see esbuild.config.mjs). */
declare const __VERSION__: string | undefined;

/** The version of this build; `0.0.0-dev` when run from source without the bundler. */
export const VERSION: string = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';
