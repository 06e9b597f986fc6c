import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import autocannon from 'autocannon';
import { rest, spawnServer, withScratchDatabase } from './support.ts';
const token = 'bench-admin-token-0123456789';
const cpu = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
await withScratchDatabase('postgresql://postgres@127.0.0.1:5432/test', async (url) => {
  const server = await spawnServer('src/main.ts', { DATABASE_URL: url, SNYPTO_DATA_DIR: tmpdir(), SNYPTO_ADMIN_TOKEN: token });
  const profile = await rest(server.url, token, 'GET', '/api/v1/profile');
  const account = `/api/v1/accounts/${profile.account_id}`;
  const inbox = await rest(server.url, token, 'POST', `${account}/inboxes`, { name: 'Bench', channel: { type: 'api' } });
  const paths: string[] = [];
  for (let i = 0; i < 100; i++) {
    const contact = await rest(server.url, token, 'POST', `${account}/contacts`, { name: `C${i}`, inbox_id: inbox.id });
    const conv = await rest(server.url, token, 'POST', `${account}/conversations`, { source_id: contact.payload.contact_inbox.source_id });
    paths.push(`${account}/conversations/${conv.id}/messages`);
  }
  let sent = 0;
  const run = (duration: number) => autocannon({ url: server.url, connections: 50, duration, requests: [{ method: 'POST', headers: { 'content-type': 'application/json', api_access_token: token },
    setupRequest: (r: any) => ({ ...r, path: paths[sent++ % paths.length], body: JSON.stringify({ content: `M ${sent}`, message_type: 'incoming' }) }) }] });
  await run(2);
  const before = cpu(server.child.pid!);
  const result = await run(5);
  const used = cpu(server.child.pid!) - before;
  console.log(`${result.requests.total} creates, ${result.requests.average}/s, server CPU ${(used / result.requests.total).toFixed(2)} ms per create, non2xx ${result.non2xx}`);
  await server.stop();
});
