import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env';

describe('configuration', () => {
  it('has the DESIGN.md defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/smsgw',
      redisUrl: 'redis://127.0.0.1:6379',
      httpPort: 8080,
      smppPort: 2775,
      host: '0.0.0.0',
      roles: ['api', 'smpp', 'workers'],
      queuePrefix: 'smsgw',
      simulator: false,
      adminToken: undefined,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names the bad variable and what is wrong with it', () => {
    expect(() => loadConfig({ HTTP_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ HTTP_PORT: '70000' })).toThrow(/^invalid HTTP_PORT: must be 0..65535$/);
    expect(() => loadConfig({ GATEWAY_ROLES: 'api,cooking' })).toThrow(/invalid GATEWAY_ROLES/);
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(/invalid REDIS_URL/);
    expect(() => loadConfig({ SIMULATOR: 'yes' })).toThrow(/invalid SIMULATOR: must be 0 or 1/);
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).toThrow(/invalid ADMIN_TOKEN/);
  });

  it('parses roles and flags', () => {
    expect(loadConfig({ GATEWAY_ROLES: 'workers', SIMULATOR: '1' })).toMatchObject({ roles: ['workers'], simulator: true });
  });
});
