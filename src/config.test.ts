import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.dataDir).toBe('./data');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the environment', () => {
    const config = loadConfig({ PORT: '8080', DATABASE_URL: 'postgres://x/y', WEBHOOK_ALLOW_PRIVATE: '1', PUBLIC_URL: 'https://pay.example.com/' });
    expect(config.port).toBe(8080);
    expect(config.databaseUrl).toBe('postgres://x/y');
    expect(config.webhookAllowPrivate).toBe(true);
    expect(config.publicUrl).toBe('https://pay.example.com');
  });

  it('reports every invalid setting at once', () => {
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_POOL_SIZE: '0' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('LOG_LEVEL');
      expect(message).toContain('DATABASE_POOL_SIZE');
    }
  });
});

describe('README configuration table', () => {
  it('documents every setting', async () => {
    const { readFileSync } = await import('node:fs');
    const { SETTINGS } = await import('./config.js');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const setting of Object.values(SETTINGS)) expect(readme).toContain(`| \`${setting.env}\` |`);
  });

  it('documents every setting in docs/operations.md too', async () => {
    const { readFileSync } = await import('node:fs');
    const { SETTINGS } = await import('./config.js');
    const operations = readFileSync(new URL('../docs/operations.md', import.meta.url), 'utf8');
    for (const setting of Object.values(SETTINGS)) expect(operations).toContain(`| \`${setting.env}\` |`);
  });
});
