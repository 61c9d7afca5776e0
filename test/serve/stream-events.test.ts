/**
 * The bound of a resumable stream's kept events (stream-events.ts): a `Last-Event-ID` older than what is kept gets
 * what is kept, and says events were lost; an id of another stream — of the same session or another — replays
 * nothing, ever.
 */
import { describe, expect, it } from 'vitest';
import { lostRequestOfEventId, newStreamTag, postStreamId, streamOfEventId, StreamEvents } from '../../src/serve/stream-events.js';

describe('StreamEvents', () => {
  it('replays from an id too old for the bound only what is kept, and says events were lost', () => {
    const events = new StreamEvents(`${newStreamTag()}.g`, { maxEvents: 3 });
    const priming = events.prime();
    const ids = ['a', 'b', 'c', 'd', 'e'].map((d) => events.add(`"${d}"`).id);
    expect(events.after(priming).map((e) => e.data)).toEqual(['"c"', '"d"', '"e"']);
    expect(events.lost(priming)).toBe(true);
    expect(events.lost(ids[0]!)).toBe(true);
    // From the newest event dropped on, nothing is missing.
    expect(events.lost(ids[1]!)).toBe(false);
    expect(events.after(ids[1]!).map((e) => e.id)).toEqual(ids.slice(2));
    expect(events.after(ids[4]!)).toEqual([]);
  });

  it('keeps within its size bound, and always the newest event', () => {
    const events = new StreamEvents(`${newStreamTag()}.g`, { maxBytes: 10 });
    const first = events.prime();
    events.add('123456');
    events.add('7890ab');
    expect(events.after(first).map((e) => e.data)).toEqual(['7890ab']);
    events.add('a much longer event than the bound');
    expect(events.after(first).map((e) => e.data)).toEqual(['a much longer event than the bound']);
  });

  it('replays nothing for an id of another stream or another session', () => {
    const tag = newStreamTag();
    const get = new StreamEvents(`${tag}.g`);
    const post = new StreamEvents(`${tag}.s1`);
    const elsewhere = new StreamEvents(`${newStreamTag()}.g`);
    get.prime();
    post.prime();
    const otherPriming = elsewhere.prime();
    get.add('"get"');
    const postEvent = post.add('"post"').id;
    elsewhere.add('"elsewhere"');
    expect(get.after(postEvent)).toEqual([]);
    expect(get.after(otherPriming)).toEqual([]);
    expect(get.after('not an id')).toEqual([]);
    expect(streamOfEventId(postEvent)).toBe(`${tag}.s1`);
    expect(streamOfEventId(otherPriming)).not.toBe(get.streamId);
  });

  it("names a POST stream's one request in its id, when short, and reads it back from any event id of the stream", () => {
    const tag = newStreamTag();
    for (const id of [7, 0, 'req-1', '✓ ü']) {
      const events = new StreamEvents(postStreamId(tag, 3, [id]));
      const priming = events.prime();
      expect(streamOfEventId(priming)).toBe(events.streamId);
      expect(lostRequestOfEventId(priming)).toBe(id);
      expect(lostRequestOfEventId(events.add('"x"').id)).toBe(id);
    }
    // Several requests, or an id too long to carry, name none; nor does the GET stream.
    expect(postStreamId(tag, 4, [1, 2])).toBe(`${tag}.s4`);
    expect(postStreamId(tag, 5, ['x'.repeat(40)])).toBe(`${tag}.s5`);
    expect(lostRequestOfEventId(`${tag}.s4-0`)).toBeUndefined();
    expect(lostRequestOfEventId(`${tag}.g-0`)).toBeUndefined();
    // What is not a string or an integer once decoded is not a request id.
    const hex = (v: string) => Buffer.from(v, 'utf8').toString('hex');
    for (const bad of ['1.5', 'null', '{"a":1}', 'not json']) expect(lostRequestOfEventId(`${tag}.s6.r${hex(bad)}-0`)).toBeUndefined();
    expect(lostRequestOfEventId(`${tag}.s6.rzz-0`)).toBeUndefined();
  });
});
