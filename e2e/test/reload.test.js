// End-to-end hot reload: a handler module replaced many times (by file
// writes the hub's watcher picks up) while clients send events steadily.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHub, baseConfig, connect } from '../harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const built = process.env.IOHUB_PLUGINS || join(here, '..', '..', 'build', 'plugins');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('hot reload under load', () => {
  let hub;
  let dir;
  const open = [];
  // Replace the module the way a deploy should: write beside it, then rename.
  const deploy = (from) => {
    const tmp = join(dir, '.hot.wasm.tmp');
    if (typeof from === 'string') copyFileSync(join(built, from), tmp);
    else writeFileSync(tmp, from);
    renameSync(tmp, join(dir, 'hot.wasm'));
  };

  before(async () => {
    if (!existsSync(join(built, 'echo-c.wasm'))) throw new Error(`no built handlers in ${built}: run ./scripts/build-examples.sh`);
    dir = mkdtempSync(join(tmpdir(), 'iohub-reload-'));
    copyFileSync(join(built, 'echo-c.wasm'), join(dir, 'hot.wasm'));
    hub = await startHub(baseConfig(`
[plugins]
dir = "${dir}"
watch = true
[[events]]
name = "hot:ping"
handler = "hot"
`));
  });
  after(async () => {
    for (const s of open) s.close();
    assert.equal(await hub.stop(), 0);
  });

  it('loses no event and fails no ack while the module is replaced 20 times, a broken version among them', async () => {
    for (let i = 0; i < 5; i++) open.push(await connect(hub.url, { transport: i % 2 ? 'polling' : 'websocket' }));
    let stop = false;
    const langs = {};
    const failures = [];
    let sent = 0;
    const senders = open.map(async (s, n) => {
      let seq = 0;
      while (!stop) {
        seq++;
        sent++;
        try {
          const r = await s.timeout(5000).emitWithAck('hot:ping', { n, seq });
          if (!r || !r.lang || r.args?.[0]?.seq !== seq) failures.push(r);
          else langs[r.lang] = (langs[r.lang] || 0) + 1;
        } catch (e) {
          failures.push(String(e));
        }
      }
    });

    const versions = ['echo-rust.wasm', 'echo-as.wasm', 'echo-c.wasm', 'echo-go.wasm'];
    for (let i = 0; i < 20; i++) {
      deploy(i === 10 ? Buffer.from('not a wasm module') : versions[i % versions.length]);
      await sleep(250);
    }
    // The last deploy is echo-go; then a broken one must leave it serving.
    deploy(Buffer.from('\0asm broken'));
    await sleep(500);
    const before = langs.go || 0;
    await sleep(500);
    stop = true;
    await Promise.all(senders);

    assert.deepEqual(failures, [], `${failures.length} of ${sent} events failed`);
    for (const lang of ['c', 'rust', 'assemblyscript', 'go']) assert.ok(langs[lang] > 0, `no answer from ${lang}: ${JSON.stringify(langs)}`);
    assert.ok((langs.go || 0) > before, 'the last good version keeps serving after a broken deploy');
    await hub.waitForLog(/handler module refused; the previous version keeps serving/);
    await hub.waitForLog(/handler module reloaded[^\n]*plugin=hot/);
  });
});
