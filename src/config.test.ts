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

describe('NEC_THRESHOLDS', () => {
  it('defaults to $600 for 2025 and $2,000 for 2026, in cents', () => {
    expect(loadConfig({}).necThresholds).toEqual([
      { year: 2025, amount: 60_000n },
      { year: 2026, amount: 200_000n },
    ]);
  });

  it('reads year:dollars pairs in any order, with or without cents', () => {
    expect(loadConfig({ NEC_THRESHOLDS: '2027:2100.50, 2024:600' }).necThresholds).toEqual([
      { year: 2024, amount: 60_000n },
      { year: 2027, amount: 210_050n },
    ]);
  });

  it('refuses malformed lists, negative or fractional-cent amounts and a year twice', () => {
    for (const raw of ['2025', '2025:600,', '25:600', '2025:-600', '2025:600.5', '2025:600,2025:700', '2025=600', 'abc']) {
      expect(() => loadConfig({ NEC_THRESHOLDS: raw }), raw).toThrow(/NEC_THRESHOLDS/);
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
