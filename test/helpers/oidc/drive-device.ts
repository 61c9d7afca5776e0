/**
 * Plays the user's part of a device login (RFC 8628 §3.3) on the provider fixture, without a browser: open the
 * verification page (with the code filled in, or type it into the input form), confirm the device, sign in on the
 * development login form and approve the consent, following redirects with a cookie jar until the provider's
 * "Sign-in Success" page — or press "Abort" on the confirmation page (the device then gets `access_denied`).
 */
import { HeadlessBrowser, LoginDriveError, unexpectedPage } from './browser.js';
import type { CookieJar } from './cookie-jar.js';
import { readForms } from './html-form.js';

/** Options for {@link driveDeviceLogin}. */
export interface DriveDeviceOptions {
  /** The user code to type into the input form (when the page does not have it already). */
  userCode?: string;
  /** Username typed into the login form (the token's `sub`). Default `alice`. */
  user?: string;
  /** Press "Abort" on the device confirmation page instead of approving (the device gets `access_denied`). */
  deny?: 'confirm';
  jar?: CookieJar;
  /** Upper bound on requests. Default 20. */
  maxSteps?: number;
}

/** How the device login ended on the provider's pages. */
export interface DeviceDriveResult {
  /** `approved`: the success page was reached; `denied`: the flow was aborted or cancelled as asked. */
  outcome: 'approved' | 'denied';
  /** Pages passed on the way, in order: `input` or `auto-post` (the code filled in), `confirm`, `login`, `consent`. */
  pages: string[];
}

/** Drives the device login at `verificationUrl` (the plain `verification_uri` needs `userCode`). */
export async function driveDeviceLogin(verificationUrl: string, options: DriveDeviceOptions = {}): Promise<DeviceDriveResult> {
  const browser = new HeadlessBrowser(options.jar ? { jar: options.jar } : {});
  const pages: string[] = [];
  let url = new URL(verificationUrl).href;
  let form: URLSearchParams | undefined;
  for (let step = 0; step < (options.maxSteps ?? 20); step++) {
    const answer = await browser.open(url, form);
    form = undefined;
    if (answer.kind === 'redirect') {
      url = answer.location;
      continue;
    }
    if (answer.status === 200 && /<title>Sign-in Success<\/title>/.test(answer.html)) return { outcome: 'approved', pages };
    const page = readForms(answer.html, url).filter((f) => f.method === 'post')[0];
    if (answer.status !== 200 || !page) throw unexpectedPage('device login', answer);
    const prompt = page.hidden.prompt;
    if (prompt !== undefined) {
      pages.push(prompt);
      form = new URLSearchParams(page.hidden);
      if (prompt === 'login') {
        form.set('login', options.user ?? 'alice');
        form.set('password', 'x');
      }
    } else if (page.hidden.confirm !== undefined) {
      pages.push('confirm');
      form = new URLSearchParams(page.hidden);
      if (options.deny === 'confirm') {
        form.delete('confirm');
        form.set('abort', 'yes');
        await browser.open(page.action, form);
        return { outcome: 'denied', pages };
      }
    } else if (page.inputs.includes('user_code') && page.hidden.user_code === undefined) {
      if (pages.includes('input')) throw new LoginDriveError('the provider asked for the user code again (wrong or expired code)', url, answer.status);
      if (!options.userCode) throw new LoginDriveError('the verification page asks for the user code; pass options.userCode', url, answer.status);
      pages.push('input');
      form = new URLSearchParams(page.hidden);
      form.set('user_code', options.userCode);
    } else {
      pages.push('auto-post');
      form = new URLSearchParams(page.hidden);
    }
    url = page.action;
  }
  throw new LoginDriveError(`the device login did not finish within ${options.maxSteps ?? 20} requests`, url, 0);
}
