// TEMP STUB — replaced by the w10/stdio branch
import type { Logger } from '../../log.js';
import type { UpstreamConnector } from '../port.js';
export interface StdioConnectorOptions { name: string; command: string; args: string[]; env: Record<string, string>; cwd?: string; maxMessageBytes: number; logger: Logger; clientReady?: () => Promise<void> | undefined }
export interface StdioConnector extends UpstreamConnector { close(): Promise<void> }
export function createStdioConnector(_o: StdioConnectorOptions): StdioConnector { throw new Error('stub'); }
