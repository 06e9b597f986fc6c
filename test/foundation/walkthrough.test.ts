/**
 * README.md's walk-through runs as written. The test takes the ```sh blocks
 * of the section "Walk-through: the API channel end to end", in order, and
 * then the ```sh blocks elsewhere whose first line starts with
 * "# After the walk-through" (the Client API's curl calls, the HMAC line),
 * and runs them, unchanged, in one bash process at the root of the checkout,
 * as a newcomer pasting them into one terminal would. The only differences
 * are in the environment, and they are the README's own variables: PORT and
 * HOOK_PORT (`${PORT:-3000}`, `${HOOK_PORT:-4000}`) are free ports, so a
 * server or receiver a developer runs on 3000/4000 is never touched, and
 * TMPDIR puts the walk-through's `mktemp -d` database in the test's own
 * directory (the walk-through never uses ./data). bash runs with `set -e`,
 * and a marker line before each block says which one failed.
 *
 * Nothing can be left out: every fenced block in the section must be a sh
 * block, or be labelled `**Browser only.**`, and the label is only accepted
 * on JavaScript that needs a browser (and required on any that does,
 * anywhere in the README).
 *
 * Then the test asserts on what the blocks printed: the ids they captured,
 * the messages listed, the webhooks in the order step 7 states, the GraphQL
 * answer without errors, the Node /cable listener's and the GraphQL stream's
 * broadcasts. At the end it runs the README's stop instruction,
 * `kill $(jobs -p)`, and checks that nothing it started is left; whatever
 * happens, the whole process group is then killed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDataDir } from '../support/pglite-template.ts';
import { fencedBlocks, needsBrowser, type FencedBlock } from '../support/readme-blocks.ts';
import { waitFor } from '../support/wait.ts';

const root = path.resolve(import.meta.dirname, '../..');
const SECTION = 'Walk-through: the API channel end to end';
const AFTER = '# After the walk-through';

function readmeBlocks(): FencedBlock[] {
  return fencedBlocks(readFileSync(path.join(root, 'README.md'), 'utf8'));
}

/** The blocks the walk-through runs, in order: its section's, then those marked as continuing it. */
function walkthroughBlocks(blocks: FencedBlock[]): FencedBlock[] {
  const own = blocks.filter((block) => block.section === SECTION && block.lang === 'sh');
  const after = blocks.filter((block) => block.section !== SECTION && block.lang === 'sh' && block.code.startsWith(AFTER));
  return [...own, ...after];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether any process of the group is still alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("README.md's walk-through", () => {
  it('labels every snippet it does not run, and only browser code', () => {
    const blocks = readmeBlocks();
    const section = blocks.filter((block) => block.section === SECTION);
    expect(section.filter((block) => block.lang === 'sh').length).toBeGreaterThanOrEqual(8);
    for (const block of blocks) {
      const where = `README.md:${block.line}`;
      // Every snippet of the walk-through runs, unless it cannot run outside a browser.
      if (block.section === SECTION) expect(block.lang === 'sh' || block.browserOnly, `${where}: neither sh nor labelled Browser only`).toBe(true);
      // The label cannot hide a shell block, nor code that runs in Node.
      if (block.browserOnly) {
        expect(block.lang, `${where}: labelled Browser only but not JavaScript`).toBe('js');
        expect(needsBrowser(block.code), `${where}: labelled Browser only but needs no browser`).toBe(true);
      }
      // And browser code always says so.
      if (block.lang === 'js' && needsBrowser(block.code)) expect(block.browserOnly, `${where}: browser code without the label`).toBe(true);
    }
    // What runs has no placeholders to fill in.
    for (const block of walkthroughBlocks(blocks)) expect(block.code, `README.md:${block.line}`).not.toMatch(/<[A-Za-z_][\w -]*>/);
  });

  describe('run as written against a fresh server', () => {
    let workDir: string;
    let pgid: number | undefined;

    beforeAll(async () => {
      workDir = await emptyDataDir('snypto-walkthrough-');
      // `npm start` rebuilds dist/ first when the sources changed (scripts/build-if-stale.mjs); do it here, so that
      // the walk-through's own start is timed like a newcomer's (a few seconds), not like a build.
      const build = spawnSync('node', ['scripts/build-if-stale.mjs'], { cwd: root, encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`build-if-stale failed:\n${build.stdout}${build.stderr}`);
    }, 300_000);

    afterAll(async () => {
      if (pgid !== undefined && groupAlive(pgid)) {
        process.kill(-pgid, 'SIGTERM');
        await waitFor(async () => !groupAlive(pgid!), 'the walk-through processes to stop', 15_000).catch(() => {
          if (groupAlive(pgid!)) process.kill(-pgid!, 'SIGKILL');
        });
      }
      await rm(workDir, { recursive: true, force: true });
    });

    it('prints the ids, messages, webhooks, GraphQL answer and broadcasts the text promises', { timeout: 120_000 }, async () => {
      const blocks = walkthroughBlocks(readmeBlocks());
      const script = [
        'set -e',
        ...blocks.map((block, n) => `echo "::block ${n + 1} (README.md:${block.line}) $(date +%s.%N)"\n${block.code}`),
        'echo "::walkthrough done"',
        // Held here until the test has read what the background processes print; then the README's stop instruction.
        'read -r _',
        'kill $(jobs -p)',
        'wait',
        'echo "::stopped"',
      ].join('\n');
      const [port, hookPort] = [await freePort(), await freePort()];
      const outputFile = path.join(workDir, 'output.txt');
      const out = openSync(outputFile, 'w');
      const env: Record<string, string | undefined> = { ...process.env, PORT: String(port), HOOK_PORT: String(hookPort), TMPDIR: workDir };
      for (const name of Object.keys(env)) if (/^(SNYPTO_|DATABASE_|REDIS_URL|HOST$|LOG_LEVEL$|FRONTEND_URL$)/.test(name)) delete env[name];
      const started = performance.now();
      const bash = spawn('bash', ['-c', script], { cwd: root, env, detached: true, stdio: ['pipe', out, out] });
      closeSync(out);
      pgid = bash.pid!;
      const exited = new Promise<number | string | null>((resolve) => bash.on('exit', (code, signal) => resolve(code ?? signal)));
      let exitCode: number | string | null | undefined;
      void exited.then((code) => (exitCode = code));
      const output = () => readFileSync(outputFile, 'utf8');
      const failed = () => new Error(`the walk-through stopped (exit ${exitCode}):\n${output()}`);

      await waitFor(async () => {
        if (exitCode !== undefined) throw failed();
        return output().includes('::walkthrough done');
      }, 'the walk-through to finish', 90_000).catch((error: Error) => {
        throw error.message.startsWith('the walk-through stopped') ? error : new Error(`${error.message}:\n${output()}`);
      });
      // The listeners print in their own time: wait for the broadcasts of the reply on each.
      const heard = (text: string) =>
        /^cable: first\.reply\.created It ships today\.\n(.*\n)*cable: conversation\.updated /m.test(text) && /^data: .*It ships today\./m.test(text);
      await waitFor(async () => heard(output()), 'the broadcasts of the reply').catch(() => {
        throw new Error(`the listeners did not print the reply:\n${output()}`);
      });
      const text = output();
      const lines = text.split('\n');
      const line = (pattern: RegExp) => {
        const found = lines.map((l) => pattern.exec(l)).find(Boolean);
        if (!found) throw new Error(`no line matching ${pattern} in:\n${text}`);
        return found;
      };

      // No captured value was missing from its answer (json's complaint), and every block ran.
      expect(text).not.toMatch(/^no \S+ in: /m);
      expect(text).toContain(`::block ${blocks.length} `);
      // Step 0 and 1: the account, the inbox's ids.
      expect(line(/^account (\d+)$/)[1]).toBe('1');
      const inbox = line(/^inbox (\d+), inbox_identifier (\w+)$/);
      expect(inbox[2]).toMatch(/^[1-9A-HJ-NP-Za-km-z]{24}$/);
      // Step 2: Ann's id and token from the Platform API, her membership, her pubsub token.
      const agent = line(/^agent (\d+), access_token (\S+)$/);
      expect(Number(agent[1])).toBeGreaterThan(1);
      expect(agent[2]!.length).toBeGreaterThanOrEqual(16);
      expect(lines).toContain('agent');
      expect(lines).toContain('ann@example.com');
      // Steps 4 and 5.
      line(/^contact (\d+)$/);
      const conversation = line(/^conversation (\d+)$/)[1];
      // Step 6: the reply is Ann's (her token works), the list holds both messages.
      expect(lines).toContain('Ann Agent');
      const listed = lines.filter((l) => l.startsWith('message ')).map((l) => l.replace(/^message \d+ /, ''));
      expect(listed).toEqual(['0 Where is my order?', '1 It ships today.']);
      // Step 3's listeners: Ann on /cable (Node, ws), the administrator's GraphQL stream.
      expect(lines).toContain('cable: subscribed');
      const cable = lines.filter((l) => l.startsWith('cable: ') && l !== 'cable: subscribed' && !l.startsWith('cable: presence'));
      expect(cable.slice(0, 7)).toEqual([
        'cable: contact.created ',
        'cable: conversation.created ',
        'cable: message.created Where is my order?',
        'cable: conversation.updated ',
        'cable: message.created It ships today.',
        'cable: first.reply.created It ships today.',
        'cable: conversation.updated ',
      ]);
      const streamed = lines.filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice('data: '.length)));
      expect(streamed.slice(0, 2)).toEqual([
        {
          data: { messageCreated: { content: 'Where is my order?', messageType: 'INCOMING', conversation: { displayId: Number(conversation) } } },
          extensions: { cursor: expect.stringMatching(/^[\w-]+:\d+:\d+$/) },
        },
        {
          data: { messageCreated: { content: 'It ships today.', messageType: 'OUTGOING', conversation: { displayId: Number(conversation) } } },
          extensions: { cursor: expect.stringMatching(/^[\w-]+:\d+:\d+$/) },
        },
      ]);
      // Step 7: five webhooks, in the order the text states: conversation_created, then each message's two in either order.
      expect(lines).toContain('5 webhooks delivered');
      const webhooks = lines.filter((l) => l.startsWith('webhook: '));
      expect(webhooks[0]).toBe('webhook: conversation_created ');
      expect(webhooks.slice(1, 3).sort()).toEqual([
        'webhook: conversation_updated waiting_since,updated_at',
        'webhook: message_created Where is my order?',
      ]);
      expect(webhooks.slice(3, 5).sort()).toEqual([
        'webhook: conversation_updated first_reply_created_at,waiting_since,updated_at',
        'webhook: message_created It ships today.',
      ]);
      // Step 8: the GraphQL query through the account union answers without errors.
      const answer = JSON.parse(line(/^(\{"data":\{"account".*)$/)[1]!);
      expect(answer.errors).toBeUndefined();
      const read = answer.data.account.data;
      expect(read.name).toBe('Snypto');
      expect(read.conversation.data).toMatchObject({ status: 'OPEN', contact: { name: 'Jane Doe' } });
      expect(read.conversation.data.messages.edges.map((edge: any) => [edge.node.messageType, edge.node.content])).toEqual([
        ['INCOMING', 'Where is my order?'],
        ['OUTGOING', 'It ships today.'],
      ]);
      // After the walk-through: the Client API's session, conversation and message; the HMAC of an identifier.
      const clientMessage = JSON.parse(line(/^(\{"id":\d+,"content":"Hi!".*)$/)[1]!);
      expect(clientMessage).toMatchObject({ content: 'Hi!', message_type: 0 });
      const clientList = JSON.parse(line(/^(\[\{.*"content":"Hi!".*)$/)[1]!);
      expect(clientList.map((message: any) => message.content)).toEqual(['Hi!']);
      line(/^[0-9a-f]{64}$/);

      // The README's stop instruction stops everything the walk-through started.
      bash.stdin!.end('\n');
      await waitFor(async () => exitCode !== undefined, 'the walk-through to stop', 20_000);
      expect(exitCode, output()).toBe(0);
      expect(output()).toContain('::stopped');
      await waitFor(async () => !groupAlive(pgid!), 'every process of the walk-through to be gone', 5000);
      console.log(`walk-through: ${blocks.length} blocks, ${Math.round(performance.now() - started)} ms`);
    });
  });
});
