/**
 * JSON-RPC ids read out of JSON text without parsing it: what the framing (an oversize client line) and the server
 * message bounds (an oversize server event) use to answer a message they will not parse.
 */

/** A JSON-RPC id as JSON text (an integer or a short string), as a regex source with one capture group. */
export const ID_VALUE = String.raw`(-?\d{1,16}|"(?:[^"\\]|\\.){0,256}")`;
