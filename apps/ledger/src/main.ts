import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, ConfigError, loadConfig } from '@ledger/config';
import { createLogger, logsWritten, NestPinoLogger } from '@ledger/observability';
import type { NextFunction, Request, Response } from 'express';
import { AppModule } from './app.module';
import { configureApp } from './configure-app';
import { Infrastructure, resolveInfrastructure } from './infrastructure';

const logger = new Logger('CostLedger');

/**
 * The one shutdown path (ADR 0015), for SIGTERM, SIGINT and a database that cannot be restarted:
 * stop accepting connections and finish the requests in flight, let the projector commit its current batch, close the pools, then stop the embedded PostgreSQL.
 * Past `shutdownTimeoutMs` the process exits 1 with whatever is left undone; the projector's
 * checkpoint and ingest's transactions make that safe, only slower to resume.
 */
class Lifecycle {
  app?: INestApplication;
  infra?: Infrastructure;
  private stopping?: Promise<void>;

  constructor(private readonly timeoutMs: number) {}

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  shutdown(reason: string, exitCode: number): void {
    if (this.stopping) {
      logger.warn(`${reason} while stopping: exiting now`);
      process.exit(exitCode || 1);
    }
    logger.log(`${reason}: stopping (at most ${this.timeoutMs} ms)`);
    const deadline = setTimeout(() => {
      logger.error(`did not stop within ${this.timeoutMs} ms (LEDGER_SHUTDOWN_TIMEOUT_MS): exiting with work undone`);
      process.exit(1);
    }, this.timeoutMs);
    this.stopping = (async () => {
      const server = this.app?.getHttpServer() as Server | undefined;
      if (server?.listening) {
        // Resolves once the last connection has ended. A busy connection is closed by its response
        // (see the middleware in bootstrap), or else as soon as it is idle: close() itself closes
        // only the connections idle at that moment.
        const drained = new Promise((resolve) => server.close(resolve));
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        await drained;
        clearInterval(sweep);
      }
      await this.app?.close();
      await this.infra?.stop();
    })().then(
      async () => {
        clearTimeout(deadline);
        logger.log('stopped');
        await logsWritten();
        process.exit(exitCode);
      },
      async (err: Error) => {
        logger.error(`stopping failed: ${err.message}`);
        await logsWritten();
        process.exit(1);
      },
    );
  }
}

async function bootstrap(config: AppConfig): Promise<void> {
  // Every Nest Logger, from here on, writes through pino: JSON lines, or pretty on a terminal.
  Logger.overrideLogger(new NestPinoLogger(createLogger(config.logLevel)));
  const lifecycle = new Lifecycle(config.shutdownTimeoutMs);
  process.on('SIGTERM', () => lifecycle.shutdown('SIGTERM', 0));
  process.on('SIGINT', () => lifecycle.shutdown('SIGINT', 0));
  const infra = await resolveInfrastructure(
    config,
    (line) => logger.log(line),
    (err) => lifecycle.shutdown(`the embedded PostgreSQL cannot be started again (${err.message})`, 1),
  );
  lifecycle.infra = infra;
  const app = await NestFactory.create(AppModule.forRoot({ config, ...infra }), { bodyParser: false });
  lifecycle.app = app;
  // While stopping, every response closes its connection, so that keep-alive clients go elsewhere
  // and the server's close is not held up by connections that would stay open.
  app.use((_req: Request, res: Response, next: NextFunction) => {
    if (lifecycle.isStopping) res.setHeader('Connection', 'close');
    next();
  });
  configureApp(app);
  await app.listen(config.port, config.host);
  const bound = (app.getHttpServer() as Server).address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  logger.log(`Cost Ledger (${config.role}) listening on http://${host}:${bound.port}`);
  if (config.role !== 'projector') logger.log(`dashboard: http://${host}:${bound.port}/ (sign in with an API key)`);
  if (infra.adminKeyFile) logger.log(`admin key: read it from ${infra.adminKeyFile} (set LEDGER_ADMIN_KEY to choose your own)`);
}

function main(): void {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : String(err));
    process.exit(1);
  }
  bootstrap(config).catch((err: unknown) => {
    console.error(`Cost Ledger failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

main();
