/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload script, run by plain node */
/* global require, __dirname */
// Lets plain `node` run the TypeScript sources, so that specs can start the service
// as real processes without a build: `node -r <this file> apps/ledger/src/main.ts`.
// Each .ts file is compiled to CommonJS by @swc/core with the options jest.config.js
// uses. `@ledger/*` resolves through the paths in tsconfig.json, and a relative
// import from TypeScript prefers the .ts file, as tsc does (Node alone would pick
// default-catalog.json for './default-catalog'). Packages in node_modules load as
// they are; Nest's ES modules go through Node's require(esm).
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '../../..');
const { paths } = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8')).compilerOptions;
const aliases = new Map(Object.entries(paths).map(([name, [target]]) => [name, path.join(root, target)]));

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const aliased = aliases.get(request);
  if (aliased) return resolveFilename.call(this, aliased, parent, ...rest);
  if (parent?.filename?.endsWith('.ts') && /^\.\.?\//.test(request)) {
    const base = path.resolve(path.dirname(parent.filename), request);
    for (const file of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(file)) return file;
  }
  return resolveFilename.call(this, request, parent, ...rest);
};

const options = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
Module._extensions['.ts'] = (module, filename) => {
  module._compile(transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename }).code, filename);
};
