import { Normalizer } from './normalizer';

// TODO(issue 16): claims nothing until its normalizer is written.
export const codexCli: Normalizer = {
  source: 'codex',
  claims: () => false,
  normalize: () => [],
};
