import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { SETTINGS } from '../src/config/config.ts';

// The Dockerfile, compose file and systemd unit cannot run on the test machines (no
// container engine, no systemd): these checks hold them to the steps that are tested —
// scripts/production-install.mjs (test/production-install.int.test.ts) — and to the
// settings the server knows.
const read = (f: string) => fs.readFileSync(f, 'utf8');
const dockerfile = read('Dockerfile');
const compose = read('deploy/compose.yaml');
const unit = read('deploy/datagate.service');
const nginx = read('deploy/nginx.conf');

/** The variables the server reads (src/config/config.ts): each setting's, and `_FILE` for a secret's. */
const known = new Set(SETTINGS.flatMap((s) => (s.secret ? [s.env, `${s.env}_FILE`] : [s.env])));

describe('deployment files', () => {
  it('the image is built by the tested production install and runs it unprivileged, with a health check', () => {
    assert.match(dockerfile, /RUN npm ci [^\n]*\\\n\s*&& node scripts\/production-install\.mjs \/app/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    assert.match(runtime, /COPY --from=build \/app \/app/);
    assert.match(runtime, /\nUSER node\n/);
    assert.match(runtime, /HEALTHCHECK [\s\S]*\/healthz/);
    assert.match(runtime, /ENTRYPOINT \["node", "--optimize-for-size", "\/app\/bin\/datagate"\]/);
    assert.doesNotMatch(runtime, /npm (ci|install)/, 'the runtime stage installs nothing');
  });

  it('every setting the files name is one the server reads', () => {
    for (const [name, text] of Object.entries({ dockerfile, compose, unit })) {
      for (const [v] of text.matchAll(/DATAGATE_[A-Z_]+/g)) {
        assert.ok(known.has(v), `${name} names ${v}, which the server does not read`);
      }
    }
  });

  it('compose runs two nodes on PostgreSQL and Redis behind the proxy, which balances both', () => {
    assert.match(compose, /\n {2}node1: &node\n/);
    assert.match(compose, /\n {2}node2: \*node\n/);
    assert.match(compose, /DATAGATE_REDIS: redis:\/\/redis:6379/);
    assert.match(compose, /read_only: true/);
    assert.match(nginx, /server node1:8080/);
    assert.match(nginx, /server node2:8080/);
    assert.match(nginx, /location = \/metrics \{\s*deny all;/);
  });

  it('the systemd unit runs the production install as its own user with the system read-only', () => {
    assert.match(unit, /\nUser=datagate\n/);
    assert.match(unit, /\nExecStart=\/usr\/bin\/node --optimize-for-size \/opt\/datagate\/bin\/datagate serve\n/);
    assert.match(unit, /\nProtectSystem=strict\n/);
    assert.match(unit, /\nReadWritePaths=\/var\/lib\/datagate\n/);
    assert.match(unit, /\nNoNewPrivileges=true\n/);
  });

  it('no code sets a V8 flag while running: the files start V8 with it', () => {
    // Set from inside the process, --optimize-for-size left about one server start in
    // three serving every request at a third of the speed (BENCHMARKS.md).
    const sources = fs.readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    assert.ok(sources.length > 50);
    for (const f of [...sources.map((s) => `src/${s}`), 'bin/datagate'])
      assert.doesNotMatch(read(f), /setFlagsFromString/, f);
  });
});
