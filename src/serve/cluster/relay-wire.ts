/**
 * What travels between instances over Redis pub/sub for a relayed request (redis-cluster.ts): each instance reads
 * one channel, `<prefix>relay:<instance id>`, and every message on it is one JSON envelope — a request (`req`) from a
 * relaying instance, its owner's acknowledgement (`ack`) and answer (`res`: frames of status and headers, body
 * bytes, end), and the relaying side's `abort` when its client went away. Bodies are text (JSON, event streams,
 * pages); bytes that are not UTF-8 travel in base64. Whatever arrives is checked before use: a malformed envelope
 * is dropped.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { InboundIdentity } from '../inbound-auth/types.js';
import type { HeldKind, RelayedRequest } from './types.js';

/** A piece of an answer: its head (first frame only), body bytes, and whether it ends. */
export interface RelayFrame {
  head?: [number, Record<string, string | string[]>];
  body?: string | Buffer;
  end?: boolean;
}

/** One envelope; `c` correlates a request with its answer (unique per relaying instance), `f` is the sender. */
export type Envelope =
  | { t: 'req'; c: number; f: string; k: HeldKind; m: string; u: string; h: IncomingHttpHeaders; b: string; b64?: 1; i: InboundIdentity; o: Record<string, string> }
  | { t: 'ack'; c: number; f: string }
  | { t: 'res'; c: number; f: string; h?: [number, Record<string, string | string[]>]; b?: string; b64?: 1; e?: 1 }
  | { t: 'abort'; c: number; f: string };

/** The channel an instance reads. */
export function relayChannel(prefix: string, instance: string): string {
  return `${prefix}relay:${instance}`;
}

/** A request's envelope. */
export function requestEnvelope(c: number, from: string, r: RelayedRequest): string {
  const text = isUtf8(r.body);
  return JSON.stringify({ t: 'req', c, f: from, k: r.kind, m: r.method, u: r.url, h: r.headers, b: text ? r.body.toString('utf8') : r.body.toString('base64'), ...(text ? {} : { b64: 1 }), i: r.identity, o: r.cors });
}

/** An answer frame's envelope. */
export function frameEnvelope(c: number, from: string, frame: RelayFrame): string {
  const e: Extract<Envelope, { t: 'res' }> = { t: 'res', c, f: from };
  if (frame.head) e.h = frame.head;
  if (frame.body !== undefined) {
    if (typeof frame.body === 'string') e.b = frame.body;
    else if (isUtf8(frame.body)) e.b = frame.body.toString('utf8');
    else {
      e.b = frame.body.toString('base64');
      e.b64 = 1;
    }
  }
  if (frame.end) e.e = 1;
  return JSON.stringify(e);
}

/** The request an envelope carries. */
export function requestOf(e: Extract<Envelope, { t: 'req' }>): RelayedRequest {
  return { kind: e.k, method: e.m, url: e.u, headers: e.h, body: Buffer.from(e.b, e.b64 ? 'base64' : 'utf8'), identity: e.i, cors: e.o };
}

/** The body bytes of an answer envelope. */
export function bodyOf(e: Extract<Envelope, { t: 'res' }>): string | Buffer | undefined {
  if (e.b === undefined) return undefined;
  return e.b64 ? Buffer.from(e.b, 'base64') : e.b;
}

const KINDS: ReadonlySet<string> = new Set(['session', 'input-state', 'login']);

/** Parses one message; undefined for anything that is not a well-formed envelope. */
export function parseEnvelope(text: string): Envelope | undefined {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof e !== 'object' || e === null || typeof e.c !== 'number' || typeof e.f !== 'string') return undefined;
  switch (e.t) {
    case 'ack':
    case 'abort':
      return e as Envelope;
    case 'res':
      if (e.b !== undefined && typeof e.b !== 'string') return undefined;
      if (e.h !== undefined && !(Array.isArray(e.h) && typeof e.h[0] === 'number' && typeof e.h[1] === 'object' && e.h[1] !== null)) return undefined;
      return e as Envelope;
    case 'req': {
      const i = e.i as Record<string, unknown> | null;
      const ok = typeof e.k === 'string' && KINDS.has(e.k) && typeof e.m === 'string' && typeof e.u === 'string' && e.u.startsWith('/')
        && typeof e.h === 'object' && e.h !== null && typeof e.b === 'string' && typeof i === 'object' && i !== null
        && typeof i.user === 'string' && typeof i.method === 'string' && typeof e.o === 'object' && e.o !== null;
      return ok ? (e as Envelope) : undefined;
    }
    default:
      return undefined;
  }
}

function isUtf8(bytes: Buffer): boolean {
  return bytes.length === 0 || Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}
