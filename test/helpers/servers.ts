/**
 * Real MCP server fixtures on 127.0.0.1 (one import for tests). Each lives in its own file:
 * Streamable HTTP ({@link startStreamableServer}), legacy SSE ({@link startSseServer}), a fixed-status endpoint
 * ({@link startStatusServer}), and the tools they all serve ({@link registerTestTools}).
 */
export { startStreamableServer, type StreamableServer, type StreamableServerOptions, type StreamKind } from './streamable-server.js';
export { startSseServer, type SseServer, type SseServerOptions } from './sse-server.js';
export { startStatusServer, type StatusServer, type StatusServerOptions } from './status-server.js';
export type { RecordedRequest } from './http-util.js';
export * from './test-tools.js';
