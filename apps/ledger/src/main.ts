import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '@ledger/config';
import { createLogger, NestPinoLogger } from '@ledger/observability';
import { AppModule } from './app.module';
import { configureApp } from './configure-app';
import { resolveInfrastructure } from './infrastructure';

async function bootstrap(): Promise<void> {
  const logger = new Logger('CostLedger');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  // Every Nest Logger, from here on, writes through pino: JSON lines, or pretty on a terminal.
  Logger.overrideLogger(new NestPinoLogger(createLogger(config.logLevel)));
  const infra = await resolveInfrastructure(config, (line) => logger.log(line));
  const app = configureApp(await NestFactory.create(AppModule.forRoot({ config, ...infra }), { bodyParser: false }));
  let stopping = false;
  const stopDatabase = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    await infra.stop();
  };
  process.once('SIGINT', () => void stopDatabase().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopDatabase().then(() => process.exit(0)));
  await app.listen(config.port);
  const url = await app.getUrl();
  logger.log(`Cost Ledger (${config.role}) listening on ${url.replace('[::1]', 'localhost')}`);
  if (infra.adminKeyFile) logger.log(`admin key: read it from ${infra.adminKeyFile} (set LEDGER_ADMIN_KEY to choose your own)`);
}

void bootstrap().catch((err: Error) => {
  console.error(`Cost Ledger failed to start: ${err.message}`);
  process.exit(1);
});
