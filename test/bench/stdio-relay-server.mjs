// The floor under an HTTP gateway to a stdio server, for the serve bench: a bare node:http process that starts the
// stdio server once per session (on `initialize`) and relays each POSTed message to its stdin as it came, and each
// answer line from its stdout back as the POST's JSON body — no validation, no limits, no auth, no streams, no
// timers: what one HTTP exchange plus one stdio exchange cost in Node, nothing more. A gateway's own part is what it
// costs above this. Usage: node stdio-relay-server.mjs <port> <command> [args…]; it listens on 127.0.0.1.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const [port, command, ...args] = process.argv.slice(2);
/** Per session: the child's stdin and the POST answers waiting, by request id. */
const sessions = new Map();

function open(id) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  const waiting = new Map();
  let rest = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    for (const line of lines) {
      if (!line) continue;
      const message = JSON.parse(line);
      const res = message.method === undefined ? waiting.get(message.id) : undefined;
      if (!res) continue; // the server's own requests and notifications: this relay has no stream for them
      waiting.delete(message.id);
      const headers = { 'content-type': 'application/json' };
      if (res.sessionId) headers['mcp-session-id'] = res.sessionId;
      res.writeHead(200, headers).end(line);
    }
  });
  const session = { child, waiting };
  sessions.set(id, session);
  return session;
}

createServer((req, res) => {
  const id = req.headers['mcp-session-id'];
  if (req.method === 'DELETE') {
    sessions.get(id)?.child.kill();
    sessions.delete(id);
    return void res.writeHead(200).end();
  }
  if (req.method !== 'POST') return void res.writeHead(405).end();
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const message = JSON.parse(body);
    let session = sessions.get(id);
    if (message.method === 'initialize') {
      res.sessionId = randomUUID();
      session = open(res.sessionId);
    }
    if (!session) return void res.writeHead(404).end();
    if (message.id === undefined || message.method === undefined) res.writeHead(202).end();
    else session.waiting.set(message.id, res);
    session.child.stdin.write(`${body}\n`);
  });
}).listen(Number(port), '127.0.0.1');
