// Shared start-up for the entry points: load config (exit 1 listing every bad variable) and build the app.
import { ConfigError, loadConfig, type Config } from './config.js';

export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every variable and its default.\n`);
      process.exit(1);
    }
    throw err;
  }
}
