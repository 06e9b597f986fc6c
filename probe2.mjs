import { readFileSync } from 'node:fs';
const rss = () => readFileSync('/proc/self/status','utf8').match(/RssAnon:\s+(\d+)/)[1]/1024|0;
const t=performance.now();
const { PGlite } = await import('@electric-sql/pglite');
const db = await PGlite.create(process.argv[2]);
await db.query('select count(*) from messages');
const t2=performance.now();
global.gc?.();
setTimeout(()=>{console.log(process.execArgv.join(' '), 'rss', rss(), 'ms', (t2-t)|0); db.close();}, 2000);
