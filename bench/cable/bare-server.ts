/**
 * The baseline of the /cable benchmark: a bare `ws` server that greets each
 * connection and, on `POST /broadcast`, sends the posted frame to every
 * socket. What no application logic costs.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: true });
const server = createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  if (req.method === 'POST' && req.url === '/broadcast') {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const frame = Buffer.concat(chunks).toString('utf8');
      for (const client of wss.clients) client.send(frame);
      res.end('ok');
    });
    return;
  }
  res.statusCode = 404;
  res.end();
});
server.on('upgrade', (request, socket, head) =>
  wss.handleUpgrade(request, socket, head, (ws) => ws.send('{"type":"welcome"}')),
);
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
