import { Normalizer } from './normalizer';

// TODO(issue 16): claims nothing until its normalizer is written.
export const claudeCode: Normalizer = {
  source: 'claude-code',
  claims: () => false,
  normalize: () => [],
};
