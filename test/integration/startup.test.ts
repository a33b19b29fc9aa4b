/** Start-up as an operator meets it: the real entry point, a real process. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout.on('data', (c) => (stdout += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

describe('start-up with a bad environment variable', () => {
  it.each([
    [{ HTTP_PORT: 'eighty' }, /^smsgw: invalid HTTP_PORT: /],
    [{ GATEWAY_ROLES: 'api,dance' }, /^smsgw: invalid GATEWAY_ROLES: must be a comma list of api, smpp, workers/],
    [{ DATABASE_URL: 'mysql://x' }, /^smsgw: invalid DATABASE_URL: must be a URL/],
    [{ SIMULATOR: 'maybe' }, /^smsgw: invalid SIMULATOR: must be 0 or 1/],
  ])('%o stops with exit code 2 and one line naming the variable', async (env, message) => {
    const result = await runMain(env);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});
