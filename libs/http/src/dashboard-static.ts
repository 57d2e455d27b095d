import { existsSync } from 'node:fs';
import path from 'node:path';
import { DynamicModule, Inject, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';

/**
 * What the dashboard's responses carry. The page holds an API key in sessionStorage, so nothing but its own
 * files may run in it or frame it: Vite's builds need no inline script or style, and the dashboard speaks only
 * to this origin. `img-src data:` lets Vite inline small images.
 */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Vite names every asset by its content hash, so a year's caching never serves a stale file. */
const ASSET_CACHE = 'public, max-age=31536000, immutable';

/** The page `/` answers when `dist/dashboard` was not built (only `nest build` ran, say): what to do, not a crash. */
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cost Ledger: dashboard not built</title></head>
<body><h1>The dashboard is not built</h1>
<p>This Cost Ledger serves its API, but the dashboard's files are missing. Run <code>npm run build</code> (or
<code>npm start</code>, which builds what changed) and reload this page.</p>
<p>The API is documented at <a href="/docs">/docs</a>.</p></body></html>
`;

/** `dist/dashboard` of the checkout (or image) this code runs from: the nearest folder up with a package.json, from the sources or from dist/. */
export function defaultDashboardDir(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist', 'dashboard');
    if (path.dirname(dir) === dir) return path.resolve('dist', 'dashboard');
  }
}

export interface DashboardOptions {
  /** The Vite build's output (index.html, assets/). */
  readonly dir: string;
}

const DASHBOARD_OPTIONS = Symbol('DASHBOARD_OPTIONS');

const withSecurityHeaders = (res: Response) => {
  for (const [name, value] of Object.entries(DASHBOARD_SECURITY_HEADERS)) res.setHeader(name, value);
};

/**
 * Serves the dashboard's build at `/` through Express's own static middleware. It is mounted once Nest has
 * registered every controller's routes (init hooks run after the router, before the not-found handler), so it
 * can never shadow an API route, /docs, /metrics, /health or /otlp: a path it has no file for falls through to
 * the JSON 404 as before. Only `/`, `/index.html` and `/assets/…` are the dashboard's; its routes live after the `#`.
 */
@Injectable()
export class DashboardStatic implements OnModuleInit {
  private readonly logger = new Logger('Dashboard');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(DASHBOARD_OPTIONS) private readonly options: DashboardOptions,
  ) {}

  onModuleInit(): void {
    const { dir } = this.options;
    const index = path.join(dir, 'index.html');
    if (!existsSync(index)) this.logger.warn(`no dashboard build in ${dir}: / explains how to build it (npm run build)`);
    // A router of its own: the application's route table stays the API's (the OpenAPI spec compares the two).
    const router = express.Router();
    const assets = express.static(dir, {
      index: false,
      dotfiles: 'ignore',
      redirect: false,
      setHeaders: (res) => res.setHeader('Cache-Control', ASSET_CACHE),
    });
    router.get('/assets/*file', (req: Request, res: Response, next: NextFunction) => {
      withSecurityHeaders(res);
      assets(req, res, next);
    });
    // Checked per request, so that a build made while the service runs is served without a restart.
    router.get(['/', '/index.html'], (_req: Request, res: Response, next: NextFunction) => {
      withSecurityHeaders(res);
      res.setHeader('Cache-Control', 'no-cache');
      if (!existsSync(index)) {
        res.status(404).type('html').send(NOT_BUILT_PAGE);
        return;
      }
      res.sendFile(index, { dotfiles: 'deny', lastModified: true }, (err) => err && next(err));
    });
    this.adapterHost.httpAdapter.getInstance<Express>().use(router);
  }
}

@Module({})
export class DashboardModule {
  static forRoot(options: DashboardOptions): DynamicModule {
    return { module: DashboardModule, providers: [{ provide: DASHBOARD_OPTIONS, useValue: options }, DashboardStatic] };
  }
}
