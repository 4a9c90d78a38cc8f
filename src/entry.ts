// Shared start-up for the entry points: load a .env file if there is one, then the config (exit 1 listing
// every bad variable). Variables already set in the environment win over the file.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.js';

/**
 * Loads ENV_FILE (default `.env` in the working directory) into process.env when it exists; ENV_FILE=none skips
 * it. Node's own parser (process.loadEnvFile), which never overrides a variable the environment already has.
 */
export function loadDotEnv(env: Record<string, string | undefined> = process.env): string | undefined {
  const file = env.ENV_FILE ?? '.env';
  if (file === 'none' || file === '') return undefined;
  const path = resolve(file);
  if (!existsSync(path)) {
    if (env.ENV_FILE) {
      process.stderr.write(`ENV_FILE ${path} does not exist\n`);
      process.exit(1);
    }
    return undefined;
  }
  process.loadEnvFile(path);
  return path;
}

export function loadConfigOrExit(env?: Record<string, string | undefined>): Readonly<Config> {
  if (!env) loadDotEnv();
  try {
    return loadConfig(env ?? process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every variable and its default.\n`);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * `env` plus the variables of its ENV_FILE (default `.env` in the working directory) that `env` does not set, as a
 * new object: how the CLI reads the file without touching process.env (the same parser as loadDotEnv). Throws a
 * ConfigError when ENV_FILE names a file that does not exist.
 */
export function envWithDotEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const file = env.ENV_FILE ?? '.env';
  if (file === 'none' || file === '') return env;
  const path = resolve(file);
  if (!existsSync(path)) {
    if (env.ENV_FILE) throw new ConfigError([`ENV_FILE: ${path} does not exist`]);
    return env;
  }
  return { ...parseEnv(readFileSync(path, 'utf8')), ...env };
}
