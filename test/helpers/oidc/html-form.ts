/**
 * Reads the few things a headless login needs from the provider's interaction pages: each form's action and hidden
 * inputs, and the "Cancel" (abort) link. Regular expressions are enough for oidc-provider's own templates.
 */

/** One `<form>` on a page. */
export interface PageForm {
  /** The action resolved against the page URL. */
  action: string;
  method: string;
  /** Hidden inputs by name (e.g. `prompt` → `login` or `consent`). */
  hidden: Record<string, string>;
  /** Names of every input (hidden or not), in order. */
  inputs: string[];
}

/** The forms on `html`, with actions resolved against `pageUrl`. */
export function readForms(html: string, pageUrl: string): PageForm[] {
  const forms: PageForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attributes = readAttributes(match[1] ?? '');
    const form: PageForm = {
      action: new URL(attributes.action ?? pageUrl, pageUrl).href,
      method: (attributes.method ?? 'get').toLowerCase(),
      hidden: {},
      inputs: [],
    };
    for (const input of (match[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
      const inputAttributes = readAttributes(input[1] ?? '');
      if (inputAttributes.name === undefined) continue;
      form.inputs.push(inputAttributes.name);
      if (inputAttributes.type?.toLowerCase() === 'hidden') {
        form.hidden[inputAttributes.name] = inputAttributes.value ?? '';
      }
    }
    forms.push(form);
  }
  return forms;
}

/** The first link whose path ends in `/abort` (oidc-provider's "[ Cancel ]"), resolved, or undefined. */
export function readAbortLink(html: string, pageUrl: string): string | undefined {
  for (const match of html.matchAll(/<a\b([^>]*)>/gi)) {
    const href = readAttributes(match[1] ?? '').href;
    if (href !== undefined && new URL(href, pageUrl).pathname.endsWith('/abort')) return new URL(href, pageUrl).href;
  }
  return undefined;
}

/** The text of the page's `<h1 id="error">` / `<p id="error_description">` (the fixture's error page), if any. */
export function readErrorPage(html: string): { error?: string; description?: string } {
  const error = /<h1 id="error">([\s\S]*?)<\/h1>/i.exec(html)?.[1];
  const description = /<p id="error_description">([\s\S]*?)<\/p>/i.exec(html)?.[1];
  return {
    ...(error !== undefined && { error: decodeEntities(error) }),
    ...(description !== undefined && { description: decodeEntities(description) }),
  };
}

function readAttributes(source: string): Record<string, string | undefined> {
  const attributes: Record<string, string | undefined> = {};
  for (const match of source.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    const name = (match[1] ?? '').toLowerCase();
    attributes[name] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_all, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[lower] ?? '';
  });
}
